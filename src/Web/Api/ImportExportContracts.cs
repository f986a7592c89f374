namespace GradingPortal.Web.Api;

/// <summary>
/// The part of the Api's answer to an upload that the Web's upload endpoint reads (pages read imports through the
/// generated client).
/// </summary>
public sealed record ImportResponse(Guid Id, string Status);
