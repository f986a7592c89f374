using System.Text.Json;
using GradingPortal.Domain.Models;
using GradingPortal.Worker.Grading.Wire;
using GradingPortal.Worker.Models;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// Who a model call is made for: the profile, and the run, item, problem and solution it belongs to. <paramref name="FreshItem"/>:
/// the item had no stage call at all when this execution claimed it, so none of its calls can have an earlier attempt to
/// reuse (the stage-call recorder skips that lookup).
/// </summary>
internal sealed record CallScope(ModelProfile Profile, Guid ProjectId, Guid? RunId, Guid? RunItemId, Guid ProblemId, Guid? SolutionId,
    bool FreshItem = false);

/// <summary>A stage's result: the call as it ended, and the parsed, checked output when it succeeded.</summary>
internal sealed record StageOutcome<T>(ModelCallResult Call, T? Output) where T : class
{
    public bool Succeeded => Call.Succeeded && Output is not null;

    /// <summary>Why the stage gave no usable output (the call's error, or the output's problems).</summary>
    public string Reason => Call.Error ?? (Output is null ? "The output could not be read." : "");
}

/// <summary>
/// The one way stages call a model: the prompt file's kernel function renders the messages in a fixed order (instructions
/// and stable content first; then, for layouts that show every approach, the short note naming the matched one; the
/// solution, when there is one, last in its own message), with a strict output schema and the stage's own checks passed
/// with the request as <see cref="ModelCallRequest.Validate"/> so that failing output gets the recorder's repair attempt.
/// </summary>
internal sealed class StageCaller(StageKernel kernel)
{
    public async Task<StageOutcome<T>> CallAsync<T>(CallScope scope, string stage, int sample, string callKey, PromptTemplate prompt,
        IReadOnlyDictionary<string, string> values, string? design, string schemaName, JsonElement schema, Func<T, IReadOnlyList<string>> check,
        CancellationToken ct)
        where T : class
    {
        var request = new ModelCallRequest(callKey, scope.ProjectId, scope.RunId, scope.RunItemId, scope.ProblemId, scope.SolutionId, stage,
            sample, prompt.Ref, [], schemaName, schema, output =>
            {
                var (value, error) = WireJson.Parse<T>(output);
                return value is null ? [error ?? "The output could not be read."] : check(value);
            })
        {
            NoEarlierAttempts = scope.FreshItem,
        };
        var result = await kernel.InvokeAsync(scope, request, prompt, design, values, ct);
        if (!result.Succeeded || result.Output is not { } element)
        {
            return new StageOutcome<T>(result, null);
        }
        var (parsed, _) = WireJson.Parse<T>(element);
        // A reused call was checked when it was stored; checking again costs nothing and guards against changed rules.
        return parsed is not null && check(parsed).Count == 0
            ? new StageOutcome<T>(result, parsed)
            : new StageOutcome<T>(result with { Status = Domain.Grading.StageCallStatus.Invalid, Error = "The stored output no longer passes its checks." }, null);
    }

    /// <summary>The solution as data: marker lookalikes inside it are broken up so it cannot close its own block.</summary>
    public static string Delimit(string solution) =>
        solution.Replace("<<<SOLUTION-", "<<< SOLUTION-", StringComparison.OrdinalIgnoreCase)
            .Replace("SOLUTION-END>>>", "SOLUTION-END >>>", StringComparison.OrdinalIgnoreCase);
}
