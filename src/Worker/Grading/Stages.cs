using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Rubrics;
using GradingPortal.Worker.Grading.Wire;

namespace GradingPortal.Worker.Grading;

// One class per stage, one method each: typed input, typed output that has passed its checks (or the reason it did not).
// The call key names the logical call, so a job that runs again gets the stored answer instead of a new call.

/// <summary>(a) Clusters the reference solutions of a problem; called only when there are two or more.</summary>
internal sealed class ClusterReferencesStage(StageCaller caller)
{
    public Task<StageOutcome<ClustersOutput>> RunAsync(CallScope scope, PromptTemplate prompt, ProblemMaterial problem, string callKey,
        CancellationToken ct)
    {
        var values = new Dictionary<string, string>
        {
            ["problem"] = problem.Statement,
            ["max_points"] = problem.MaxPoints.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["references"] = PromptText.References(problem.References),
        };
        return caller.CallAsync<ClustersOutput>(scope, Stages.ClusterReferences, 0, callKey, prompt, values, null, ClustersOutput.SchemaName,
            ClustersOutput.Schema, output => Check(output, problem.References.Count), ct);
    }

    public static IReadOnlyList<string> Check(ClustersOutput output, int references)
    {
        var problems = new List<string>();
        if (output.Clusters.Count == 0)
        {
            problems.Add("At least one cluster is needed.");
        }
        var seen = new Dictionary<int, int>();
        for (var c = 0; c < output.Clusters.Count; c++)
        {
            var cluster = output.Clusters[c];
            foreach (var member in cluster.Members)
            {
                if (member < 1 || member > references)
                {
                    problems.Add($"Cluster {c + 1} names reference {member}; references are numbered 1 to {references}.");
                }
                else if (!seen.TryAdd(member, c))
                {
                    problems.Add($"Reference {member} is in more than one cluster.");
                }
            }
            if (!cluster.Members.Contains(cluster.Representative))
            {
                problems.Add($"The representative of cluster {c + 1} ({cluster.Representative}) is not one of its members.");
            }
            if (cluster.MainSteps.Count is < 1 or > 8 || cluster.MainSteps.Any(string.IsNullOrWhiteSpace))
            {
                problems.Add($"Cluster {c + 1} needs 2 to 5 main steps, each a non-empty sentence.");
            }
        }
        var missing = Enumerable.Range(1, references).Where(r => !seen.ContainsKey(r)).ToList();
        if (missing.Count > 0)
        {
            problems.Add($"Every reference belongs to a cluster; missing {string.Join(", ", missing)}.");
        }
        return problems;
    }
}

/// <summary>(b) Lists the solution's main steps, each labelled with the reference steps it corresponds to.</summary>
internal sealed class ExtractStepsStage(StageCaller caller)
{
    public Task<StageOutcome<ExtractStepsOutput>> RunAsync(CallScope scope, PromptTemplate prompt, ProblemMaterial problem,
        IReadOnlyList<ClusterMaterial> clusters, string solution, string callKey, CancellationToken ct)
    {
        var values = new Dictionary<string, string>
        {
            ["problem"] = problem.Statement,
            ["max_points"] = problem.MaxPoints.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["clusters"] = PromptText.Clusters(clusters),
            ["solution"] = StageCaller.Delimit(solution),
        };
        var counts = clusters.Select(c => c.MainSteps.Count).ToList();
        return caller.CallAsync<ExtractStepsOutput>(scope, Stages.ExtractSteps, 0, callKey, prompt, values, null, ExtractStepsOutput.SchemaName,
            ExtractStepsOutput.Schema, output => Check(output, counts), ct);
    }

    public static IReadOnlyList<string> Check(ExtractStepsOutput output, IReadOnlyList<int> stepCounts)
    {
        var problems = new List<string>();
        foreach (var id in output.Steps.SelectMany(s => s.Matches))
        {
            if (!ApproachMatching.TryParseStepId(id, out var c, out var s) || c >= stepCounts.Count || s > stepCounts[c])
            {
                problems.Add($"'{id}' is not one of the listed step ids.");
            }
        }
        return problems;
    }
}

/// <summary>(c) Analyses a cluster's representative: key insights, why non-obvious, sub-steps, approachability.</summary>
internal sealed class AnalyseReferenceStage(StageCaller caller)
{
    public Task<StageOutcome<AnalysisOutput>> RunAsync(CallScope scope, PromptTemplate prompt, ProblemMaterial problem, ClusterMaterial cluster,
        string callKey, CancellationToken ct)
    {
        var values = new Dictionary<string, string>
        {
            ["problem"] = problem.Statement,
            ["max_points"] = problem.MaxPoints.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["cluster_title"] = cluster.Heading,
            ["reference"] = cluster.Representative,
        };
        return caller.CallAsync<AnalysisOutput>(scope, Stages.AnalyseReference, 0, callKey, prompt, values, null, AnalysisOutput.SchemaName,
            AnalysisOutput.Schema, Check, ct);
    }

    public static IReadOnlyList<string> Check(AnalysisOutput output)
    {
        var problems = new List<string>();
        if (output.KeyInsights.Count is < 1 or > 6)
        {
            problems.Add("List 2 to 5 key insights.");
        }
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var insight in output.KeyInsights)
        {
            if (string.IsNullOrWhiteSpace(insight.Id) || !ids.Add(insight.Id))
            {
                problems.Add($"Key insight ids must be present and distinct ('{insight.Id}').");
            }
            if (insight.Approachability is < 1 or > 5 || insight.SubSteps.Any(s => s is null || s.Approachability is < 1 or > 5))
            {
                problems.Add($"Approachability of {insight.Id} and its sub-steps is 1 to 5 (or null).");
            }
        }
        return problems;
    }
}

/// <summary>(d) Derives a rubric for one cluster in one design; the items must make a valid rubric for the problem.</summary>
internal sealed class DeriveRubricStage(StageCaller caller)
{
    public Task<StageOutcome<RubricOutput>> RunAsync(CallScope scope, PromptTemplate prompt, ProblemMaterial problem, ClusterMaterial cluster,
        AnalysisOutput analysis, string design, string callKey, CancellationToken ct)
    {
        var values = new Dictionary<string, string>
        {
            ["problem"] = problem.Statement,
            ["max_points"] = problem.MaxPoints.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["cluster_title"] = cluster.Heading,
            ["reference"] = cluster.Representative,
            ["analysis"] = PromptText.Analysis(analysis),
        };
        return caller.CallAsync<RubricOutput>(scope, Stages.DeriveRubric, 0, callKey, prompt, values, design, RubricOutput.SchemaName,
            RubricOutput.Schema, output => Check(output, problem.MaxPoints, design), ct);
    }

    public static RubricContent ToContent(RubricOutput output) => new(
        [.. output.Items.Select(i => new RubricItemContent(i.Title, i.Points, Describe(i)))],
        output.ZeroCredit,
        [.. output.Deductions.Select(d => new RubricDeduction(d.Description, d.Points))],
        string.IsNullOrWhiteSpace(output.TopScores) ? null : $"Top scores: {output.TopScores.Trim()}");

    public static IReadOnlyList<string> Check(RubricOutput output, int maxPoints, string design)
    {
        var problems = new List<string>();
        try
        {
            Rubric.Validate(ToContent(output), maxPoints);
        }
        catch (DomainValidationException ex)
        {
            problems.AddRange(ex.Errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")));
        }
        if (design is RubricDesigns.Approachability or RubricDesigns.Milestone or RubricDesigns.Hybrid
            && output.Items.Any(i => decimal.Truncate(i.Points) != i.Points))
        {
            problems.Add($"The {design} design uses whole points for every item.");
        }
        return problems;
    }

    private static string Describe(RubricItemWire item) =>
        string.IsNullOrWhiteSpace(item.InsightId) ? item.Description : $"{item.Description.Trim()}\n(Key insight {item.InsightId.Trim()}.)";
}

/// <summary>What the final grading call of one sample needs besides the solution.</summary>
/// <param name="Values">Placeholder values of the grading prompt (everything but the solution).</param>
/// <param name="Scheme">How the verdict's items relate to a scheme.</param>
/// <param name="RubricItems">The rubric item ids shown (R1...) with their points and ids, for <see cref="VerdictScheme.Rubric"/>.</param>
/// <param name="Severities">The severity words this prompt uses.</param>
internal sealed record GradeInput(IReadOnlyDictionary<string, string> Values, VerdictScheme Scheme,
    IReadOnlyList<(string Id, decimal Points, Guid RubricItemId, string Title)> RubricItems, IReadOnlyList<string> Severities);

/// <summary>(e) and every workflow's only call: grades the solution; the verdict must pass Domain's checks.</summary>
internal sealed class GradeStage(StageCaller caller)
{
    public Task<StageOutcome<GradeOutput>> RunAsync(CallScope scope, PromptTemplate prompt, ProblemMaterial problem, GradeInput input,
        string solution, int sample, string callKey, CancellationToken ct)
    {
        var values = new Dictionary<string, string>(input.Values) { ["solution"] = StageCaller.Delimit(solution) };
        var types = problem.ErrorTypes;
        return caller.CallAsync<GradeOutput>(scope, Stages.Grade, sample, callKey, prompt, values, null, GradeOutput.SchemaName,
            GradeOutput.SchemaFor(types, input.Severities), output => Check(output, problem, input), ct);
    }

    public static IReadOnlyList<string> Check(GradeOutput output, ProblemMaterial problem, GradeInput input)
    {
        var types = problem.ErrorTypes;
        return ModelVerdictRules.Check(problem.MaxPoints, output.TotalScore,
            [.. output.Items.Select(i => new VerdictItem(i.Item, i.MaxPoints, i.Points))],
            [.. output.Errors.Select(e => new VerdictError(e.Type, e.Severity))],
            input.Scheme, [.. input.RubricItems.Select(r => (r.Id, r.Points))], types.Contains, input.Severities);
    }
}
