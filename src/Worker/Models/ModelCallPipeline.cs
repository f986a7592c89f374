using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using GradingPortal.Domain.Models;
using GradingPortal.ModelAccess;
using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace GradingPortal.Worker.Models;

/// <summary>
/// The chat-client pipeline of one model profile: every request, whoever makes it, goes through the same middleware
/// (outermost first): the profile's limits across Workers, the usage and cost meter, the timeout guard, and the key
/// scrubber, then the OpenAI SDK's client. The per-attempt record, retries and repair sit above it, in the stage kernel's
/// filter (<see cref="Grading.StageCallRecorder"/>): each attempt must be stored before it reaches this pipeline.
/// </summary>
internal static class ModelCallPipeline
{
    public static IChatClient Build(IChatClient transport, ModelProfile profile, string? apiKey, ModelLimiter limiter) =>
        transport.AsBuilder()
            .Use(inner => new ModelLimitChatClient(inner, limiter, profile))
            .Use(inner => new UsageChatClient(inner, profile))
            .Use(inner => new TimeoutGuardChatClient(inner, TimeSpan.FromSeconds(profile.TimeoutSeconds + 5)))
            .Use(inner => new KeyScrubbingChatClient(inner, apiKey))
            .Build();
}

/// <summary>
/// The profiles' pipelines of this process, reused across calls (the SDK pools connections); a changed profile or key
/// gets a new one. The dictionary holds a hash of the key, not the key.
/// </summary>
internal sealed class ModelPipelines(ModelLimiter limiter)
{
    private readonly ConcurrentDictionary<(Guid Id, DateTimeOffset UpdatedAt, string KeyHash), IChatClient> _clients = new();

    public IChatClient For(ModelProfile profile, string? apiKey)
    {
        var keyHash = apiKey is null ? "" : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
        return _clients.GetOrAdd((profile.Id, profile.UpdatedAt, keyHash),
            _ => ModelCallPipeline.Build(ModelClients.CreateChatClient(profile, apiKey), profile, apiKey, limiter));
    }
}

/// <summary>
/// Holds one of the profile's concurrency slots and one requests-per-minute permit, shared by every Worker (ADR 010), for
/// the duration of each request. Waiting for the slot is not part of the request's latency.
/// </summary>
internal sealed class ModelLimitChatClient(IChatClient inner, ModelLimiter limiter, ModelProfile profile) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        await using (await limiter.AcquireAsync(profile, cancellationToken))
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
    }
}

/// <summary>
/// Measures each request (latency without the slot wait) and prices its usage at the profile's prices; the figures go
/// to the grading metrics and travel on the response (<see cref="LatencyKey"/>, <see cref="CostKey"/>).
/// </summary>
internal sealed class UsageChatClient(IChatClient inner, ModelProfile profile) : DelegatingChatClient(inner)
{
    public const string LatencyKey = "gradingportal.latency_ms";
    public const string CostKey = "gradingportal.cost";

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var model = new KeyValuePair<string, object?>("model", profile.Model);
        var started = Stopwatch.GetTimestamp();
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch
        {
            GradingTelemetry.ModelRequests.Add(1, model, new("outcome", "error"));
            GradingTelemetry.RequestLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, model);
            throw;
        }
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var usage = UsageOf(response);
        var cost = profile.Prices.CostOf(usage.Input, usage.Cached, usage.Output);
        GradingTelemetry.ModelRequests.Add(1, model, new("outcome", "answered"));
        GradingTelemetry.RequestLatency.Record(elapsed, model);
        GradingTelemetry.Tokens.Add(usage.Input, model, new("kind", "input"));
        GradingTelemetry.Tokens.Add(usage.Cached, model, new("kind", "cached_input"));
        GradingTelemetry.Tokens.Add(usage.Output, model, new("kind", "output"));
        GradingTelemetry.Tokens.Add(usage.Reasoning, model, new("kind", "reasoning"));
        GradingTelemetry.Cost.Add((double)cost, model);
        response.AdditionalProperties ??= [];
        response.AdditionalProperties[LatencyKey] = (int)Math.Min(int.MaxValue, elapsed);
        response.AdditionalProperties[CostKey] = cost;
        return response;
    }

    /// <summary>
    /// The answer's token counts: from the SDK's own usage when the endpoint's answer has it (it keeps cached and reasoning
    /// tokens apart), else from the abstraction's.
    /// </summary>
    public static (int Input, int Cached, int Output, int Reasoning) UsageOf(ChatResponse response)
    {
        if (response.RawRepresentation is ChatCompletion { Usage: { } raw })
        {
            return (raw.InputTokenCount, raw.InputTokenDetails?.CachedTokenCount ?? 0, raw.OutputTokenCount,
                raw.OutputTokenDetails?.ReasoningTokenCount ?? 0);
        }
        var usage = response.Usage;
        return ((int)(usage?.InputTokenCount ?? 0), (int)(usage?.CachedInputTokenCount ?? 0), (int)(usage?.OutputTokenCount ?? 0),
            (int)(usage?.ReasoningTokenCount ?? 0));
    }
}

/// <summary>
/// Bounds a request by the profile's timeout plus a margin. The SDK's network timeout is the profile's; this only guards
/// against a transport that ignores it. A request it stops ends in <see cref="TimeoutException"/>.
/// </summary>
internal sealed class TimeoutGuardChatClient(IChatClient inner, TimeSpan limit) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        guard.CancelAfter(limit);
        try
        {
            return await base.GetResponseAsync(messages, options, guard.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer within {limit.TotalSeconds:0} s", e);
        }
    }
}

/// <summary>
/// Keeps the profile's key out of whatever leaves the pipeline: an endpoint or SDK error that echoes the request is
/// rethrown with the key replaced, so no log, stored error or response above can carry it.
/// </summary>
internal sealed class KeyScrubbingChatClient(IChatClient inner, string? apiKey) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (ClientResultException e) when (Contains(e))
        {
            throw new ClientResultException(ModelClients.Scrub(e.Message, apiKey), e.GetRawResponse() is { } raw ? new ScrubbedResponse(raw) : null,
                e.InnerException is null ? null : new ScrubbedException(ModelClients.Scrub(e.InnerException.Message, apiKey)));
        }
        catch (HttpRequestException e) when (Contains(e))
        {
            throw new HttpRequestException(ModelClients.Scrub(e.Message, apiKey), null, e.StatusCode);
        }
    }

    private bool Contains(Exception e) =>
        !string.IsNullOrEmpty(apiKey) && apiKey != ModelClients.NoKeyPlaceholder
        && (e.ToString().Contains(apiKey, StringComparison.Ordinal));

    /// <summary>An inner error whose text had the key in it, kept as text only.</summary>
    private sealed class ScrubbedException(string message) : Exception(message);

    /// <summary>The raw response of a scrubbed error: status and headers (Retry-After) stay, the body does not.</summary>
    private sealed class ScrubbedResponse(PipelineResponse inner) : PipelineResponse
    {
        public override int Status => inner.Status;
        public override string ReasonPhrase => inner.ReasonPhrase;
        public override Stream? ContentStream { get => null; set { } }
        public override BinaryData Content => BinaryData.Empty;
        protected override PipelineResponseHeaders HeadersCore => inner.Headers;
        public override BinaryData BufferContent(CancellationToken cancellationToken = default) => BinaryData.Empty;
        public override ValueTask<BinaryData> BufferContentAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(BinaryData.Empty);
        public override void Dispose() => inner.Dispose();
    }
}
