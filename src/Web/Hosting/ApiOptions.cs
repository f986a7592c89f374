using System.ComponentModel.DataAnnotations;

namespace GradingPortal.Web.Hosting;

/// <summary>Where Api listens (config <c>Api:BaseUrl</c>, e.g. http://127.0.0.1:5081).</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    [Required]
    [Url]
    public string BaseUrl { get; set; } = "";

    /// <summary>
    /// Where browsers reach the Api (config <c>Api:PublicBaseUrl</c>), for pages it serves itself such as the jobs
    /// dashboard; needed only when the Web calls the Api at an internal address. Defaults to <see cref="BaseUrl"/>.
    /// </summary>
    [Url]
    public string? PublicBaseUrl { get; set; }

    /// <summary>The base address with a trailing slash, so relative paths such as <c>api/me</c> append to it.</summary>
    public Uri BaseAddress => new(BaseUrl.TrimEnd('/') + "/");

    /// <summary>The address browsers use, with a trailing slash.</summary>
    public Uri PublicBaseAddress => string.IsNullOrWhiteSpace(PublicBaseUrl) ? BaseAddress : new(PublicBaseUrl.TrimEnd('/') + "/");
}

/// <summary>Where Web keeps its data-protection keys (config <c>DataProtection:KeysPath</c>); in memory when unset.</summary>
public sealed class WebDataProtectionOptions
{
    public const string SectionName = "DataProtection";

    public string? KeysPath { get; set; }
}
