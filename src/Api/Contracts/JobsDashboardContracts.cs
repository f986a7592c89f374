namespace GradingPortal.Api.Contracts;

/// <summary>
/// A one-time ticket for the jobs dashboard. Open <c>Path</c> (relative to the Api's address) in a browser before
/// <c>ExpiresAt</c>; the first request trades it for a dashboard cookie, later ones are refused.
/// </summary>
public sealed record JobsDashboardTicketResponse(string Ticket, DateTimeOffset ExpiresAt, string Path);
