using System.Text.Json;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Models;
using Microsoft.Extensions.AI;

namespace GradingPortal.Worker.Models;

/// <summary>A prompt file as used: its name without extension (e.g. <c>grade-with-rubric.v1</c>) and the SHA-256 of its text.</summary>
public sealed record PromptRef(string Name, string Sha256);

/// <summary>
/// One logical model call of a grading stage.
/// </summary>
/// <param name="CallKey">
/// Identity of the logical call, e.g. <c>item:{runItemId}:grade:{sample}</c> or <c>artifact:{problemId}:{kind}:{cacheKey}</c>.
/// A stored <see cref="StageCallStatus.Succeeded"/> call with this key is returned instead of calling the model again.
/// </param>
/// <param name="ProjectId">Project the call is made for (cost reports).</param>
/// <param name="RunId">The grading run, when the call belongs to one.</param>
/// <param name="RunItemId">The run item (solution) for per-solution stages.</param>
/// <param name="ProblemId">The problem.</param>
/// <param name="SolutionId">The solution for per-solution stages.</param>
/// <param name="Stage">One of <see cref="Stages"/>.</param>
/// <param name="Sample">Sample index (0-based) when a run takes several samples.</param>
/// <param name="Prompt">The prompt file used.</param>
/// <param name="Messages">Stable content first (instructions, problem, reference, rubric); the solution last, in its own delimited message.</param>
/// <param name="SchemaName">Name of the output schema (also sent as the json_schema name; the fake model server keys its scripts on it).</param>
/// <param name="Schema">Strict JSON schema of the output.</param>
/// <param name="Validate">Checks beyond the schema (bounds, sums, known ids); returns problems, empty when valid. Invalid output gets one repair attempt.</param>
public sealed record ModelCallRequest(
    string CallKey,
    Guid ProjectId,
    Guid? RunId,
    Guid? RunItemId,
    Guid ProblemId,
    Guid? SolutionId,
    string Stage,
    int Sample,
    PromptRef Prompt,
    IReadOnlyList<ChatMessage> Messages,
    string SchemaName,
    JsonElement Schema,
    Func<JsonElement, IReadOnlyList<string>>? Validate = null)
{
    /// <summary>
    /// The caller knows that no attempt with <see cref="CallKey"/> exists (the call's item had no stage calls when it was
    /// claimed), so the lookup for one to reuse is skipped: one query and one connection less per call. Should an attempt
    /// exist after all, the unique (key, attempt) index makes this one take the next number, and nothing is lost.
    /// </summary>
    public bool NoEarlierAttempts { get; init; }
}

/// <summary>How a logical call ended after retries and the repair attempt.</summary>
/// <param name="Status">
/// Succeeded (Output set), Invalid (the model answered but the output never validated; RawResponse set), Failed, or
/// Cancelled (the call's run was cancelled; a Worker that stops gets an <see cref="OperationCanceledException"/> instead).
/// </param>
/// <param name="Output">The validated output (Succeeded only).</param>
/// <param name="RawResponse">The model's text as received.</param>
/// <param name="Error">Why it did not succeed.</param>
/// <param name="StageCallId">The stored attempt that decided the outcome (<see cref="Guid.Empty"/> when a cancel came before any attempt).</param>
/// <param name="Reused">True when a stored succeeded call was returned without calling the model.</param>
public sealed record ModelCallResult(StageCallStatus Status, JsonElement? Output, string? RawResponse, string? Error, Guid StageCallId, bool Reused)
{
    public bool Succeeded => Status == StageCallStatus.Succeeded;
}

/// <summary>
/// Calls a model profile's endpoint with messages built in code, through the stage kernel like every stage call: honours
/// the profile's concurrency and requests-per-minute limits across all Workers, retries 429/5xx with backoff (honouring
/// Retry-After), handles timeouts and truncated output, asks for structured output (strict JSON schema, or JSON mode with
/// validation and one repair attempt), and stores every attempt as a <see cref="StageCall"/> with tokens, latency and cost
/// (see <see cref="Grading.StageCallRecorder"/>). A stored succeeded call with the same key is returned instead.
/// </summary>
public interface IModelCaller
{
    Task<ModelCallResult> CallAsync(ModelProfile profile, ModelCallRequest request, CancellationToken cancellationToken);
}
