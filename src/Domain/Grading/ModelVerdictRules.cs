using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Grading;

/// <summary>How the items of a model's verdict relate to a marking scheme.</summary>
public enum VerdictScheme
{
    /// <summary>No rubric (absolute, reference, three-stage): items are optional commentary; each stays within 0..its own maximum.</summary>
    None = 0,
    /// <summary>A structured rubric (five-stage, official rubric with items): every rubric item awarded once, within its points; total = sum.</summary>
    Rubric = 1,
    /// <summary>A marking scheme given as text (official scheme without items): awards within their maxima; total = sum when items are given.</summary>
    SchemeText = 2,
    /// <summary>The model designs its own scheme (single-call judge): items with maxima summing to the problem's max; total = sum.</summary>
    OwnScheme = 3,
}

/// <summary>One award of a verdict as the model gave it: the rubric item id (e.g. <c>R2</c>) or a title, its maximum if stated, the points.</summary>
public sealed record VerdictItem(string Item, decimal? MaxPoints, decimal Points);

/// <summary>One error of a verdict: taxonomy id and severity as the model wrote them.</summary>
public sealed record VerdictError(string Type, string Severity);

/// <summary>
/// The severities a model may use. Most prompts use the portal's own (<c>minor</c>, <c>major</c>, <c>critical</c>); the
/// single-call judge uses <c>low</c>, <c>medium</c>, <c>high</c>, mapped one to one by what they mean for validity:
/// low → minor (does not affect validity), medium → major (a real gap that costs points), high → critical (invalidates the
/// argument).
/// </summary>
public static class VerdictSeverities
{
    public static readonly IReadOnlyList<string> Portal = ["minor", "major", "critical"];
    public static readonly IReadOnlyList<string> Judge = ["low", "medium", "high"];

    public static Severity? Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "minor" or "low" => Severity.Minor,
        "major" or "medium" => Severity.Major,
        "critical" or "high" => Severity.Critical,
        _ => null,
    };
}

/// <summary>
/// Domain checks of a model's final verdict, beyond its JSON schema: the total within 0..max in half points; awards within
/// their bounds; with a rubric, every item awarded exactly once and the total equal to the sum; known error types and
/// severities. Output that fails is never stored as a grade (the run item goes to NeedsAttention).
/// </summary>
public static class ModelVerdictRules
{
    /// <param name="maxPoints">The problem's max points.</param>
    /// <param name="total">The verdict's total.</param>
    /// <param name="items">The verdict's awards.</param>
    /// <param name="errors">The verdict's errors.</param>
    /// <param name="scheme">How items relate to a scheme.</param>
    /// <param name="rubricItems">For <see cref="VerdictScheme.Rubric"/>: the rubric's item ids (as shown to the model) and their points.</param>
    /// <param name="isKnownErrorType">Built-in taxonomy ids plus the project's own.</param>
    /// <param name="severities">The severity words the prompt allowed.</param>
    /// <returns>Problems found, as sentences the model can act on in a repair attempt; empty when the verdict is valid.</returns>
    public static IReadOnlyList<string> Check(int maxPoints, decimal total, IReadOnlyList<VerdictItem> items, IReadOnlyList<VerdictError> errors,
        VerdictScheme scheme, IReadOnlyList<(string Id, decimal Points)>? rubricItems, Func<string, bool> isKnownErrorType,
        IReadOnlyList<string> severities)
    {
        var problems = new List<string>();
        if (total < 0 || total > maxPoints)
        {
            problems.Add($"totalScore {total:0.##} is outside 0..{maxPoints}.");
        }
        if (!Points.IsHalfStep(total))
        {
            problems.Add($"totalScore {total:0.###} is not a whole or half point.");
        }
        foreach (var item in items)
        {
            if (item.Points < 0 || (item.MaxPoints is { } max && item.Points > max) || item.Points > maxPoints)
            {
                problems.Add($"Item '{item.Item}' awards {item.Points:0.##}, outside 0..{item.MaxPoints ?? maxPoints:0.##}.");
            }
            if (!Points.IsHalfStep(item.Points))
            {
                problems.Add($"Item '{item.Item}' awards {item.Points:0.###}, not a whole or half point.");
            }
        }
        var sum = items.Sum(i => i.Points);
        switch (scheme)
        {
            case VerdictScheme.Rubric:
                var bounds = (rubricItems ?? []).ToDictionary(r => r.Id, r => r.Points, StringComparer.OrdinalIgnoreCase);
                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var item in items)
                {
                    var id = item.Item.Trim();
                    if (!bounds.TryGetValue(id, out var max))
                    {
                        problems.Add($"Item '{item.Item}' is not a rubric item id; use one of {string.Join(", ", bounds.Keys)}.");
                        continue;
                    }
                    if (!seen.Add(id))
                    {
                        problems.Add($"Rubric item {id} is awarded more than once.");
                    }
                    if (item.Points > max)
                    {
                        problems.Add($"Rubric item {id} is worth at most {max:0.##}, but {item.Points:0.##} was awarded.");
                    }
                }
                var missing = bounds.Keys.Where(k => !seen.Contains(k)).ToList();
                if (missing.Count > 0)
                {
                    problems.Add($"Every rubric item needs an award; missing {string.Join(", ", missing)}.");
                }
                RequireSum(problems, total, sum);
                break;
            case VerdictScheme.SchemeText:
                if (items.Count > 0)
                {
                    RequireSum(problems, total, sum);
                }
                break;
            case VerdictScheme.OwnScheme:
                if (items.Count == 0)
                {
                    problems.Add("The marking scheme needs at least one item.");
                }
                else if (items.Any(i => i.MaxPoints is null))
                {
                    problems.Add("Every item of the marking scheme states its maxPoints.");
                }
                else if (items.Sum(i => i.MaxPoints!.Value) != maxPoints)
                {
                    problems.Add($"The scheme's items are worth {items.Sum(i => i.MaxPoints!.Value):0.##} in all; they must sum to {maxPoints}.");
                }
                RequireSum(problems, total, sum);
                break;
            case VerdictScheme.None:
            default:
                break;
        }
        foreach (var error in errors)
        {
            if (!isKnownErrorType(error.Type))
            {
                problems.Add($"Error type '{error.Type}' is not a known type.");
            }
            if (!severities.Contains(error.Severity))
            {
                problems.Add($"Severity '{error.Severity}' is not one of {string.Join(", ", severities)}.");
            }
        }
        return problems;
    }

    private static void RequireSum(List<string> problems, decimal total, decimal sum)
    {
        if (sum != total)
        {
            problems.Add($"totalScore {total:0.##} does not equal the sum of item awards {sum:0.##}.");
        }
    }
}
