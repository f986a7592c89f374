using System.ClientModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using GradingPortal.ModelAccess;
using GradingPortal.Worker.Models;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using Npgsql;
using Polly;
using FunctionInvocationContext = Microsoft.SemanticKernel.FunctionInvocationContext;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// The kernel filter that records every stage call. One invocation of a stage's function is one logical call; below it
/// every HTTP attempt is a <see cref="StageCall"/> row, inserted InFlight before the request leaves (a process killed
/// mid-call leaves it InFlight, and InFlight is never reused) and completed with what came back: rendered messages, raw
/// answer, parsed output, tokens from the answer's usage, latency, cost, attempt number and error.
/// <list type="bullet">
/// <item>A stored Succeeded attempt with the same call key becomes the function's result without invoking the function
/// (nothing is rendered or sent): this is what makes jobs safe to run twice.</item>
/// <item>Each attempt is one call of the filter's <c>next</c>: the kernel renders the prompt and hands the messages to
/// <see cref="StageCallChatClient"/>, which passes them to the attempt this filter opened; the attempt stores its row and
/// only then sends through the profile's <see cref="IChatClient"/> pipeline (limits, usage and cost, timeout guard, key
/// scrubber).</item>
/// <item>Attempts are repeated by a Polly retry pipeline (<see cref="ModelRetry"/>): 429/5xx and transport errors up
/// to <see cref="ModelCallOptions.MaxAttempts"/>, honouring Retry-After; timeouts within their own allowance; output that
/// fails its schema or checks once more with the repair turn. Truncated, refused or filtered answers are not repeated.</item>
/// </list>
/// </summary>
internal sealed partial class StageCallRecorder : IFunctionInvocationFilter
{
    internal const string RunCancelledError = "cancelled: the run was cancelled";
    internal const string WorkerStoppingError = "cancelled: the Worker stopped before the model answered (its item is graded again)";
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private readonly IServiceScopeFactory _scopes;
    private readonly ModelPipelines _pipelines;
    private readonly RunCancellationWatcher _watcher;
    private readonly IConfiguration _configuration;
    private readonly IDataProtectionProvider _dataProtection;
    private readonly ModelCallOptions _settings;
    private readonly TimeProvider _time;
    private readonly ILogger<StageCallRecorder> _logger;
    private readonly ResiliencePipeline<AttemptOutcome> _retry;

    public StageCallRecorder(IServiceScopeFactory scopes, ModelPipelines pipelines, RunCancellationWatcher watcher, IConfiguration configuration,
        IDataProtectionProvider dataProtection, IOptions<ModelCallOptions> options, TimeProvider time, ILogger<StageCallRecorder> logger)
    {
        _scopes = scopes;
        _pipelines = pipelines;
        _watcher = watcher;
        _configuration = configuration;
        _dataProtection = dataProtection;
        _settings = options.Value;
        _time = time;
        _logger = logger;
        _retry = ModelRetry.Build<AttemptOutcome>(_settings, time, o => o.Next, o => o.RetryAfter, (o, wait) =>
        {
            LogRetry(logger, o.CallKey, o.Attempt, (int)wait.TotalMilliseconds, o.Error ?? "");
            return ValueTask.CompletedTask;
        });
    }

    public async Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
    {
        if (StageCallContext.Of(context.Arguments) is not { } call)
        {
            await next(context);
            return;
        }
        // The call's own token: the Worker stopping (the invocation's token) or its run cancelled (the watcher's lease).
        using var watch = call.Request.RunId is { } runId ? _watcher.Watch(runId) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, watch?.Token ?? CancellationToken.None);
        var state = new CallState(this, context, next, call, context.CancellationToken, linked.Token);
        ModelCallResult result;
        try
        {
            result = await RecordAsync(state);
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested && linked.IsCancellationRequested)
        {
            // The run was cancelled while no attempt was in flight (looking for a stored call, waiting to retry): there is no
            // attempt to record; the last one, if any, is already complete.
            LogCallCancelled(_logger, call.Request.CallKey);
            result = new ModelCallResult(StageCallStatus.Cancelled, null, null, RunCancelledError, state.LastAttemptId ?? Guid.Empty, false);
        }
        call.Result = result;
        context.Result = new FunctionResult(context.Function, result);
    }

    private async Task<ModelCallResult> RecordAsync(CallState state)
    {
        var request = state.Call.Request;
        var profile = state.Call.Scope.Profile;
        var (reused, nextAttempt) = request.NoEarlierAttempts ? (null, 1) : await FindReusableAsync(request.CallKey, state.Token);
        if (reused is not null)
        {
            return reused;
        }
        state.NextAttempt = nextAttempt;
        state.Snapshot = JsonSerializer.Serialize(profile.Snapshot(), s_json);
        state.ResponseFormat = ModelExchange.ResponseFormatRecord(profile, request);
        try
        {
            state.ApiKey = ModelClients.ResolveKey(profile, _configuration, _dataProtection);
            state.Client = _pipelines.For(profile, state.ApiKey);
        }
        catch (ModelKeyException e)
        {
            // Recorded like any failed attempt (the attempt refuses to send), so the run shows why nothing was called.
            state.KeyError = e.Message;
        }

        var outcome = await _retry.ExecuteAsync(static (s, _) => s.Recorder.AttemptAsync(s), state, state.Token);
        switch (outcome.Kind)
        {
            case OutcomeKind.Succeeded:
                return new ModelCallResult(StageCallStatus.Succeeded, outcome.Output, outcome.RawResponse, null, outcome.RowId, false);
            case OutcomeKind.Cancelled:
                LogCallCancelled(_logger, request.CallKey);
                return new ModelCallResult(StageCallStatus.Cancelled, null, outcome.RawResponse, outcome.Error, outcome.RowId, false);
            case OutcomeKind.Invalid:
                LogCallFailed(_logger, request.CallKey, outcome.Attempt, outcome.Error ?? "");
                return new ModelCallResult(StageCallStatus.Invalid, null, outcome.RawResponse, outcome.Error, outcome.RowId, false);
            default:
                LogCallFailed(_logger, request.CallKey, outcome.Attempt, outcome.Error ?? "");
                return new ModelCallResult(StageCallStatus.Failed, null, outcome.RawResponse, outcome.Error, outcome.RowId, false);
        }
    }

    /// <summary>
    /// One HTTP attempt: the function is invoked once more (the kernel renders, the chat client hands the messages to this
    /// attempt, which stores its row and sends), then the answer or the error is read into the row, the row is completed,
    /// and the call's allowances decide what comes next.
    /// </summary>
    private async ValueTask<AttemptOutcome> AttemptAsync(CallState state)
    {
        await using var attempt = new Attempt(this, state);
        state.Call.Attempt = attempt;
        Exception? failure = null;
        try
        {
            await state.Next(state.Context);
        }
        catch (Exception e) when (attempt.Row is not null)
        {
            // Once the row exists the attempt is recorded whatever happened; before that, nothing left the process.
            failure = e;
        }
        finally
        {
            state.Call.Attempt = null;
        }
        var row = attempt.Row ?? throw new InvalidOperationException($"The stage call {state.Call.Request.CallKey} ended without sending its attempt.");

        Outcome outcome;
        try
        {
            outcome = failure is null
                ? Read(state, row, attempt.Response ?? throw new InvalidOperationException("The attempt was sent but has no answer."), attempt.Elapsed)
                : Classify(state, row, failure, attempt.Elapsed);
        }
        catch (Exception e)
        {
            // Nothing foreseen threw this (a bug in reading or checking the answer): the attempt ends Failed with what
            // happened rather than staying InFlight, and the call is not repeated blindly.
            row.Status = StageCallStatus.Failed;
            row.Error = ModelExchange.Shorten(ModelClients.Scrub($"unexpected error: {e.GetType().Name}: {e.Message}", state.ApiKey));
            LogUnexpected(_logger, state.Call.Request.CallKey, row.Attempt, ModelClients.Scrub(e.ToString(), state.ApiKey));
            outcome = new Outcome(OutcomeKind.Failed);
        }
        row.FinishedAt = _time.GetUtcNow();
        if (!await CompleteAsync(attempt, state) && outcome.Kind != OutcomeKind.Cancelled)
        {
            outcome = new Outcome(OutcomeKind.Failed);
        }
        // The Worker is stopping: its job hands the item back (the attempt is already stored, Cancelled if it was cut off).
        state.WorkerStopping.ThrowIfCancellationRequested();

        var next = AttemptNext.Stop;
        switch (outcome.Kind)
        {
            case OutcomeKind.Invalid when !state.Repaired:
                // One repair: the next attempt carries the bad answer and what is wrong with it.
                state.Repaired = true;
                state.RepairTurn = ModelExchange.RepairTurn(row.RawResponse, outcome.Problems);
                LogRepair(_logger, state.Call.Request.CallKey, row.Attempt);
                next = AttemptNext.Repair;
                break;
            case OutcomeKind.Retryable when ++state.RetryableFailures < _settings.MaxAttempts:
            case OutcomeKind.TimedOut when ++state.Timeouts <= _settings.TimeoutRetries:
                next = AttemptNext.Retry;
                break;
        }
        return new AttemptOutcome(outcome.Kind, next, state.Call.Request.CallKey, row.Id, row.Attempt, row.RawResponse, row.Error, outcome.Output,
            outcome.RetryAfter);
    }

    /// <summary>Reads an answer into the row: tokens, cost, finish reason, then the output against its schema and checks.</summary>
    private static Outcome Read(CallState state, StageCall row, ChatResponse response, int elapsedMs)
    {
        var profile = state.Call.Scope.Profile;
        row.LatencyMs = response.AdditionalProperties?.TryGetValue(UsageChatClient.LatencyKey, out var measured) == true && measured is int ms
            ? ms
            : elapsedMs;
        var text = response.Text;
        row.RawResponse = text;
        ModelExchange.RecordUsage(row, profile, response);
        row.FinishReason = ModelExchange.FinishReasonText(response);
        if (row.FinishReason == "length")
        {
            row.Status = StageCallStatus.Failed;
            row.Error = ModelExchange.TruncationError(profile);
            return new Outcome(OutcomeKind.Failed);
        }
        if (response.RawRepresentation is OpenAI.Chat.ChatCompletion { Refusal: { Length: > 0 } refusal })
        {
            row.Status = StageCallStatus.Failed;
            row.Error = ModelExchange.Shorten($"the model refused: {refusal}");
            return new Outcome(OutcomeKind.Failed);
        }
        if (row.FinishReason == "content_filter")
        {
            row.Status = StageCallStatus.Failed;
            row.Error = "the endpoint's content filter stopped the output";
            return new Outcome(OutcomeKind.Failed);
        }

        var (output, problems) = ModelExchange.ParseAndValidate(text, state.Call.Request);
        if (problems.Count > 0)
        {
            row.Status = StageCallStatus.Invalid;
            row.Error = ModelExchange.Shorten("invalid output: " + string.Join("; ", problems));
            return new Outcome(OutcomeKind.Invalid, Problems: problems);
        }
        row.Status = StageCallStatus.Succeeded;
        row.Parsed = output!.Value.GetRawText();
        return new Outcome(OutcomeKind.Succeeded, output);
    }

    /// <summary>What an error of a sent attempt means: cancelled, timed out, worth repeating, or final.</summary>
    private Outcome Classify(CallState state, StageCall row, Exception failure, int elapsedMs)
    {
        var apiKey = state.ApiKey;
        row.LatencyMs = elapsedMs;
        row.Status = StageCallStatus.Failed;
        switch (failure)
        {
            case ModelKeyException:
                row.Error = failure.Message;
                return new Outcome(OutcomeKind.Failed);
            case Exception when state.Token.IsCancellationRequested:
                // Whatever the SDK threw once the call was cancelled (OperationCanceledException, or its own wrapper) is the cancel.
                row.Status = StageCallStatus.Cancelled;
                row.Error = state.WorkerStopping.IsCancellationRequested ? WorkerStoppingError : RunCancelledError;
                return new Outcome(OutcomeKind.Cancelled);
            case OperationCanceledException or TimeoutException:
            case ClientResultException { Status: 0, InnerException: OperationCanceledException or TimeoutException }:
                row.Error = $"timed out after {state.Call.Scope.Profile.TimeoutSeconds} s";
                return new Outcome(OutcomeKind.TimedOut);
            case ClientResultException e:
                row.Error = ModelExchange.Shorten(ModelClients.Scrub(e.Status == 0 ? $"no response: {e.Message}" : $"HTTP {e.Status}: {e.Message}", apiKey));
                var retryable = e.Status is 0 or 408 or 409 or 429 or >= 500;
                return new Outcome(retryable ? OutcomeKind.Retryable : OutcomeKind.Failed, RetryAfter: ModelRetry.RetryAfterOf(e));
            case HttpRequestException e:
                row.Error = ModelExchange.Shorten(ModelClients.Scrub($"no response: {e.Message}", apiKey));
                return new Outcome(OutcomeKind.Retryable);
            case JsonException or InvalidOperationException or FormatException or KeyNotFoundException:
                // A response the SDK could not read (not the OpenAI wire format): not worth repeating as is.
                row.Error = ModelExchange.Shorten(ModelClients.Scrub($"unreadable response: {failure.Message}", apiKey));
                return new Outcome(OutcomeKind.Failed);
            default:
                // Nothing foreseen threw this (an SDK exception of another type): recorded, and not repeated blindly.
                row.Error = ModelExchange.Shorten(ModelClients.Scrub($"unexpected error: {failure.GetType().Name}: {failure.Message}", apiKey));
                LogUnexpected(_logger, state.Call.Request.CallKey, row.Attempt, ModelClients.Scrub(failure.ToString(), apiKey));
                return new Outcome(OutcomeKind.Failed);
        }
    }

    /// <summary>
    /// Stores how the attempt ended. When that fails (a value PostgreSQL refuses, such as a NUL character in the answer; a
    /// broken connection), a second try on a fresh context records it Failed (or Cancelled) with the reason and without the
    /// payload, and the call counts as failed (false). Only when that fails too does the row stay InFlight (the truth: the
    /// outcome is unknown to the database) and the error go up; InFlight is never reused.
    /// </summary>
    private async Task<bool> CompleteAsync(Attempt attempt, CallState state)
    {
        var row = attempt.Row!;
        try
        {
            await attempt.Db!.SaveChangesAsync(CancellationToken.None);
            return true;
        }
        catch (Exception e)
        {
            var status = row.Status == StageCallStatus.Cancelled ? StageCallStatus.Cancelled : StageCallStatus.Failed;
            var error = ModelExchange.Shorten(ModelClients.Scrub(
                $"the attempt's outcome ({row.Status}) could not be stored: {(e.InnerException ?? e).Message}", state.ApiKey));
            LogStoreFailed(_logger, state.Call.Request.CallKey, row.Attempt, error);
            await using var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
            await db.StageCalls.Where(c => c.Id == row.Id).ExecuteUpdateAsync(u => u.SetProperty(c => c.Status, status)
                .SetProperty(c => c.Error, error).SetProperty(c => c.FinishedAt, row.FinishedAt ?? _time.GetUtcNow())
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
            GradingTelemetry.RecordStageCall(row, state.Call.Scope.Profile.Model);
        }
    }

    private async Task<(ModelCallResult? Reused, int NextAttempt)> FindReusableAsync(string callKey, CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
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

    /// <summary>Stores the attempt as InFlight before anything is sent; the attempt's context tracks the row for the update.</summary>
    private async Task InsertAsync(Attempt attempt, CallState state, List<ChatMessage> messages)
    {
        var request = state.Call.Request;
        var profile = state.Call.Scope.Profile;
        var requestJson = ModelExchange.RequestRecord(messages, state.ResponseFormat!);
        // Cancelled before the row exists, or not at all: an insert interrupted half-way could leave a row nobody completes.
        state.Token.ThrowIfCancellationRequested();
        for (var conflicts = 0; ; conflicts++)
        {
            var scope = _scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
            var row = new StageCall(request.CallKey, state.NextAttempt, request.ProjectId, request.RunId, request.RunItemId, request.ProblemId,
                request.SolutionId, request.Stage, request.Prompt.Name, request.Prompt.Sha256, profile.Id, state.Snapshot!, requestJson,
                _time.GetUtcNow()) { Sample = request.Sample };
            db.StageCalls.Add(row);
            try
            {
                await db.SaveChangesAsync(state.Token);
                attempt.Stored(row, db, scope);
                state.LastAttemptId = row.Id;
                state.NextAttempt = row.Attempt + 1;
                return;
            }
            catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } && conflicts < 10)
            {
                // The same logical call is being made elsewhere right now (a job running twice): take the next number.
                await scope.DisposeAsync();
                state.NextAttempt++;
            }
            catch
            {
                await scope.DisposeAsync();
                throw;
            }
        }
    }

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

    private sealed record Outcome(OutcomeKind Kind, JsonElement? Output = null, TimeSpan? RetryAfter = null, IReadOnlyList<string>? Problems = null)
    {
        public IReadOnlyList<string> Problems { get; } = Problems ?? [];
    }

    /// <summary>A stored attempt as the retry pipeline sees it (a plain value: Polly disposes disposable outcomes it retries).</summary>
    private sealed record AttemptOutcome(OutcomeKind Kind, AttemptNext Next, string CallKey, Guid RowId, int Attempt, string? RawResponse, string? Error,
        JsonElement? Output, TimeSpan? RetryAfter);

    /// <summary>One logical call: its tokens, what every attempt shares, and the allowances its attempts spend.</summary>
    /// <param name="Recorder">The filter making the call.</param>
    /// <param name="Context">The kernel's invocation of the stage's function.</param>
    /// <param name="Next">Invokes the function once more: one attempt.</param>
    /// <param name="Call">The stage call as the kernel carries it.</param>
    /// <param name="WorkerStopping">The invocation's token: cancelled when the Worker stops.</param>
    /// <param name="Token">Cancelled when the Worker stops or the call's run is cancelled.</param>
    private sealed record CallState(StageCallRecorder Recorder, FunctionInvocationContext Context, Func<FunctionInvocationContext, Task> Next,
        StageCallContext Call, CancellationToken WorkerStopping, CancellationToken Token)
    {
        public Guid? LastAttemptId { get; set; }
        public int NextAttempt { get; set; } = 1;
        public string? Snapshot { get; set; }
        public JsonObject? ResponseFormat { get; set; }
        public string? ApiKey { get; set; }
        public string? KeyError { get; set; }
        public IChatClient? Client { get; set; }
        public int RetryableFailures { get; set; }
        public int Timeouts { get; set; }
        public bool Repaired { get; set; }
        public IReadOnlyList<ChatMessage>? RepairTurn { get; set; }
    }

    /// <summary>
    /// The attempt the chat client sends through: it stores the row (with the exact messages, the schema instruction and the
    /// repair turn included) before the request leaves, and keeps the context that tracks the row until it is completed.
    /// </summary>
    private sealed class Attempt(StageCallRecorder recorder, CallState state) : IStageAttempt, IAsyncDisposable
    {
        private AsyncServiceScope? _scope;
        private long _sentAt;

        public StageCall? Row { get; private set; }
        public GradingDbContext? Db { get; private set; }
        public ChatResponse? Response { get; private set; }

        /// <summary>Milliseconds since the request left (0 when it never did).</summary>
        public int Elapsed => _sentAt == 0 ? 0 : (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(_sentAt).TotalMilliseconds);

        public void Stored(StageCall row, GradingDbContext db, AsyncServiceScope scope)
        {
            Row = row;
            Db = db;
            _scope = scope;
        }

        public async Task<ChatResponse> SendAsync(IReadOnlyList<ChatMessage> rendered, CancellationToken cancellationToken)
        {
            if (Row is not null)
            {
                throw new InvalidOperationException("An attempt is sent once.");
            }
            var call = state.Call;
            var messages = ModelExchange.Messages(call.Scope.Profile, call.Request, rendered, state.RepairTurn);
            await recorder.InsertAsync(this, state, messages);
            if (state.KeyError is { } keyError)
            {
                throw new ModelKeyException(keyError);
            }
            _sentAt = Stopwatch.GetTimestamp();
            // The call's token, not the kernel's: it also ends when the run is cancelled.
            Response = await state.Client!.GetResponseAsync(messages, ModelExchange.ChatOptionsFor(call.Scope.Profile, call.Request), state.Token);
            return Response;
        }

        public async ValueTask DisposeAsync()
        {
            if (_scope is { } scope)
            {
                await scope.DisposeAsync();
            }
        }
    }
}
