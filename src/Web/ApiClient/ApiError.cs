namespace GradingPortal.Web.ApiClient;

/// <summary>
/// What a converted page shows when the generated client throws: one message for the page, and the Api's field errors
/// (ProblemDetails <c>errors</c>, keyed by the request's camelCase property names) for the form fields.
/// </summary>
public sealed record ApiError(int Status, string Message, IReadOnlyDictionary<string, IReadOnlyList<string>> Fields)
{
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> s_none = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The Api could not be reached at all (no HTTP answer).</summary>
    public static ApiError Unreachable { get; } = new(0, "The grading service is not answering right now. Please try again in a moment.", s_none);

    public static ApiError From(ApiException exception) => exception switch
    {
        ApiException<HttpValidationProblemDetails> { Result: { } problem } => new(exception.StatusCode,
            problem.Detail ?? problem.Title ?? DefaultMessage(exception.StatusCode),
            problem.Errors is { } errors ? new Dictionary<string, IReadOnlyList<string>>(errors, StringComparer.OrdinalIgnoreCase) : s_none),
        ApiException<ProblemDetails> { Result: { } problem } => new(exception.StatusCode,
            problem.Detail ?? problem.Title ?? DefaultMessage(exception.StatusCode), s_none),
        _ => new(exception.StatusCode, DefaultMessage(exception.StatusCode), s_none),
    };

    /// <summary>The errors of one field joined into a line, or null when it has none (MudBlazor's <c>ErrorText</c>).</summary>
    public string? For(string field) => Fields.TryGetValue(field, out var messages) && messages.Count > 0 ? string.Join(" ", messages) : null;

    /// <summary>The message of the whole request, without what a field already shows.</summary>
    public bool HasFieldErrors => Fields.Count > 0;

    private static string DefaultMessage(int status) => status switch
    {
        403 => "Your role does not allow this.",
        404 => "This was not found; it may have been deleted.",
        409 => "Someone changed this meanwhile. Reload to see their version.",
        429 => "Too many requests. Wait a moment and try again.",
        >= 500 => "The grading service failed. Please try again in a moment.",
        _ => $"The request failed ({status}).",
    };
}
