namespace GradingPortal.Web;

/// <summary>
/// Names this assembly for <c>WebApplicationFactory&lt;T&gt;</c> in tests that host Api and Web side by side (both have
/// top-level <c>Program</c> classes, which would clash).
/// </summary>
public sealed class WebEntryPoint;
