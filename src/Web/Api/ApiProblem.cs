using System.Net;
using System.Text.Json;

namespace GradingPortal.Web.Api;

/// <summary>
/// An Api error as Web shows it: the RFC 7807 body (title, detail, per-field messages) reduced to what a page needs.
/// Field keys are normalised to lower camelCase so pages can look them up by the names they post.
/// </summary>
public sealed class ApiProblem
{
    private static readonly IReadOnlyDictionary<string, string[]> s_noErrors = new Dictionary<string, string[]>();

    public ApiProblem(HttpStatusCode status, string title, string? detail, IReadOnlyDictionary<string, string[]>? errors = null)
    {
        Status = status;
        Title = title;
        Detail = detail;
        Errors = errors ?? s_noErrors;
    }

    public HttpStatusCode Status { get; }
    public string Title { get; }
    public string? Detail { get; }
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>Messages for one field (case-insensitive, also matching nested keys such as <c>items[0].points</c> by prefix).</summary>
    public IReadOnlyList<string> For(string field) =>
        Errors.Where(e => string.Equals(e.Key, field, StringComparison.OrdinalIgnoreCase)).SelectMany(e => e.Value).ToList();

    /// <summary>The sentence shown at the top of a form.</summary>
    public string Summary => Status switch
    {
        HttpStatusCode.Conflict => Detail is { Length: > 0 } d
            ? $"{d} Reload to see the current version; what you typed is kept below."
            : "Someone changed this in the meantime. Reload to see the current version; what you typed is kept below.",
        // Only a form that lost its hidden rowVersion gets this; the field has no input of its own to show it next to.
        HttpStatusCode.BadRequest when Errors.ContainsKey("rowVersion") =>
            "This form was sent without the version it was loaded with. Reload the page and make your change again.",
        HttpStatusCode.Forbidden => Detail ?? "Your role in this project does not allow this.",
        HttpStatusCode.NotFound => Detail ?? "It no longer exists, or you are not a member of its project.",
        HttpStatusCode.BadRequest when Errors.Count > 0 => "Please correct the highlighted fields.",
        _ => Detail ?? Title,
    };

    /// <summary>All field messages, for forms that show them in one list.</summary>
    public IEnumerable<string> AllMessages => Errors.SelectMany(e => e.Value);

    internal static async Task<ApiProblem> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var fallbackTitle = string.IsNullOrEmpty(response.ReasonPhrase) ? $"The Api answered {(int)status}." : response.ReasonPhrase;
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (string.IsNullOrWhiteSpace(body))
            {
                return new ApiProblem(status, fallbackTitle, null);
            }
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new ApiProblem(status, fallbackTitle, null);
            }
            var title = root.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : fallbackTitle;
            var detail = root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            var errors = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
            if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in e.EnumerateObject())
                {
                    var messages = property.Value.ValueKind == JsonValueKind.Array
                        ? property.Value.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => m.GetString()!).ToArray()
                        : property.Value.ValueKind == JsonValueKind.String ? [property.Value.GetString()!] : [];
                    errors[NormaliseKey(property.Name)] = messages;
                }
            }
            return new ApiProblem(status, title, detail, errors);
        }
        catch (JsonException)
        {
            return new ApiProblem(status, fallbackTitle, null);
        }
    }

    private static string NormaliseKey(string key) =>
        key.Length > 0 && char.IsUpper(key[0]) ? char.ToLowerInvariant(key[0]) + key[1..] : key;
}

/// <summary>The outcome of an Api call: a value, or the problem the Api reported.</summary>
public readonly record struct ApiResult<T>(T? Value, ApiProblem? Problem)
{
    public bool Ok => Problem is null;
}

/// <summary>The outcome of an Api call that returns no body.</summary>
public readonly record struct ApiResult(ApiProblem? Problem)
{
    public bool Ok => Problem is null;
}
