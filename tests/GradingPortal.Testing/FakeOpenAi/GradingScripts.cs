using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GradingPortal.Testing.FakeOpenAi;

/// <summary>
/// Default answers for every grading stage's output schema, valid for the request they answer: they read what the prompt
/// shows (reference numbers, step ids, max points, rubric item ids and points, the severities the schema allows) and
/// answer consistently, so a whole workflow runs end to end against the fake server. Reusable by benchmarks and by tests
/// of the Api and Web.
/// A solution steers its grade with markers in its text (the scripts read the message holding the solution):
/// <list type="bullet">
/// <item><c>[points N]</c>: the total to award (spread over rubric items in order, each up to its maximum); default: full marks.</item>
/// <item><c>[approach K]</c>: the solution follows cluster K's main steps (extract-steps labels them); default: approach 1.</item>
/// <item><c>[error]</c>: one calculation-mistake finding quoting the solution's first line.</item>
/// <item><c>[invalid]</c>: a total above the maximum (valid JSON, invalid verdict), on every attempt including the repair.</item>
/// </list>
/// </summary>
public static partial class GradingScripts
{
    public const string Clusters = "cluster_references";
    public const string ExtractSteps = "extract_steps";
    public const string Analysis = "analyse_reference";
    public const string Rubric = "derive_rubric";
    public const string Grade = "grade";

    public static readonly IReadOnlyList<string> SchemaNames = [Clusters, ExtractSteps, Analysis, Rubric, Grade];

    /// <summary>Registers every default script on <paramref name="server"/>.</summary>
    public static FakeOpenAiServer RegisterAll(FakeOpenAiServer server) => server
        .ScriptJson(Clusters, ClusterAnswer)
        .ScriptJson(ExtractSteps, ExtractStepsAnswer)
        .ScriptJson(Analysis, AnalysisAnswer)
        .ScriptJson(Rubric, RubricAnswer)
        .ScriptJson(Grade, GradeAnswer);

    /// <summary>One cluster per reference solution shown (numbered "Reference solution N"), each with two main steps.</summary>
    public static object ClusterAnswer(FakeChatRequest request)
    {
        var count = Math.Max(1, ReferenceHeading().Matches(request.AllText).Count);
        return new
        {
            clusters = Enumerable.Range(1, count).Select(n => new
            {
                title = $"approach of reference {n}",
                members = new[] { n },
                representative = n,
                mainSteps = new[] { $"Set-up used by reference {n}.", $"Key step of reference {n}." },
            }),
        };
    }

    /// <summary>Three steps labelled with the chosen approach's step ids in order (approach from <c>[approach K]</c>, default 1).</summary>
    public static object ExtractStepsAnswer(FakeChatRequest request)
    {
        var approach = Marker(Solution(request), ApproachMarker()) is { } k ? (int)k : 1;
        var ids = StepId().Matches(request.AllText).Select(m => m.Groups[1].Value).Distinct()
            .Where(id => id.StartsWith($"C{approach}.", StringComparison.Ordinal)).ToList();
        return new
        {
            steps = ids.Select((id, i) => new { summary = $"Solution step {i + 1}.", matches = new[] { id } })
                .Append(new { summary = "A remark of the solution's own.", matches = Array.Empty<string>() }),
        };
    }

    public static object AnalysisAnswer(FakeChatRequest request) => new
    {
        keyInsights = new[]
        {
            new
            {
                id = "K1", statement = "Find the invariant.", whyNonObvious = "The statement does not suggest it.", approachability = (int?)2,
                subSteps = new[] { new { id = "K1.a", text = "State the invariant.", approachability = (int?)3 } },
            },
            new
            {
                id = "K2", statement = "Conclude from the invariant.", whyNonObvious = "It needs a careful case split.", approachability = (int?)4,
                subSteps = new[] { new { id = "K2.a", text = "Check the boundary case.", approachability = (int?)4 } },
            },
        },
        structure = "K1 feeds K2, which gives the result.",
    };

    /// <summary>Two whole-point items summing to the problem's max points (read from "# Problem (N points)").</summary>
    public static object RubricAnswer(FakeChatRequest request)
    {
        var max = MaxPoints(request);
        var first = max / 2;
        return new
        {
            items = new[]
            {
                new { title = "Invariant found and proved", description = "States and proves the invariant.", points = (decimal)first, insightId = (string?)"K1" },
                new { title = "Conclusion", description = "Derives the result from the invariant.", points = (decimal)(max - first), insightId = (string?)"K2" },
            },
            zeroCredit = "Restating the problem or checking small cases only.",
            topScores = "Full marks: both insights proved. One point less: a small slip in the conclusion.",
            deductions = new[] { new { description = "An unproved auxiliary claim.", points = 1m } },
        };
    }

    /// <summary>
    /// A verdict consistent with the prompt: with rubric items (lines "R1 (3 points): ...", or the matched approach's
    /// "A2.R1 (3 points): ..." when every approach's scheme is shown; see <see cref="RubricItems"/>), an award per item
    /// summing to the total; with the judge's severities (low/medium/high), its own one-item scheme; otherwise just a total.
    /// </summary>
    public static object GradeAnswer(FakeChatRequest request)
    {
        var max = MaxPoints(request);
        var solution = Solution(request);
        var total = Math.Clamp(Marker(solution, PointsMarker()) ?? max, 0, max);
        if (solution.Contains("[invalid]", StringComparison.Ordinal))
        {
            return new
            {
                totalScore = max + 5, items = Array.Empty<object>(), errors = Array.Empty<object>(), errorPropagation = (string?)null,
                conclusionSurvives = (bool?)null, structureSummary = (string?)null, rationale = "Generous.", feedback = (string?)null,
            };
        }
        var severities = SeverityEnum(request);
        var judge = severities.Contains("high");
        var rubricItems = RubricItems(request);
        var items = new List<object>();
        var left = total;
        if (judge)
        {
            items.Add(new { item = "Complete argument", maxPoints = (decimal?)max, points = total, reason = "Scored as a whole." });
        }
        else
        {
            foreach (var (id, points) in rubricItems)
            {
                var award = Math.Min(points, left);
                left -= award;
                items.Add(new { item = id, maxPoints = (decimal?)points, points = award, reason = $"Awarded {award} of {points}." });
            }
            if (rubricItems.Count > 0)
            {
                total = rubricItems.Sum(r => r.Points) < total ? rubricItems.Sum(r => r.Points) : total;
            }
        }
        var errors = new List<object>();
        if (solution.Contains("[error]", StringComparison.Ordinal))
        {
            errors.Add(new
            {
                type = "calculation-mistake",
                severity = severities.Count > 1 ? severities[1] : "major",
                quote = FirstSolutionLine(solution),
                explanation = "The computation here is wrong.",
            });
        }
        return new
        {
            totalScore = total,
            items,
            errors,
            errorPropagation = errors.Count > 0 ? "The error affects the final step." : null,
            conclusionSurvives = errors.Count == 0,
            structureSummary = "Set-up, key step, conclusion.",
            rationale = $"Awarded {total} of {max}.",
            feedback = "Write out the key step in full.",
        };
    }

    /// <summary>
    /// The rubric items the verdict must award, as the prompt shows them (lines "R1 (3 points): ..." in the first message).
    /// A layout that shows every approach's scheme (ids "A2.R1 (3 points): ...") names the matched approach in a message of
    /// its own ("matched to approach 2"); then only that approach's items count.
    /// </summary>
    public static List<(string Id, decimal Points)> RubricItems(FakeChatRequest request)
    {
        var items = RubricItem().Matches(request.Messages.FirstOrDefault()?.Content ?? "")
            .Select(m => (Id: m.Groups[1].Value, Approach: m.Groups[2].Success ? m.Groups[2].Value : null,
                Points: decimal.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture))).ToList();
        if (items.All(i => i.Approach is null))
        {
            return [.. items.Select(i => (i.Id, i.Points))];
        }
        var matched = MatchedApproach(request);
        return [.. items.Where(i => i.Approach == matched?.ToString(CultureInfo.InvariantCulture)).Select(i => (i.Id, i.Points))];
    }

    /// <summary>The approach named by the note "This proof was matched to approach K" (a message before the solution's), or null.</summary>
    public static int? MatchedApproach(FakeChatRequest request) =>
        request.Messages.Skip(1).Select(m => MatchedApproachNote().Match(m.Content)).FirstOrDefault(m => m.Success) is { } match
            ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : null;

    /// <summary>The message that carries the solution (between its markers), also on a repair attempt; else the last user message.</summary>
    public static string Solution(FakeChatRequest request) =>
        request.Messages.FirstOrDefault(m => m.Content.Contains("<<<SOLUTION-BEGIN>>>", StringComparison.Ordinal))?.Content ?? request.LastUserMessage;

    /// <summary>The problem's max points as the prompt states it ("# Problem (7 points)"); 7 when absent.</summary>
    public static int MaxPoints(FakeChatRequest request) =>
        ProblemHeading().Match(request.AllText) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 7;

    /// <summary>The first non-empty line of the solution between the markers, as written.</summary>
    public static string FirstSolutionLine(string message)
    {
        var start = message.IndexOf("<<<SOLUTION-BEGIN>>>", StringComparison.Ordinal);
        var body = start >= 0 ? message[(start + "<<<SOLUTION-BEGIN>>>".Length)..] : message;
        return body.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("<<<", StringComparison.Ordinal)) ?? "";
    }

    private static List<string> SeverityEnum(FakeChatRequest request)
    {
        try
        {
            if (request.Schema is { } schema
                && schema.GetProperty("properties").GetProperty("errors").GetProperty("items").GetProperty("properties").GetProperty("severity")
                    .TryGetProperty("enum", out var values))
            {
                return [.. values.EnumerateArray().Select(v => v.GetString() ?? "")];
            }
        }
        catch (KeyNotFoundException)
        {
        }
        catch (InvalidOperationException)
        {
        }
        return ["minor", "major", "critical"];
    }

    private static decimal? Marker(string text, Regex pattern) =>
        pattern.Match(text) is { Success: true } m ? decimal.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"^## Reference solution \d+", RegexOptions.Multiline)]
    private static partial Regex ReferenceHeading();

    [GeneratedRegex(@"^(C\d+\.S\d+):", RegexOptions.Multiline)]
    private static partial Regex StepId();

    [GeneratedRegex(@"\[approach (\d+)\]")]
    private static partial Regex ApproachMarker();

    [GeneratedRegex(@"\[points (\d+(?:\.5)?)\]")]
    private static partial Regex PointsMarker();

    [GeneratedRegex(@"# Problem \((\d+) points?\)")]
    private static partial Regex ProblemHeading();

    [GeneratedRegex(@"^((?:A(\d+)\.)?R\d+) \((\d+(?:\.\d+)?) points?\):", RegexOptions.Multiline)]
    private static partial Regex RubricItem();

    [GeneratedRegex(@"matched to approach (\d+)")]
    private static partial Regex MatchedApproachNote();
}
