using System.Text.Json;

namespace GradingPortal.Testing.FakeOpenAi;

/// <summary>One chat message as the fake server received it.</summary>
public sealed record FakeMessage(string Role, string Content);

/// <summary>
/// A <c>POST /v1/chat/completions</c> request as the fake server parsed it, handed to scripts and kept for assertions.
/// </summary>
public sealed class FakeChatRequest
{
    /// <summary>1-based arrival order across the server's life (429s and 500s included).</summary>
    public required int Sequence { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public required string Model { get; init; }
    public required IReadOnlyList<FakeMessage> Messages { get; init; }
    /// <summary><c>text</c>, <c>json_object</c> or <c>json_schema</c>.</summary>
    public required string ResponseFormatType { get; init; }
    /// <summary>
    /// The output schema's name: <c>response_format.json_schema.name</c>, or in JSON mode the name on the first line of the
    /// system message that starts with <see cref="FakeOpenAiServer.SchemaMarker"/>.
    /// </summary>
    public string? SchemaName { get; init; }
    /// <summary>The schema itself (from response_format, or the JSON after the marker line in JSON mode).</summary>
    public JsonElement? Schema { get; init; }
    public bool? Strict { get; init; }
    public double? Temperature { get; init; }
    /// <summary><c>max_completion_tokens</c>, or <c>max_tokens</c> when only that is sent.</summary>
    public int? MaxTokens { get; init; }
    public string? ReasoningEffort { get; init; }
    /// <summary>The Authorization header as sent (e.g. <c>Bearer sk-...</c>).</summary>
    public string? Authorization { get; init; }
    /// <summary>The request body as received.</summary>
    public required string Body { get; init; }

    /// <summary>Content of the last user message (where our stages put the solution).</summary>
    public string LastUserMessage => Messages.LastOrDefault(m => m.Role == "user")?.Content ?? "";

    /// <summary>All message contents joined, for "does the prompt mention X" checks.</summary>
    public string AllText => string.Join("\n", Messages.Select(m => m.Content));
}

/// <summary>What a script answers: the message content, and optionally the finish reason and token counts.</summary>
/// <param name="Content">The assistant message content (for structured output, the JSON text).</param>
public sealed record FakeReply(string Content)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public string FinishReason { get; init; } = "stop";
    /// <summary>Output tokens to report; default: content length / 4 plus the reasoning tokens.</summary>
    public int? CompletionTokens { get; init; }
    /// <summary>Reasoning tokens to report (part of the completion tokens, as OpenAI counts them).</summary>
    public int ReasoningTokens { get; init; }

    /// <summary>A reply whose content is <paramref name="value"/> serialised as JSON (camelCase unless names are given).</summary>
    public static FakeReply Json(object value) => new(value as string ?? JsonSerializer.Serialize(value, s_json));
}

/// <summary>A fault the server injects instead of (or into) a normal answer. See <see cref="FakeOpenAiServer.FailNext"/>.</summary>
public abstract record FakeFault
{
    private FakeFault()
    {
    }

    /// <summary>HTTP 429 with <c>Retry-After</c> as seconds, or as an HTTP date when <paramref name="asHttpDate"/>.</summary>
    public static FakeFault RateLimited(TimeSpan retryAfter, bool asHttpDate = false) => new RateLimit(retryAfter, asHttpDate);

    /// <summary>An HTTP 5xx error with an OpenAI-style error body.</summary>
    public static FakeFault ServerError(int status = 500) => new Server(status);

    /// <summary>The answer comes after <paramref name="delay"/> on top of the usual latency (longer than the client's timeout to test timeouts).</summary>
    public static FakeFault Slow(TimeSpan delay) => new Delay(delay);

    /// <summary>Content that is not JSON at all.</summary>
    public static FakeFault MalformedJson { get; } = new Malformed();

    /// <summary>Valid JSON that breaks any object schema with required properties or <c>additionalProperties: false</c>.</summary>
    public static FakeFault SchemaViolation { get; } = new Violation();

    /// <summary>The script's content cut in half with <c>finish_reason: "length"</c>.</summary>
    public static FakeFault Truncated { get; } = new Truncation();

    internal sealed record RateLimit(TimeSpan RetryAfter, bool AsHttpDate) : FakeFault;
    internal sealed record Server(int Status) : FakeFault;
    internal sealed record Delay(TimeSpan Duration) : FakeFault;
    internal sealed record Malformed : FakeFault;
    internal sealed record Violation : FakeFault;
    internal sealed record Truncation : FakeFault;
}

/// <summary>Counters over everything the server answered since start or the last reset.</summary>
/// <param name="Requests">Requests received (faults included).</param>
/// <param name="Completions">Requests answered with a completion.</param>
/// <param name="PromptTokens">Sum of <c>prompt_tokens</c> reported.</param>
/// <param name="CachedTokens">Sum of <c>cached_tokens</c> reported.</param>
/// <param name="CompletionTokens">Sum of <c>completion_tokens</c> reported.</param>
/// <param name="InFlight">Requests being handled now.</param>
/// <param name="MaxInFlight">Most requests handled at once.</param>
public sealed record FakeStats(long Requests, long Completions, long PromptTokens, long CachedTokens, long CompletionTokens, int InFlight, int MaxInFlight);
