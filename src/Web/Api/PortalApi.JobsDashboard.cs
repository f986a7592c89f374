namespace GradingPortal.Web.Api;

/// <summary>A one-time ticket for the Api's jobs dashboard; <c>Path</c> is relative to the Api's public address.</summary>
public sealed record JobsDashboardTicketResponse(string Ticket, DateTimeOffset ExpiresAt, string Path);

public sealed partial class PortalApi
{
    /// <summary>Asks the Api for a dashboard ticket with the signed-in person's session (site admins; others get 403).</summary>
    public Task<ApiResult<JobsDashboardTicketResponse>> CreateJobsDashboardTicketAsync(CancellationToken ct = default) =>
        SendAsync<JobsDashboardTicketResponse>(HttpMethod.Post, "api/auth/jobs-dashboard-ticket", null, ct);
}
