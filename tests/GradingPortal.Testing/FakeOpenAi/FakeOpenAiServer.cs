using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GradingPortal.Testing.FakeOpenAi;

/// <summary>
/// An OpenAI-compatible chat-completions server on a loopback port, speaking real HTTP, for tests and benchmarks.
/// <list type="bullet">
/// <item><c>POST /v1/chat/completions</c> answers in the OpenAI wire format with usage (prompt, cached, completion and
/// reasoning tokens, at about 4 characters a token; cached tokens simulate prefix caching, see <see cref="PromptCache"/>).</item>
/// <item><c>GET /v1/models</c> lists the configured model ids.</item>
/// <item><c>GET /_fake/stats</c> and <c>POST /_fake/reset</c> expose <see cref="Stats"/> to a benchmark in another process.</item>
/// </list>
/// Answers come from scripts keyed by the output schema name (<see cref="Script"/>): the <c>json_schema</c> name in
/// <c>response_format</c>, or in JSON mode the name on the line <c>Output schema: NAME</c> that starts a system message
/// (the Worker's ModelExchange writes that line). A request whose schema has no script gets a 500 that says so.
/// Faults are queued with <see cref="FailNext"/>.
/// </summary>
public sealed class FakeOpenAiServer : IAsyncDisposable
{
    /// <summary>Start of the system message that names the schema in JSON mode (kept in step with the Worker's ModelExchange).</summary>
    public const string SchemaMarker = "Output schema: ";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private readonly WebApplication _app;
    private readonly Dictionary<string, Func<FakeChatRequest, FakeReply>> _scripts = new(StringComparer.Ordinal);
    private readonly List<QueuedFault> _faults = [];
    private readonly List<FakeChatRequest> _requests = [];
    private readonly PromptCache _cache = new();
    private readonly Lock _lock = new();
    private Func<FakeChatRequest, FakeReply?>? _fallback;
    private Func<FakeChatRequest, FakeFault?>? _rule;
    private int _sequence;
    private int _inFlight;
    private int _maxInFlight;
    private long _requestCount;
    private long _completions;
    private long _promptTokens;
    private long _cachedTokens;
    private long _completionTokens;

    private FakeOpenAiServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>Base URL to give a model profile, e.g. <c>http://127.0.0.1:54321/v1</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    public int Port { get; private set; }

    /// <summary>Time every completion takes before it is sent (faults 429/500 answer at once).</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Whether requests are kept for <see cref="Requests"/> (a long benchmark turns this off to save memory).</summary>
    public bool RecordRequests { get; set; } = true;

    /// <summary>Model ids listed by <c>GET /v1/models</c>.</summary>
    public IReadOnlyList<string> Models { get; set; } = ["fake-model"];

    /// <summary>Starts a server on <paramref name="port"/> of 127.0.0.1 (0 = a free port).</summary>
    public static async Task<FakeOpenAiServer> StartAsync(int port = 0, TimeSpan latency = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port);
            kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
        });
        var app = builder.Build();
        var server = new FakeOpenAiServer(app) { Latency = latency };
        app.MapPost("/v1/chat/completions", server.CompleteAsync);
        app.MapGet("/v1/models", server.ListModels);
        app.MapGet("/_fake/stats", () => Results.Json(server.Stats, s_json));
        app.MapPost("/_fake/reset", () =>
        {
            server.Reset();
            return Results.NoContent();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Port = new Uri(address).Port;
        server.BaseUrl = $"http://127.0.0.1:{server.Port}/v1";
        return server;
    }

    /// <summary>Answers requests whose output schema is <paramref name="schemaName"/> with what <paramref name="handler"/> returns.</summary>
    public FakeOpenAiServer Script(string schemaName, Func<FakeChatRequest, FakeReply> handler)
    {
        lock (_lock)
        {
            _scripts[schemaName] = handler;
        }
        return this;
    }

    /// <summary>Like <see cref="Script"/>, answering with <paramref name="value"/>'s result serialised as JSON (a string is sent as is).</summary>
    public FakeOpenAiServer ScriptJson(string schemaName, Func<FakeChatRequest, object> value) => Script(schemaName, r => FakeReply.Json(value(r)));

    /// <summary>Answers requests no schema script matches; return null to fall through to the "no script" 500.</summary>
    public FakeOpenAiServer ScriptFallback(Func<FakeChatRequest, FakeReply?> handler)
    {
        _fallback = handler;
        return this;
    }

    /// <summary>
    /// The next <paramref name="count"/> requests (of schema <paramref name="schemaName"/> only, when given) get
    /// <paramref name="fault"/>. Queued faults apply in the order they were queued.
    /// </summary>
    public FakeOpenAiServer FailNext(FakeFault fault, int count = 1, string? schemaName = null)
    {
        lock (_lock)
        {
            _faults.Add(new QueuedFault(fault, schemaName) { Remaining = count });
        }
        return this;
    }

    /// <summary>
    /// A standing fault: every request for which <paramref name="rule"/> returns a fault gets it (after queued faults of
    /// <see cref="FailNext"/>, which win). Null removes the rule. Lets a test fail chosen requests, e.g. by solution text.
    /// </summary>
    public FakeOpenAiServer FailWhen(Func<FakeChatRequest, FakeFault?>? rule)
    {
        lock (_lock)
        {
            _rule = rule;
        }
        return this;
    }

    /// <summary>Requests received so far, in arrival order (empty when <see cref="RecordRequests"/> is off).</summary>
    public IReadOnlyList<FakeChatRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    public FakeStats Stats => new(Interlocked.Read(ref _requestCount), Interlocked.Read(ref _completions), Interlocked.Read(ref _promptTokens),
        Interlocked.Read(ref _cachedTokens), Interlocked.Read(ref _completionTokens), Volatile.Read(ref _inFlight), Volatile.Read(ref _maxInFlight));

    /// <summary>Forgets recorded requests, counters, queued faults, the <see cref="FailWhen"/> rule and the prompt cache (scripts stay).</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _requests.Clear();
            _faults.Clear();
            _rule = null;
            Interlocked.Exchange(ref _requestCount, 0);
            Interlocked.Exchange(ref _completions, 0);
            Interlocked.Exchange(ref _promptTokens, 0);
            Interlocked.Exchange(ref _cachedTokens, 0);
            Interlocked.Exchange(ref _completionTokens, 0);
            Volatile.Write(ref _maxInFlight, Volatile.Read(ref _inFlight));
        }
        _cache.Clear();
    }

    private IResult ListModels() => Results.Json(new
    {
        @object = "list",
        data = Models.Select(m => new { id = m, @object = "model", created = 1_700_000_000, owned_by = "fake" }),
    });

    private async Task CompleteAsync(HttpContext context)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        var max = Volatile.Read(ref _maxInFlight);
        while (inFlight > max && Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) != max)
        {
            max = Volatile.Read(ref _maxInFlight);
        }
        Interlocked.Increment(ref _requestCount);
        try
        {
            await HandleAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client gave up (its timeout); nothing to answer.
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        string body;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(aborted);
        }
        FakeChatRequest request;
        try
        {
            request = Parse(body, context.Request.Headers.Authorization.ToString());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            await ErrorAsync(context, 400, $"The fake server could not read the request: {e.Message}", "invalid_request_error");
            return;
        }

        FakeFault? fault;
        Func<FakeChatRequest, FakeReply>? script;
        lock (_lock)
        {
            if (RecordRequests)
            {
                _requests.Add(request);
            }
            fault = TakeFault(request.SchemaName) ?? _rule?.Invoke(request);
            script = request.SchemaName is not null && _scripts.TryGetValue(request.SchemaName, out var found) ? found : null;
        }

        switch (fault)
        {
            case FakeFault.RateLimit limit:
                context.Response.Headers.RetryAfter = limit.AsHttpDate
                    ? (DateTimeOffset.UtcNow + limit.RetryAfter).ToString("r", CultureInfo.InvariantCulture)
                    : Math.Ceiling(limit.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                await ErrorAsync(context, 429, "Rate limit reached (injected by the fake server).", "rate_limit_exceeded");
                return;
            case FakeFault.Server server:
                await ErrorAsync(context, server.Status, "The server had an error (injected by the fake server).", "server_error");
                return;
        }

        var delay = Latency + (fault is FakeFault.Delay slow ? slow.Duration : TimeSpan.Zero);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, aborted);
        }

        FakeReply? reply;
        try
        {
            reply = script is not null ? script(request) : _fallback?.Invoke(request);
        }
        catch (Exception e)
        {
            await ErrorAsync(context, 500, $"The fake server's script for schema '{request.SchemaName}' threw: {e.Message}", "server_error");
            return;
        }
        if (reply is null)
        {
            await ErrorAsync(context, 500, $"The fake server has no script for schema '{request.SchemaName ?? "(none)"}'.", "server_error");
            return;
        }
        reply = fault switch
        {
            FakeFault.Malformed => reply with { Content = "{\"verdict\": \"unfinished\", \"items\": [1, 2" },
            FakeFault.Violation => reply with { Content = "{\"fakeSchemaViolation\": true}" },
            FakeFault.Truncation => reply with { Content = reply.Content[..(reply.Content.Length / 2)], FinishReason = "length" },
            _ => reply,
        };
        await CompletionAsync(context, request, reply);
    }

    private async Task CompletionAsync(HttpContext context, FakeChatRequest request, FakeReply reply)
    {
        var prompt = SerializedPrompt(request.Messages);
        var promptTokens = Tokens(prompt.Length);
        var cachedTokens = Math.Min(promptTokens, _cache.Observe(prompt) / 4);
        var completionTokens = reply.CompletionTokens ?? Tokens(reply.Content.Length) + reply.ReasoningTokens;
        Interlocked.Increment(ref _completions);
        Interlocked.Add(ref _promptTokens, promptTokens);
        Interlocked.Add(ref _cachedTokens, cachedTokens);
        Interlocked.Add(ref _completionTokens, completionTokens);
        var response = new JsonObject
        {
            ["id"] = $"chatcmpl-fake-{request.Sequence}",
            ["object"] = "chat.completion",
            ["created"] = request.ReceivedAt.ToUnixTimeSeconds(),
            ["model"] = request.Model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply.Content, ["refusal"] = null },
                ["logprobs"] = null,
                ["finish_reason"] = reply.FinishReason,
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens,
                ["total_tokens"] = promptTokens + completionTokens,
                ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = cachedTokens },
                ["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = reply.ReasoningTokens },
            },
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted);
    }

    private FakeChatRequest Parse(string body, string authorization)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var messages = root.GetProperty("messages").EnumerateArray().Select(m => new FakeMessage(
            m.TryGetProperty("role", out var role) ? role.GetString() ?? "" : "",
            m.TryGetProperty("content", out var content) ? ContentText(content) : "")).ToList();

        var formatType = "text";
        string? schemaName = null;
        JsonElement? schema = null;
        bool? strict = null;
        if (root.TryGetProperty("response_format", out var format) && format.ValueKind == JsonValueKind.Object)
        {
            formatType = format.GetProperty("type").GetString() ?? "text";
            if (formatType == "json_schema" && format.TryGetProperty("json_schema", out var jsonSchema))
            {
                schemaName = jsonSchema.TryGetProperty("name", out var name) ? name.GetString() : null;
                schema = jsonSchema.TryGetProperty("schema", out var s) ? s.Clone() : null;
                strict = jsonSchema.TryGetProperty("strict", out var st) && st.ValueKind is JsonValueKind.True or JsonValueKind.False ? st.GetBoolean() : null;
            }
        }
        if (schemaName is null)
        {
            (schemaName, schema) = FromMarker(messages);
        }
        return new FakeChatRequest
        {
            Sequence = Interlocked.Increment(ref _sequence),
            ReceivedAt = DateTimeOffset.UtcNow,
            Model = root.TryGetProperty("model", out var model) ? model.GetString() ?? "" : "",
            Messages = messages,
            ResponseFormatType = formatType,
            SchemaName = schemaName,
            Schema = schema,
            Strict = strict,
            Temperature = root.TryGetProperty("temperature", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetDouble() : null,
            MaxTokens = Number(root, "max_completion_tokens") ?? Number(root, "max_tokens"),
            ReasoningEffort = root.TryGetProperty("reasoning_effort", out var effort) ? effort.GetString() : null,
            Authorization = string.IsNullOrEmpty(authorization) ? null : authorization,
            Body = body,
        };
    }

    private static (string? Name, JsonElement? Schema) FromMarker(IReadOnlyList<FakeMessage> messages)
    {
        var message = messages.FirstOrDefault(m => m.Role is "system" or "developer" && m.Content.StartsWith(SchemaMarker, StringComparison.Ordinal));
        if (message is null)
        {
            return (null, null);
        }
        var lineEnd = message.Content.IndexOf('\n', StringComparison.Ordinal);
        var name = (lineEnd < 0 ? message.Content[SchemaMarker.Length..] : message.Content[SchemaMarker.Length..lineEnd]).Trim();
        var brace = message.Content.IndexOf('{', StringComparison.Ordinal);
        JsonElement? schema = null;
        if (brace >= 0)
        {
            try
            {
                using var document = JsonDocument.Parse(message.Content[brace..]);
                schema = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                // The name is what scripts need; a schema that does not parse is left out.
            }
        }
        return (name, schema);
    }

    private static string ContentText(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString() ?? "",
        // Content parts: [{type: "text", text: "..."}]
        JsonValueKind.Array => string.Concat(content.EnumerateArray()
            .Select(p => p.TryGetProperty("text", out var text) ? text.GetString() : "")),
        _ => "",
    };

    private static int? Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;

    private static string SerializedPrompt(IReadOnlyList<FakeMessage> messages)
    {
        var text = new StringBuilder();
        foreach (var message in messages)
        {
            text.Append('<').Append(message.Role).Append(">\n").Append(message.Content).Append('\n');
        }
        return text.ToString();
    }

    private static int Tokens(int chars) => (chars + 3) / 4;

    private FakeFault? TakeFault(string? schemaName)
    {
        var index = _faults.FindIndex(f => f.SchemaName is null || f.SchemaName == schemaName);
        if (index < 0)
        {
            return null;
        }
        var queued = _faults[index];
        if (--queued.Remaining <= 0)
        {
            _faults.RemoveAt(index);
        }
        return queued.Fault;
    }

    private static Task ErrorAsync(HttpContext context, int status, string message, string type)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error = new { message, type, param = (string?)null, code = type } }, s_json,
            context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class QueuedFault(FakeFault fault, string? schemaName)
    {
        public FakeFault Fault { get; } = fault;
        public string? SchemaName { get; } = schemaName;
        public int Remaining { get; set; }
    }
}
