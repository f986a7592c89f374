using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using GradingPortal.Worker.Grading.Wire;
using GradingPortal.Worker.Models;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GradingPortal.Worker.Grading;

/// <summary>How grading one item ended.</summary>
internal sealed record ItemOutcome(RunItemStatus Status, string? Error)
{
    public static readonly ItemOutcome Cancelled = new(RunItemStatus.Cancelled, null);
}

/// <summary>
/// Grades one solution of a run: matches it to a cluster when the workflow clusters (extract steps, then
/// <see cref="ApproachMatching"/>), takes the run's samples of the grading stage, aggregates them, and stores one
/// <see cref="ModelGrade"/> (valid, or NeedsAttention with the raw output and the reason) together with the item's final
/// state in one transaction. Every model call has a key derived from the item, so a second execution reuses what the
/// first completed.
/// </summary>
internal sealed class SolutionGrader(GradingDbContext db, ExtractStepsStage extractStage, GradeStage gradeStage, RunProgress progress,
    TimeProvider clock)
{
    public static string ExtractKey(Guid itemId) => $"item:{itemId:N}:{Stages.ExtractSteps}";

    public static string GradeKey(Guid itemId, int sample) => $"item:{itemId:N}:{Stages.Grade}:{sample}";

    /// <summary>
    /// Makes the item's extract-steps call ahead of grading, while its problem's analyses and rubrics are still being derived:
    /// it needs only the clusters (<paramref name="clustered"/>). Grading the item later reuses the stored call (same key), so
    /// nothing is asked twice. Returns whether the call succeeded; a failed or invalid one is simply made again, or reported,
    /// when the item is graded.
    /// </summary>
    public async Task<bool> ExtractAheadAsync(GradingRun run, GradingRunItem item, ModelProfile profile, PreparedProblem clustered, bool freshItem,
        CancellationToken ct)
    {
        if (!run.Definition.UsesClusters || clustered.Clusters.Count < 2)
        {
            return false;
        }
        var solution = await db.Solutions.Where(s => s.Id == item.SolutionId).Select(s => s.Text).FirstOrDefaultAsync(ct);
        if (solution is null)
        {
            return false;
        }
        var scope = new CallScope(profile, item.ProjectId, run.Id, item.Id, item.ProblemId, item.SolutionId, freshItem);
        return (await ExtractStepsAsync(run, scope, clustered, solution, item.Id, ct)).Succeeded;
    }

    /// <summary>The item's extract-steps call (b): the solution against the problem's clusters.</summary>
    private Task<StageOutcome<ExtractStepsOutput>> ExtractStepsAsync(GradingRun run, CallScope scope, PreparedProblem prepared, string solution,
        Guid itemId, CancellationToken ct) =>
        extractStage.RunAsync(scope, PromptLibrary.Default.Get(run.PromptOf(Stages.ExtractSteps)), prepared.Material!,
            [.. prepared.Clusters.Select(c => c.Material)], solution, ExtractKey(itemId), ct);

    /// <summary>Grades <paramref name="item"/>; <paramref name="freshItem"/>: it had no stage calls when it was claimed (see <see cref="CallScope.FreshItem"/>).</summary>
    public async Task<ItemOutcome> GradeAsync(GradingRun run, GradingRunItem item, ModelProfile profile, PreparedProblem prepared, bool freshItem,
        CancellationToken ct)
    {
        var material = prepared.Material!;
        var definition = run.Definition;
        var solution = await db.Solutions.Where(s => s.Id == item.SolutionId).Select(s => s.Text).FirstOrDefaultAsync(ct);
        if (solution is null)
        {
            return new ItemOutcome(RunItemStatus.Failed, "The solution was deleted.");
        }
        var scope = new CallScope(profile, item.ProjectId, run.Id, item.Id, item.ProblemId, item.SolutionId, freshItem);
        var provenance = new Provenance(run, profile, prepared);
        var callKeys = new List<string>();

        // (b) Which approach does the solution take?
        PreparedCluster? cluster = null;
        if (definition.UsesClusters)
        {
            if (prepared.Clusters.Count == 1)
            {
                cluster = prepared.Clusters[0];
                provenance.Matching = new JsonObject { ["method"] = "single-cluster" };
            }
            else
            {
                callKeys.Add(ExtractKey(item.Id));
                var steps = await ExtractStepsAsync(run, scope, prepared, solution, item.Id, ct);
                provenance.StageCallIds.Add(steps.Call.StageCallId);
                if (!steps.Succeeded)
                {
                    return await NotGradedAsync(run, item, material, steps.Call, "Extracting the solution's main steps", provenance, callKeys, ct);
                }
                var match = ApproachMatching.Match([.. prepared.Clusters.Select(c => c.Material.MainSteps.Count)],
                    [.. steps.Output!.Steps.Select(s => (IReadOnlyList<string>)s.Matches)]);
                cluster = prepared.Clusters[match.ClusterIndex];
                provenance.Matching = new JsonObject
                {
                    ["method"] = "steps",
                    ["commonPrefix"] = match.CommonPrefix,
                    ["commonSubsequence"] = match.CommonSubsequence,
                    ["sequences"] = JsonSerializer.SerializeToNode(match.Sequences),
                };
            }
            provenance.ClusterIndex = cluster.Material.Index;
            provenance.ArtifactIds.AddRange(cluster.ArtifactIds);
            provenance.StageCallIds.AddRange(cluster.StageCallIds);
            // The item records its cluster when it ends (StoreAsync), in the same statement as its final state.
            if (await progress.RunStatusAsync(run.Id, ct) == GradingRunStatus.Cancelled)
            {
                return ItemOutcome.Cancelled;
            }
        }
        if (prepared.ClustersStageCallId is { } clustersCall)
        {
            provenance.StageCallIds.Add(clustersCall);
        }

        // The grading stage, k samples.
        var gradePrompt = PromptLibrary.Default.Get(run.PromptOf(Stages.Grade));
        var (input, rubric) = GradePlan.For(definition.Name, gradePrompt, material, prepared, cluster);
        if (gradePrompt.ShowsAllApproaches)
        {
            // The prompt carried every approach's material, so the grade rests on all of it.
            foreach (var other in prepared.Clusters.Where(c => c != cluster))
            {
                provenance.ArtifactIds.AddRange(other.ArtifactIds);
                provenance.StageCallIds.AddRange(other.StageCallIds);
            }
        }
        provenance.RubricId = rubric?.Id;
        // The samples are independent, so they are made side by side (the profile's limits still bound them together with
        // every other call). The stage-call recorder works in DI scopes of its own, so concurrent calls share no DbContext. A
        // failed sample fails the item, but its siblings run to the end: their calls are usually paid for by then, and a
        // retry of the item reuses them.
        var sampleKeys = Enumerable.Range(0, run.Samples).Select(s => GradeKey(item.Id, s)).ToList();
        callKeys.AddRange(sampleKeys);
        var outcomes = await Task.WhenAll(sampleKeys.Select((key, s) => gradeStage.RunAsync(scope, gradePrompt, material, input, solution, s, key, ct)));
        var samples = outcomes.Select((outcome, s) => (Index: s, Outcome: outcome)).ToList();
        provenance.StageCallIds.AddRange(samples.Select(x => x.Outcome.Call.StageCallId));
        if (samples.Any(x => x.Outcome.Call.Status == StageCallStatus.Cancelled))
        {
            return ItemOutcome.Cancelled;
        }
        // The first failure by sample number, whichever ended first, so the reason does not depend on timing.
        if (samples.FirstOrDefault(x => x.Outcome.Call.Status == StageCallStatus.Failed) is { Outcome: { } failed } first)
        {
            return new ItemOutcome(RunItemStatus.Failed, $"Grading sample {first.Index + 1} failed: {failed.Reason}");
        }
        var valid = samples.Where(x => x.Outcome.Succeeded).ToList();
        if (valid.Count == 0)
        {
            return await NotGradedAsync(run, item, material, samples[0].Outcome.Call, "Grading", provenance, callKeys, ct);
        }

        var totals = valid.Select(v => v.Outcome.Output!.TotalScore).ToList();
        var aggregate = SampleAggregation.Aggregate(totals, run.Aggregation, material.MaxPoints);
        var (representativeIndex, representative) = valid[aggregate.Representative];
        var verdict = representative.Output!;
        var sumBound = input.Scheme is VerdictScheme.Rubric or VerdictScheme.OwnScheme
            || (input.Scheme == VerdictScheme.SchemeText && verdict.Items.Count > 0);
        // With a rubric the total must equal the stored awards, which come from the representative sample.
        var points = sumBound ? verdict.TotalScore : Math.Clamp(aggregate.Points, 0, material.MaxPoints);
        provenance.Samples = [.. samples.Select(x => new JsonObject
        {
            ["index"] = x.Index,
            ["points"] = x.Outcome.Output?.TotalScore,
            ["valid"] = x.Outcome.Succeeded,
            ["stageCallId"] = x.Outcome.Call.StageCallId.ToString(),
            ["error"] = x.Outcome.Succeeded ? null : x.Outcome.Reason,
        })];
        provenance.Aggregate = aggregate;
        provenance.RepresentativeSample = representativeIndex;
        provenance.Verdict = verdict;

        var items = verdict.Items.Select(i =>
        {
            var rubricItem = input.RubricItems.FirstOrDefault(r => string.Equals(r.Id, i.Item.Trim(), StringComparison.OrdinalIgnoreCase));
            return rubricItem.Id is not null
                ? new ModelItemAwardInput(rubricItem.RubricItemId, rubricItem.Title, i.Points, rubricItem.Points, i.Reason)
                : new ModelItemAwardInput(null, i.Item, i.Points, i.MaxPoints, i.Reason);
        }).ToList();
        var findings = verdict.Errors.Select(e => new ModelFindingInput(material.ErrorTypes.Contains(e.Type) ? e.Type : null, e.Type,
            VerdictSeverities.Parse(e.Severity) ?? Severity.Major, e.Quote, null, e.Explanation, null, null)).ToList();
        ModelGrade grade;
        try
        {
            grade = ModelGrade.CreateValid(item.ProjectId, item.SolutionId, solution, material.MaxPoints, run.Workflow, profile.Model, run.Id,
                sumBound ? rubric?.Id : null, points, items, findings, verdict.StructureSummary, verdict.Rationale,
                representative.Call.RawResponse ?? WireJson.Serialize(verdict), provenance.ToJson(), null, clock.GetUtcNow());
        }
        catch (DomainValidationException ex)
        {
            // The stage's checks mirror Domain's; should they ever disagree, the verdict is not stored as a grade.
            var raw = representative.Call.RawResponse ?? WireJson.Serialize(verdict);
            var needs = ModelGrade.CreateNeedsAttention(item.ProjectId, item.SolutionId, material.MaxPoints, run.Workflow, profile.Model, run.Id,
                $"The verdict failed validation: {ex.Message}", raw, provenance.ToJson(), null, clock.GetUtcNow());
            return await StoreAsync(item, needs, RunItemStatus.NeedsAttention, callKeys, provenance.ClusterIndex, ct);
        }
        return await StoreAsync(item, grade, RunItemStatus.Graded, callKeys, provenance.ClusterIndex, ct);
    }

    /// <summary>An answer that never validated (after the repair attempt) becomes a NeedsAttention grade; a failed call fails the item.</summary>
    private async Task<ItemOutcome> NotGradedAsync(GradingRun run, GradingRunItem item, ProblemMaterial material, ModelCallResult call, string what,
        Provenance provenance, List<string> callKeys, CancellationToken ct)
    {
        if (call.Status == StageCallStatus.Cancelled)
        {
            return ItemOutcome.Cancelled;
        }
        if (call.Status != StageCallStatus.Invalid)
        {
            return new ItemOutcome(RunItemStatus.Failed, $"{what} failed: {call.Error ?? "the model call did not succeed."}");
        }
        var reason = $"{what} produced output that did not pass validation: {call.Error ?? "invalid output"}";
        var grade = ModelGrade.CreateNeedsAttention(item.ProjectId, item.SolutionId, material.MaxPoints, run.Workflow, provenance.Model, run.Id,
            reason, call.RawResponse ?? "", provenance.ToJson(), null, clock.GetUtcNow());
        return await StoreAsync(item, grade, RunItemStatus.NeedsAttention, callKeys, provenance.ClusterIndex, ct);
    }

    /// <summary>
    /// Stores the grade, ends the item and links the calls in one transaction. The unique (run, solution) index makes a
    /// second grade impossible: if another execution stored one first, this one records that grade on the item instead.
    /// </summary>
    private async Task<ItemOutcome> StoreAsync(GradingRunItem item, ModelGrade grade, RunItemStatus status, List<string> callKeys, int? clusterIndex,
        CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            db.ModelGrades.Add(grade);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg
                && pg.ConstraintName == "ix_model_grades_run_id_solution_id")
            {
                await tx.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                return await AdoptExistingAsync(item, ct);
            }
            var ended = await db.GradingRunItems.Where(i => i.Id == item.Id && i.Status == RunItemStatus.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, status).SetProperty(i => i.ModelGradeId, grade.Id)
                    .SetProperty(i => i.ClusterIndex, clusterIndex)
                    .SetProperty(i => i.LastError, status == RunItemStatus.NeedsAttention ? grade.StatusReason : null)
                    .SetProperty(i => i.FinishedAt, now), ct);
            if (ended == 0)
            {
                // Cancelled (or handed elsewhere) while this job graded: the calls stay stored, the grade does not.
                await tx.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                return ItemOutcome.Cancelled;
            }
            await db.StageCalls.Where(c => c.RunItemId == item.Id && callKeys.Contains(c.CallKey))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.ModelGradeId, grade.Id), ct);
            await db.Solutions.Where(s => s.Id == item.SolutionId).ExecuteUpdateAsync(s => s.SetProperty(x => x.UpdatedAt, now), ct);
            await tx.CommitAsync(ct);
        }
        db.ChangeTracker.Clear();
        return new ItemOutcome(status, status == RunItemStatus.NeedsAttention ? grade.StatusReason : null);
    }

    private async Task<ItemOutcome> AdoptExistingAsync(GradingRunItem item, CancellationToken ct)
    {
        var existing = await db.ModelGrades.AsNoTracking().Where(g => g.RunId == item.RunId && g.SolutionId == item.SolutionId)
            .Select(g => new { g.Id, g.Status, g.StatusReason }).FirstAsync(ct);
        var status = existing.Status == ModelGradeStatus.NeedsAttention ? RunItemStatus.NeedsAttention : RunItemStatus.Graded;
        var now = clock.GetUtcNow();
        await db.GradingRunItems.Where(i => i.Id == item.Id && (i.Status == RunItemStatus.Running || i.Status == RunItemStatus.Pending))
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, status).SetProperty(i => i.ModelGradeId, existing.Id)
                .SetProperty(i => i.FinishedAt, now), ct);
        return new ItemOutcome(status, status == RunItemStatus.NeedsAttention ? existing.StatusReason : null);
    }

    /// <summary>What a grade's provenance records (see docs: the export lifts <c>prompts</c>).</summary>
    private sealed class Provenance(GradingRun run, ModelProfile profile, PreparedProblem prepared)
    {
        public string Model => profile.Model;
        public List<Guid> StageCallIds { get; } = [];
        public List<Guid> ArtifactIds { get; } = [.. new[] { prepared.ClustersArtifactId }.OfType<Guid>()];
        public int? ClusterIndex { get; set; }
        public JsonObject? Matching { get; set; }
        public Guid? RubricId { get; set; }
        public List<JsonObject> Samples { get; set; } = [];
        public SampleAggregate? Aggregate { get; set; }
        public int? RepresentativeSample { get; set; }
        public GradeOutput? Verdict { get; set; }

        public string ToJson()
        {
            JsonNode? snapshot;
            try
            {
                snapshot = JsonNode.Parse(run.ProfileSnapshot);
            }
            catch (JsonException)
            {
                snapshot = null;
            }
            var prompts = new JsonArray();
            foreach (var stage in run.Prompts)
            {
                var prompt = PromptLibrary.Default.Get(stage.Prompt);
                prompts.Add(new JsonObject { ["stage"] = stage.Stage, ["name"] = prompt.Name, ["version"] = prompt.Version, ["sha256"] = prompt.Sha256 });
            }
            var node = new JsonObject
            {
                ["workflow"] = run.Workflow,
                ["rubricDesign"] = run.RubricDesign,
                ["model"] = profile.Model,
                ["profile"] = snapshot,
                ["prompts"] = prompts,
                ["stageCallIds"] = new JsonArray([.. StageCallIds.Distinct().Select(id => (JsonNode)JsonValue.Create(id.ToString()))]),
                ["artifactIds"] = new JsonArray([.. ArtifactIds.Distinct().Select(id => (JsonNode)JsonValue.Create(id.ToString()))]),
                ["rubricId"] = RubricId?.ToString(),
                ["clusterIndex"] = ClusterIndex,
                ["matching"] = Matching,
                ["samples"] = new JsonArray([.. Samples]),
                ["aggregation"] = run.Aggregation,
                ["aggregate"] = Aggregate?.Aggregate,
                ["aggregateLabel"] = Aggregate?.Label,
                ["spread"] = Aggregate?.Spread,
                ["standardDeviation"] = Aggregate is { } a ? Math.Round(a.StandardDeviation, 4) : null,
                ["representativeSample"] = RepresentativeSample,
                ["errorPropagation"] = Verdict?.ErrorPropagation,
                ["conclusionSurvives"] = Verdict?.ConclusionSurvives,
                ["feedback"] = Verdict?.Feedback,
            };
            return node.ToJsonString();
        }
    }
}

/// <summary>The grading prompt's inputs per workflow (the placeholders it fills and the scheme its verdict is checked against).</summary>
internal static class GradePlan
{
    /// <summary>
    /// The inputs of <paramref name="prompt"/>. A layout that shows every approach (<see cref="PromptTemplate.ShowsAllApproaches"/>)
    /// gets all clusters' material in its main part, identical for every solution of the problem, and the matched cluster
    /// in its approach message; the verdict is still checked against the matched cluster's rubric alone, under the
    /// approach-qualified ids the prompt shows (A2.R1, ...).
    /// </summary>
    public static (GradeInput Input, Domain.Rubrics.Rubric? Rubric) For(string workflow, PromptTemplate prompt, ProblemMaterial material,
        PreparedProblem prepared, PreparedCluster? cluster)
    {
        var allApproaches = prompt.ShowsAllApproaches;
        var values = new Dictionary<string, string>
        {
            ["problem"] = material.Statement,
            ["max_points"] = material.MaxPoints.ToString(CultureInfo.InvariantCulture),
            ["extra_error_types"] = PromptText.ExtraErrorTypes(material.CustomErrorTypes),
        };
        var severities = VerdictSeverities.Portal;
        var scheme = VerdictScheme.None;
        Domain.Rubrics.Rubric? rubric = null;
        switch (workflow)
        {
            case Workflows.Reference:
                values["reference"] = material.References[0];
                break;
            case Workflows.OfficialRubric:
                rubric = prepared.SchemeRubric;
                values["rubric"] = rubric is not null ? PromptText.Rubric(rubric) : prepared.SchemeText ?? "";
                scheme = rubric is not null ? VerdictScheme.Rubric : VerdictScheme.SchemeText;
                break;
            case Workflows.ThreeStage when allApproaches:
                values["approaches"] = PromptText.Approaches(prepared.Clusters, withSchemes: false);
                values["approach_number"] = (cluster!.Material.Index + 1).ToString(CultureInfo.InvariantCulture);
                values["approach_title"] = cluster.Material.Title.Trim();
                break;
            case Workflows.ThreeStage:
                values["cluster_title"] = cluster!.Material.Heading;
                values["main_steps"] = PromptText.MainSteps(cluster.Material.MainSteps);
                values["reference"] = cluster.Material.Representative;
                break;
            case Workflows.FiveStage when allApproaches:
                rubric = cluster!.Rubric;
                values["approaches"] = PromptText.Approaches(prepared.Clusters, withSchemes: true);
                values["approach_number"] = (cluster.Material.Index + 1).ToString(CultureInfo.InvariantCulture);
                values["approach_title"] = cluster.Material.Title.Trim();
                values["item_ids"] = string.Join(", ", rubric!.Items.OrderBy(i => i.Ordinal).Select(i => PromptText.ItemId(i.Ordinal, cluster.Material.Index)));
                scheme = VerdictScheme.Rubric;
                break;
            case Workflows.FiveStage:
                rubric = cluster!.Rubric;
                values["cluster_title"] = cluster.Material.Heading;
                values["reference"] = cluster.Material.Representative;
                values["analysis"] = cluster.Analysis is null ? "" : PromptText.Analysis(cluster.Analysis);
                values["rubric"] = PromptText.Rubric(rubric!);
                scheme = VerdictScheme.Rubric;
                break;
            case Workflows.SingleCallJudge:
                values["references"] = PromptText.References(material.References);
                severities = VerdictSeverities.Judge;
                scheme = VerdictScheme.OwnScheme;
                break;
            default:
                break;
        }
        var approach = allApproaches && scheme == VerdictScheme.Rubric ? cluster?.Material.Index : null;
        var rubricItems = rubric is null
            ? []
            : rubric.Items.OrderBy(i => i.Ordinal).Select(i => (PromptText.ItemId(i.Ordinal, approach), i.Points, i.Id, i.Title)).ToList();
        return (new GradeInput(values, scheme, rubricItems, severities), rubric);
    }
}
