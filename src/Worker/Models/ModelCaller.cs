using System.ClientModel;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using GradingPortal.ModelAccess;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenAI.Chat;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiChatRole = Microsoft.Extensions.AI.ChatRole;
using OpenAiResponseFormat = OpenAI.Chat.ChatResponseFormat;

namespace GradingPortal.Worker.Models;

/// <summary>
/// The one way the Worker calls models (see <see cref="IModelCaller"/>). Every HTTP attempt is a <see cref="StageCall"/> row,
/// inserted as InFlight before the request leaves (a process killed mid-call leaves it InFlight, and InFlight is never
/// reused) and completed with what came back. A stored Succeeded attempt with the same call key is returned instead of a
/// new request, which is what makes jobs safe to run twice.
/// </summary>
internal sealed partial class ModelCaller(
    IServiceScopeFactory scopes,
    ModelLimiter limiter,
    RunCancellationWatcher watcher,
    IConfiguration configuration,
    IDataProtectionProvider dataProtection,
    IOptions<ModelCallOptions> options,
    TimeProvider time,
    ILogger<ModelCaller> logger) : IModelCaller
{
    /// <summary>
    /// First line of the system message that carries the schema in JSON mode, followed by the schema name. Test doubles of
    /// the endpoint read the name from it (in json_schema mode the name travels in <c>response_format</c>).
    /// </summary>
    internal const string SchemaMarker = "Output schema: ";

    private const int MaxErrorLength = 2000;
    internal const string RunCancelledError = "cancelled: the run was cancelled";
    internal const string WorkerStoppingError = "cancelled: the Worker stopped before the model answered (its item is graded again)";
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<(Guid Id, DateTimeOffset UpdatedAt, string KeyHash), IChatClient> _clients = new();

    public async Task<ModelCallResult> CallAsync(ModelProfile profile, ModelCallRequest request, CancellationToken cancellationToken)
    {
        // The call's own token: the Worker stopping (cancellationToken) or its run cancelled (the watcher's lease).
        using var watch = request.RunId is { } runId ? watcher.Watch(runId) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, watch?.Token ?? CancellationToken.None);
        var call = new CallState(cancellationToken, linked.Token);
        try
        {
            return await CallCoreAsync(profile, request, call);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && linked.IsCancellationRequested)
        {
            // The run was cancelled while no attempt was in flight (looking for a stored call, waiting to retry): there is no
            // attempt to record; the last one, if any, is already complete.
            LogCallCancelled(logger, request.CallKey);
            return new ModelCallResult(StageCallStatus.Cancelled, null, null, RunCancelledError, call.LastAttemptId ?? Guid.Empty, false);
        }
    }

    private async Task<ModelCallResult> CallCoreAsync(ModelProfile profile, ModelCallRequest request, CallState call)
    {
        var settings = options.Value;
        var cancellationToken = call.Token;
        var (reused, nextAttempt) = request.NoEarlierAttempts ? (null, 1) : await FindReusableAsync(request.CallKey, cancellationToken);
        if (reused is not null)
        {
            return reused;
        }

        var snapshot = JsonSerializer.Serialize(profile.Snapshot(), s_json);
        var responseFormat = ResponseFormatRecord(profile, request);
        var messages = BuildMessages(profile, request);
        string? apiKey;
        try
        {
            apiKey = ModelClients.ResolveKey(profile, configuration, dataProtection);
        }
        catch (ModelKeyException e)
        {
            // Recorded like any failed attempt so the run shows why nothing was called.
            await using var failed = await InsertAttemptAsync(profile, request, nextAttempt, snapshot, messages, responseFormat, cancellationToken);
            call.LastAttemptId = failed.Row.Id;
            failed.Row.Status = StageCallStatus.Failed;
            failed.Row.Error = e.Message;
            failed.Row.FinishedAt = time.GetUtcNow();
            await CompleteAsync(failed, null, request.CallKey);
            LogCallFailed(logger, request.CallKey, failed.Row.Attempt, failed.Row.Error);
            return new ModelCallResult(StageCallStatus.Failed, null, null, failed.Row.Error, failed.Row.Id, false);
        }

        var client = ClientFor(profile, apiKey);
        var retryableFailures = 0;
        var timeouts = 0;
        var repaired = false;
        while (true)
        {
            await using var attempt = await InsertAttemptAsync(profile, request, nextAttempt, snapshot, messages, responseFormat, cancellationToken);
            var row = attempt.Row;
            call.LastAttemptId = row.Id;
            nextAttempt = row.Attempt + 1;
            Outcome outcome;
            try
            {
                outcome = await SendAsync(client, profile, request, messages, apiKey, row, call);
            }
            catch (Exception e)
            {
                // Nothing foreseen threw this (an SDK exception of another type, a bug in reading the answer): the attempt ends
                // Failed with what happened rather than staying InFlight, and the call is not repeated blindly.
                row.Status = StageCallStatus.Failed;
                row.Error = Shorten(ModelClients.Scrub($"unexpected error: {e.GetType().Name}: {e.Message}", apiKey));
                LogUnexpected(logger, request.CallKey, row.Attempt, ModelClients.Scrub(e.ToString(), apiKey));
                outcome = new Outcome(OutcomeKind.Failed);
            }
            row.FinishedAt = time.GetUtcNow();
            if (!await CompleteAsync(attempt, apiKey, request.CallKey) && outcome.Kind != OutcomeKind.Cancelled)
            {
                outcome = new Outcome(OutcomeKind.Failed);
            }
            if (outcome.Kind == OutcomeKind.Cancelled)
            {
                // The Worker is stopping: its job hands the item back. Otherwise the run was cancelled.
                call.WorkerStopping.ThrowIfCancellationRequested();
                LogCallCancelled(logger, request.CallKey);
                return new ModelCallResult(StageCallStatus.Cancelled, null, row.RawResponse, row.Error, row.Id, false);
            }
            call.WorkerStopping.ThrowIfCancellationRequested();

            switch (outcome.Kind)
            {
                case OutcomeKind.Succeeded:
                    return new ModelCallResult(StageCallStatus.Succeeded, outcome.Output, row.RawResponse, null, row.Id, false);
                case OutcomeKind.Invalid when !repaired:
                    // One repair attempt: the bad answer goes back with what is wrong with it.
                    repaired = true;
                    messages.Add(new AiChatMessage(AiChatRole.Assistant, row.RawResponse ?? ""));
                    messages.Add(new AiChatMessage(AiChatRole.User, RepairInstruction(outcome.Problems)));
                    LogRepair(logger, request.CallKey, row.Attempt);
                    continue;
                case OutcomeKind.Invalid:
                    LogCallFailed(logger, request.CallKey, row.Attempt, row.Error ?? "");
                    return new ModelCallResult(StageCallStatus.Invalid, null, row.RawResponse, row.Error, row.Id, false);
                case OutcomeKind.Retryable when ++retryableFailures < settings.MaxAttempts:
                case OutcomeKind.TimedOut when ++timeouts <= settings.TimeoutRetries:
                    var wait = RetryWait(outcome.RetryAfter, retryableFailures + timeouts, settings);
                    LogRetry(logger, request.CallKey, row.Attempt, (int)wait.TotalMilliseconds, row.Error ?? "");
                    await Task.Delay(wait, time, cancellationToken);
                    continue;
                default:
                    LogCallFailed(logger, request.CallKey, row.Attempt, row.Error ?? "");
                    return new ModelCallResult(StageCallStatus.Failed, null, row.RawResponse, row.Error, row.Id, false);
            }
        }
    }

    /// <summary>
    /// Stores how the attempt ended. When that fails (a value PostgreSQL refuses, such as a NUL character in the answer; a
    /// broken connection), a second try on a fresh context records it Failed (or Cancelled) with the reason and without the
    /// payload, and the call counts as failed (false). Only when that fails too does the row stay InFlight (the truth: the
    /// outcome is unknown to the database) and the error go up; InFlight is never reused.
    /// </summary>
    private async Task<bool> CompleteAsync(Attempt attempt, string? apiKey, string callKey)
    {
        var row = attempt.Row;
        try
        {
            await attempt.Db.SaveChangesAsync(CancellationToken.None);
            return true;
        }
        catch (Exception e)
        {
            var status = row.Status == StageCallStatus.Cancelled ? StageCallStatus.Cancelled : StageCallStatus.Failed;
            var error = Shorten(ModelClients.Scrub($"the attempt's outcome ({row.Status}) could not be stored: {(e.InnerException ?? e).Message}", apiKey));
            LogStoreFailed(logger, callKey, row.Attempt, error);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
            await db.StageCalls.Where(c => c.Id == row.Id).ExecuteUpdateAsync(u => u.SetProperty(c => c.Status, status)
                .SetProperty(c => c.Error, error).SetProperty(c => c.FinishedAt, row.FinishedAt ?? time.GetUtcNow())
                .SetProperty(c => c.LatencyMs, row.LatencyMs), CancellationToken.None);
            row.Status = status;
            row.Error = error;
            row.RawResponse = null;
            row.Parsed = null;
            return false;
        }
        finally
        {
            // Every attempt ends here, whichever way it is stored: the one place the pipeline's call metrics are fed from.
            GradingTelemetry.RecordStageCall(row, attempt.Model);
        }
    }

    /// <summary>One HTTP attempt inside the profile's limits; fills <paramref name="row"/> with what happened.</summary>
    private async Task<Outcome> SendAsync(IChatClient client, ModelProfile profile, ModelCallRequest request, List<AiChatMessage> messages,
        string? apiKey, StageCall row, CallState call)
    {
        var cancellationToken = call.Token;
        ChatResponse response;
        var stopwatch = Stopwatch.StartNew();
        try
        {
            // Limits, timeout guard, usage and key scrubbing are the pipeline's middleware (ModelCallPipeline).
            response = await client.GetResponseAsync(messages, ChatOptionsFor(profile, request), cancellationToken);
            row.LatencyMs = response.AdditionalProperties?.TryGetValue(UsageChatClient.LatencyKey, out var measured) == true && measured is int ms
                ? ms
                : (int)Math.Min(int.MaxValue, stopwatch.ElapsedMilliseconds);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            row.LatencyMs = (int)Math.Min(int.MaxValue, stopwatch.ElapsedMilliseconds);
            // Whatever the SDK threw once the call was cancelled (OperationCanceledException, or its own wrapper) is the cancel.
            row.Status = StageCallStatus.Cancelled;
            row.Error = call.WorkerStopping.IsCancellationRequested ? WorkerStoppingError : RunCancelledError;
            return new Outcome(OutcomeKind.Cancelled);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException
            || (e is ClientResultException { Status: 0 } && e.InnerException is OperationCanceledException or TimeoutException))
        {
            row.LatencyMs = (int)Math.Min(int.MaxValue, stopwatch.ElapsedMilliseconds);
            row.Status = StageCallStatus.Failed;
            row.Error = $"timed out after {profile.TimeoutSeconds} s";
            return new Outcome(OutcomeKind.TimedOut);
        }
        catch (ClientResultException e)
        {
            var status = e.Status;
            row.Status = StageCallStatus.Failed;
            row.Error = Shorten(ModelClients.Scrub(status == 0 ? $"no response: {e.Message}" : $"HTTP {status}: {e.Message}", apiKey));
            var retryable = status is 0 or 408 or 409 or 429 or >= 500;
            return new Outcome(retryable ? OutcomeKind.Retryable : OutcomeKind.Failed, RetryAfter: RetryAfterOf(e));
        }
        catch (HttpRequestException e)
        {
            row.Status = StageCallStatus.Failed;
            row.Error = Shorten(ModelClients.Scrub($"no response: {e.Message}", apiKey));
            return new Outcome(OutcomeKind.Retryable);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            // A response the SDK could not read (not the OpenAI wire format): not worth repeating as is.
            row.Status = StageCallStatus.Failed;
            row.Error = Shorten(ModelClients.Scrub($"unreadable response: {e.Message}", apiKey));
            return new Outcome(OutcomeKind.Failed);
        }

        var completion = response.RawRepresentation as ChatCompletion;
        var text = response.Text;
        row.RawResponse = text;
        RecordUsage(row, profile, completion, response.Usage);
        row.FinishReason = FinishReasonText(completion, response);

        if (row.FinishReason == "length")
        {
            row.Status = StageCallStatus.Failed;
            var limit = profile.MaxOutputTokens?.ToString(CultureInfo.InvariantCulture) ?? "the endpoint's default";
            row.Error = $"output truncated at the max output tokens limit ({limit})";
            return new Outcome(OutcomeKind.Failed);
        }
        if (!string.IsNullOrEmpty(completion?.Refusal))
        {
            row.Status = StageCallStatus.Failed;
            row.Error = Shorten($"the model refused: {completion.Refusal}");
            return new Outcome(OutcomeKind.Failed);
        }
        if (row.FinishReason == "content_filter")
        {
            row.Status = StageCallStatus.Failed;
            row.Error = "the endpoint's content filter stopped the output";
            return new Outcome(OutcomeKind.Failed);
        }

        var (output, problems) = ParseAndValidate(text, request);
        if (problems.Count > 0)
        {
            row.Status = StageCallStatus.Invalid;
            row.Error = Shorten("invalid output: " + string.Join("; ", problems));
            return new Outcome(OutcomeKind.Invalid, Problems: problems);
        }
        row.Status = StageCallStatus.Succeeded;
        row.Parsed = output!.Value.GetRawText();
        return new Outcome(OutcomeKind.Succeeded, output);
    }

    /// <summary>Parses the text as one JSON value and checks it against the schema, then the stage's own rules.</summary>
    internal static (JsonElement? Output, IReadOnlyList<string> Problems) ParseAndValidate(string text, ModelCallRequest request)
    {
        JsonElement output;
        try
        {
            using var document = JsonDocument.Parse(StripCodeFence(text));
            output = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return (null, [$"the output is not valid JSON ({e.Message})"]);
        }
        var problems = JsonSchemaValidator.Validate(request.Schema, output);
        if (problems.Count > 0 || request.Validate is null)
        {
            return (output, problems);
        }
        try
        {
            problems = request.Validate(output);
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException or IndexOutOfRangeException)
        {
            // Validation code reads untrusted output; an unexpected shape is a problem of the output, not a crash.
            problems = [$"the output could not be checked ({e.Message})"];
        }
        return (output, problems);
    }

    private static string StripCodeFence(string text)
    {
        // JSON mode on some local servers wraps the object in a Markdown fence; nothing else is forgiven.
        var trimmed = text.Trim();
        if (trimmed.StartsWith("```", StringComparison.Ordinal) && trimmed.EndsWith("```", StringComparison.Ordinal) && trimmed.Length >= 6)
        {
            var firstLine = trimmed.IndexOf('\n', StringComparison.Ordinal);
            if (firstLine > 0)
            {
                return trimmed[(firstLine + 1)..^3];
            }
        }
        return trimmed;
    }

    private static ChatOptions ChatOptionsFor(ModelProfile profile, ModelCallRequest request) => new()
    {
        Temperature = profile.Temperature is { } temperature ? (float)temperature : null,
        MaxOutputTokens = profile.MaxOutputTokens,
        // Response format and reasoning effort are set on the SDK's own options: strict json_schema and "minimal"
        // effort have no abstraction-level equivalent that survives the adapter unchanged.
        RawRepresentationFactory = _ => new ChatCompletionOptions
        {
            ResponseFormat = profile.StructuredOutput == StructuredOutputMode.JsonSchema
                ? OpenAiResponseFormat.CreateJsonSchemaFormat(request.SchemaName, BinaryData.FromString(request.Schema.GetRawText()),
                    jsonSchemaIsStrict: true)
                : OpenAiResponseFormat.CreateJsonObjectFormat(),
#pragma warning disable OPENAI001 // Marked for evaluation in the SDK; it is the documented reasoning_effort field.
            ReasoningEffortLevel = profile.ReasoningEffort is { } effort ? new ChatReasoningEffortLevel(effort) : (ChatReasoningEffortLevel?)null,
#pragma warning restore OPENAI001
        },
    };

    private static List<AiChatMessage> BuildMessages(ModelProfile profile, ModelCallRequest request)
    {
        var messages = request.Messages.ToList();
        if (profile.StructuredOutput == StructuredOutputMode.JsonMode)
        {
            // After the leading instructions, before the data: stable per stage, so it stays inside the cached prefix.
            var at = messages.TakeWhile(m => m.Role == AiChatRole.System).Count();
            messages.Insert(at, new AiChatMessage(AiChatRole.System, SchemaInstruction(request)));
        }
        return messages;
    }

    internal static string SchemaInstruction(ModelCallRequest request) =>
        $"""
        {SchemaMarker}{request.SchemaName}
        Answer with exactly one JSON object and no other text. The object must conform to this JSON Schema: every required property present, no property the schema does not list, every value of the stated type and within the stated bounds.
        {request.Schema.GetRawText()}
        """;

    private static string RepairInstruction(IReadOnlyList<string> problems) =>
        $"""
        That answer cannot be used as it is. Problems found:
        {string.Join("\n", problems.Select(p => "- " + p))}
        Send the corrected answer: one JSON object following the same schema, and nothing else.
        """;

    private static JsonObject ResponseFormatRecord(ModelProfile profile, ModelCallRequest request) =>
        profile.StructuredOutput == StructuredOutputMode.JsonSchema
            ? new JsonObject
            {
                ["type"] = "json_schema",
                ["name"] = request.SchemaName,
                ["strict"] = true,
                ["schema"] = JsonNode.Parse(request.Schema.GetRawText()),
            }
            : new JsonObject { ["type"] = "json_object", ["name"] = request.SchemaName };

    private static string RequestRecord(List<AiChatMessage> messages, JsonObject responseFormat)
    {
        var list = new JsonArray();
        foreach (var message in messages)
        {
            list.Add(new JsonObject { ["role"] = message.Role.Value, ["content"] = message.Text });
        }
        return new JsonObject { ["messages"] = list, ["responseFormat"] = responseFormat.DeepClone() }.ToJsonString();
    }

    private static void RecordUsage(StageCall row, ModelProfile profile, ChatCompletion? completion, UsageDetails? usage)
    {
        if (completion?.Usage is { } raw)
        {
            row.InputTokens = raw.InputTokenCount;
            row.CachedInputTokens = raw.InputTokenDetails?.CachedTokenCount ?? 0;
            row.OutputTokens = raw.OutputTokenCount;
            row.ReasoningTokens = raw.OutputTokenDetails?.ReasoningTokenCount ?? 0;
        }
        else if (usage is not null)
        {
            row.InputTokens = usage.InputTokenCount ?? 0;
            row.CachedInputTokens = usage.CachedInputTokenCount ?? 0;
            row.OutputTokens = usage.OutputTokenCount ?? 0;
            row.ReasoningTokens = usage.ReasoningTokenCount ?? 0;
        }
        row.Cost = profile.Prices.CostOf(row.InputTokens, row.CachedInputTokens, row.OutputTokens);
    }

    private static string? FinishReasonText(ChatCompletion? completion, ChatResponse response)
    {
        if (completion is not null)
        {
            return completion.FinishReason switch
            {
                OpenAI.Chat.ChatFinishReason.Stop => "stop",
                OpenAI.Chat.ChatFinishReason.Length => "length",
                OpenAI.Chat.ChatFinishReason.ContentFilter => "content_filter",
                OpenAI.Chat.ChatFinishReason.ToolCalls => "tool_calls",
                OpenAI.Chat.ChatFinishReason.FunctionCall => "function_call",
                var other => other.ToString(),
            };
        }
        return response.FinishReason?.Value;
    }

    private static TimeSpan? RetryAfterOf(ClientResultException e)
    {
        var raw = e.GetRawResponse();
        if (raw is null || !raw.Headers.TryGetValue("Retry-After", out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        return ParseRetryAfter(value, DateTimeOffset.UtcNow);
    }

    /// <summary>Retry-After as delay-seconds or an HTTP date (RFC 9110); null when it is neither.</summary>
    internal static TimeSpan? ParseRetryAfter(string value, DateTimeOffset now)
    {
        value = value.Trim();
        if (double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var delay = date - now;
            return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
        }
        return null;
    }

    /// <summary>
    /// The wait before attempt <paramref name="failures"/> + 1: what Retry-After asks for (plus a little jitter so waiters
    /// do not return in a burst), else exponential backoff with full jitter on its upper half; never longer than the cap.
    /// </summary>
    internal static TimeSpan RetryWait(TimeSpan? retryAfter, int failures, ModelCallOptions settings)
    {
        TimeSpan wait;
        if (retryAfter is { } asked)
        {
            wait = asked + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 250));
        }
        else
        {
            var ceiling = settings.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(Math.Max(failures - 1, 0), 16));
            wait = TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
        }
        return wait < settings.MaxRetryWait ? wait : settings.MaxRetryWait;
    }

    private IChatClient ClientFor(ModelProfile profile, string? apiKey)
    {
        // Clients are reused across calls (the SDK pools connections); a changed profile or key gets a new one. The
        // dictionary holds a hash of the key, not the key.
        var keyHash = apiKey is null ? "" : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));
        return _clients.GetOrAdd((profile.Id, profile.UpdatedAt, keyHash),
            _ => ModelCallPipeline.Build(ModelClients.CreateChatClient(profile, apiKey), profile, apiKey, limiter));
    }

    private async Task<(ModelCallResult? Reused, int NextAttempt)> FindReusableAsync(string callKey, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        // A logical call has a handful of attempts: read them all (without payloads) in one round trip.
        var attempts = await db.StageCalls.AsNoTracking().Where(c => c.CallKey == callKey)
            .Select(c => new { c.Id, c.Attempt, c.Status }).ToListAsync(cancellationToken);
        var next = attempts.Count == 0 ? 1 : attempts.Max(a => a.Attempt) + 1;
        var succeeded = attempts.Where(a => a.Status == StageCallStatus.Succeeded).MaxBy(a => a.Attempt);
        if (succeeded is null)
        {
            return (null, next);
        }
        var stored = await db.StageCalls.AsNoTracking().Where(c => c.Id == succeeded.Id)
            .Select(c => new { c.Parsed, c.RawResponse }).SingleAsync(cancellationToken);
        JsonElement? output = stored.Parsed is null ? null : JsonDocument.Parse(stored.Parsed).RootElement.Clone();
        return (new ModelCallResult(StageCallStatus.Succeeded, output, stored.RawResponse, null, succeeded.Id, Reused: true), next);
    }

    /// <summary>Stores the attempt as InFlight before anything is sent; the returned context tracks it for the update.</summary>
    private async Task<Attempt> InsertAttemptAsync(ModelProfile profile, ModelCallRequest request, int attempt, string snapshot,
        List<AiChatMessage> messages, JsonObject responseFormat, CancellationToken cancellationToken)
    {
        var requestJson = RequestRecord(messages, responseFormat);
        // Cancelled before the row exists, or not at all: an insert interrupted half-way could leave a row nobody completes.
        cancellationToken.ThrowIfCancellationRequested();
        for (var conflicts = 0; ; conflicts++)
        {
            var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
            var row = new StageCall(request.CallKey, attempt, request.ProjectId, request.RunId, request.RunItemId, request.ProblemId,
                request.SolutionId, request.Stage, request.Prompt.Name, request.Prompt.Sha256, profile.Id, snapshot, requestJson,
                time.GetUtcNow()) { Sample = request.Sample };
            db.StageCalls.Add(row);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return new Attempt(row, profile.Model, db, scope);
            }
            catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } && conflicts < 10)
            {
                // The same logical call is being made elsewhere right now (a job running twice): take the next number.
                await scope.DisposeAsync();
                attempt++;
            }
            catch
            {
                await scope.DisposeAsync();
                throw;
            }
        }
    }

    private static string Shorten(string text) => text.Length <= MaxErrorLength ? text : text[..MaxErrorLength] + "...";

    [LoggerMessage(Level = LogLevel.Information, Message = "Model call {CallKey} attempt {Attempt}: output invalid, asking once for a repair")]
    private static partial void LogRepair(ILogger logger, string callKey, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model call {CallKey} attempt {Attempt} failed, retrying in {WaitMs} ms: {Error}")]
    private static partial void LogRetry(ILogger logger, string callKey, int attempt, int waitMs, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model call {CallKey} gave up after attempt {Attempt}: {Error}")]
    private static partial void LogCallFailed(ILogger logger, string callKey, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model call {CallKey} attempt {Attempt} stopped on an unexpected error: {Error}")]
    private static partial void LogUnexpected(ILogger logger, string callKey, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model call {CallKey} attempt {Attempt}: {Error}")]
    private static partial void LogStoreFailed(ILogger logger, string callKey, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model call {CallKey} cancelled with its run")]
    private static partial void LogCallCancelled(ILogger logger, string callKey);

    private enum OutcomeKind
    {
        Succeeded,
        Invalid,
        Retryable,
        TimedOut,
        Failed,
        Cancelled,
    }

    /// <summary>The tokens of one logical call, and its last stored attempt.</summary>
    /// <param name="WorkerStopping">The caller's token: cancelled when the Worker stops.</param>
    /// <param name="Token">Cancelled when the Worker stops or the call's run is cancelled.</param>
    private sealed record CallState(CancellationToken WorkerStopping, CancellationToken Token)
    {
        public Guid? LastAttemptId { get; set; }
    }

    private sealed record Outcome(OutcomeKind Kind, JsonElement? Output = null, TimeSpan? RetryAfter = null, IReadOnlyList<string>? Problems = null)
    {
        public IReadOnlyList<string> Problems { get; } = Problems ?? [];
    }

    /// <summary>An attempt row and the context that tracks it until it is completed.</summary>
    private sealed class Attempt(StageCall row, string model, GradingDbContext db, AsyncServiceScope scope) : IAsyncDisposable
    {
        public StageCall Row { get; } = row;
        public string Model { get; } = model;
        public GradingDbContext Db { get; } = db;

        public ValueTask DisposeAsync() => scope.DisposeAsync();
    }
}
