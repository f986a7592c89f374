using System.Globalization;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Rubrics;
using GradingPortal.Worker.Grading.Wire;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Worker.Grading;

internal enum PreparationStatus
{
    /// <summary>Everything the workflow needs exists and may be used.</summary>
    Ready,
    /// <summary>A derived rubric is a draft waiting for a person.</summary>
    AwaitingApproval,
    /// <summary>The problem cannot be graded with this workflow (see the reason).</summary>
    Failed,
    /// <summary>Something is missing and this caller may not derive it (a grading job; the problem must be prepared again).</summary>
    NotPrepared,
}

/// <summary>One cluster with what was derived for it.</summary>
internal sealed record PreparedCluster(ClusterMaterial Material, AnalysisOutput? Analysis, Rubric? Rubric, IReadOnlyList<Guid> ArtifactIds,
    IReadOnlyList<Guid> StageCallIds);

/// <summary>Everything a problem's grading calls read, with the artifacts and calls behind it.</summary>
internal sealed record PreparedProblem(PreparationStatus Status, string? Reason, ProblemMaterial? Material,
    IReadOnlyList<PreparedCluster> Clusters, Rubric? SchemeRubric, string? SchemeText, Guid? ClustersArtifactId, Guid? ClustersStageCallId)
{
    public static PreparedProblem Failed(string reason) => new(PreparationStatus.Failed, reason, null, [], null, null, null, null);

    public static PreparedProblem NotPrepared(string reason) => new(PreparationStatus.NotPrepared, reason, null, [], null, null, null, null);
}

/// <summary>
/// Derives (in the problem's preparation job) or looks up (in a solution's grading job) what a workflow needs for one
/// problem: clusters of the references (a), an analysis per cluster (c), a rubric per cluster and design (d), or the
/// official scheme. Every artifact comes from <see cref="ArtifactStore"/> by cache key, so it is computed once for all
/// runs and solutions that share its inputs. With a single reference solution, clustering needs no model: the one
/// reference is the one cluster.
/// </summary>
internal sealed class ProblemPreparation(GradingDbContext db, ArtifactStore artifacts, ClusterReferencesStage clusterStage,
    AnalyseReferenceStage analyseStage, DeriveRubricStage rubricStage, TimeProvider clock, IServiceScopeFactory scopes)
{
    public async Task<ProblemMaterial?> LoadMaterialAsync(Guid problemId, CancellationToken ct)
    {
        var problem = await db.Problems.AsNoTracking().Include(p => p.ReferenceSolutions)
            .FirstOrDefaultAsync(p => p.Id == problemId && p.DeletedAt == null, ct);
        if (problem is null)
        {
            return null;
        }
        var custom = await db.Projects.Where(p => p.Id == problem.ProjectId).Select(p => p.CustomErrorTypes).FirstAsync(ct);
        var references = problem.ReferenceSolutions.OrderBy(r => r.Ordinal).Select(r => r.Text).Where(t => !string.IsNullOrWhiteSpace(t)).ToList();
        return new ProblemMaterial(problem.Id, problem.ProjectId, problem.Statement, problem.MaxPoints, references, custom);
    }

    public Task<PreparedProblem> PrepareAsync(GradingRun run, ModelProfile profile, Guid problemId, bool derive, CancellationToken ct) =>
        PrepareAsync(run, profile, problemId, derive, null, ct);

    /// <summary>
    /// As above; <paramref name="clustered"/> is told the problem's clusters as soon as they are known, before the analyses
    /// and rubrics, when the workflow matches solutions to two or more clusters (so their steps can be extracted meanwhile).
    /// </summary>
    public async Task<PreparedProblem> PrepareAsync(GradingRun run, ModelProfile profile, Guid problemId, bool derive,
        Action<PreparedProblem>? clustered, CancellationToken ct)
    {
        var definition = run.Definition;
        var material = await LoadMaterialAsync(problemId, ct);
        if (material is null)
        {
            return PreparedProblem.Failed("The problem was deleted.");
        }
        if (definition.NeedsReference && material.References.Count == 0)
        {
            return PreparedProblem.Failed($"The {definition.Name} workflow needs at least one reference solution; this problem has none.");
        }
        if (definition.NeedsOfficialRubric)
        {
            var rubric = await db.Rubrics.AsNoTracking().Include(r => r.Items)
                .Where(r => r.ProblemId == problemId && r.Status == RubricStatus.Approved && r.ApproachKey == null)
                .OrderByDescending(r => r.Version).FirstOrDefaultAsync(ct);
            var scheme = await db.Problems.Where(p => p.Id == problemId).Select(p => p.MarkingScheme).FirstAsync(ct);
            if (rubric is null && string.IsNullOrWhiteSpace(scheme))
            {
                return PreparedProblem.Failed(
                    $"The {definition.Name} workflow needs an approved rubric or an official marking scheme; this problem has neither.");
            }
            return new PreparedProblem(PreparationStatus.Ready, null, material, [], rubric, rubric is null ? scheme : null, null, null);
        }
        if (!definition.UsesClusters)
        {
            return new PreparedProblem(PreparationStatus.Ready, null, material, [], null, null, null, null);
        }

        var scope = new CallScope(profile, material.ProjectId, run.Id, null, problemId, null);
        var clusterPrompt = PromptLibrary.Default.Get(run.PromptOf(Stages.ClusterReferences));
        var clustersKey = CacheKeys.Clusters(material, clusterPrompt.Sha256, profile.Model);
        var (clustersArtifact, clustersError) = await artifacts.EnsureAsync(material.ProjectId, problemId, ArtifactKinds.Clusters, clustersKey, null,
            run.Id, derive, async () =>
            {
                if (material.References.Count == 1)
                {
                    return new ArtifactDraft(WireJson.Serialize(new ClustersOutput([new ClusterWire("the reference solution", [1], 1, [])])),
                        null, null, null, null);
                }
                var callKey = $"artifact:{problemId:N}:clusters:{clustersKey}";
                var outcome = await clusterStage.RunAsync(scope, clusterPrompt, material, callKey, ct);
                return outcome.Succeeded
                    ? new ArtifactDraft(WireJson.Serialize(outcome.Output), outcome.Call.StageCallId, callKey, null, null)
                    : ArtifactDraft.Failed($"Clustering the reference solutions failed: {outcome.Reason}");
            }, ct);
        if (clustersError is not null)
        {
            return PreparedProblem.Failed(clustersError);
        }
        if (clustersArtifact is null)
        {
            return PreparedProblem.NotPrepared("The reference solutions have not been clustered.");
        }
        var clusters = ReadClusters(clustersArtifact.Content, material);
        if (!definition.Has(Stages.AnalyseReference))
        {
            return new PreparedProblem(PreparationStatus.Ready, null, material,
                [.. clusters.Select(c => new PreparedCluster(c, null, null, [clustersArtifact.Id], []))], null, null, clustersArtifact.Id,
                clustersArtifact.StageCallId);
        }

        if (clustered is not null && clusters.Count > 1)
        {
            clustered(new PreparedProblem(PreparationStatus.NotPrepared, "Only the clusters are known yet.", material,
                [.. clusters.Select(c => new PreparedCluster(c, null, null, [clustersArtifact.Id], []))], null, null, clustersArtifact.Id,
                clustersArtifact.StageCallId));
        }
        var analysePrompt = PromptLibrary.Default.Get(run.PromptOf(Stages.AnalyseReference));
        var rubricPrompt = PromptLibrary.Default.Get(run.PromptOf(Stages.DeriveRubric));
        var design = run.RubricDesign ?? RubricDesigns.Approachability;
        // Clusters are independent (each its own analysis and rubric chain): a preparing job derives them side by side, each
        // in a scope of its own (a DbContext serves one operation at a time), so a problem with three approaches waits for
        // one chain of calls, not three.
        var chain = new ClusterChain(run, profile, material, scope, clustersKey, clustersArtifact, analysePrompt, rubricPrompt, design, derive);
        ClusterResult[] results;
        if (derive && clusters.Count > 1)
        {
            results = await Task.WhenAll(clusters.Select(async cluster =>
            {
                await using var clusterScope = scopes.CreateAsyncScope();
                return await clusterScope.ServiceProvider.GetRequiredService<ProblemPreparation>().PrepareClusterAsync(chain, cluster, ct);
            }));
        }
        else
        {
            results = new ClusterResult[clusters.Count];
            for (var i = 0; i < clusters.Count; i++)
            {
                results[i] = await PrepareClusterAsync(chain, clusters[i], ct);
                if (results[i].Prepared is null)
                {
                    break;
                }
            }
        }
        foreach (var result in results)
        {
            if (result?.Failure is { } failure)
            {
                return PreparedProblem.Failed(failure);
            }
        }
        foreach (var result in results)
        {
            if (result?.Missing is { } missing)
            {
                return PreparedProblem.NotPrepared(missing);
            }
        }
        var prepared = results.Select(r => r.Prepared!).ToList();
        var awaiting = prepared.Any(c => c.Rubric is null);
        return new PreparedProblem(awaiting ? PreparationStatus.AwaitingApproval : PreparationStatus.Ready,
            awaiting ? "A derived rubric waits for approval." : null, material, prepared, null, null, clustersArtifact.Id, clustersArtifact.StageCallId);
    }

    /// <summary>The analysis (c) and rubric (d) of one cluster, derived or looked up.</summary>
    internal async Task<ClusterResult> PrepareClusterAsync(ClusterChain chain, ClusterMaterial cluster, CancellationToken ct)
    {
        var (run, profile, material, scope, clustersKey, clustersArtifact, analysePrompt, rubricPrompt, design, derive) = chain;
        var problemId = material.ProblemId;

        var analysisKey = CacheKeys.Analysis(clustersKey, cluster.Index, analysePrompt.Sha256, profile.Model);
        var (analysisArtifact, analysisError) = await artifacts.EnsureAsync(material.ProjectId, problemId, ArtifactKinds.Analysis, analysisKey,
            cluster.Index, run.Id, derive, async () =>
            {
                var callKey = $"artifact:{problemId:N}:analysis:{analysisKey}";
                var outcome = await analyseStage.RunAsync(scope, analysePrompt, material, cluster, callKey, ct);
                return outcome.Succeeded
                    ? new ArtifactDraft(WireJson.Serialize(outcome.Output), outcome.Call.StageCallId, callKey, null, null)
                    : ArtifactDraft.Failed($"Analysing the reference of {cluster.Heading} failed: {outcome.Reason}");
            }, ct);
        if (analysisError is not null)
        {
            return ClusterResult.Failed(analysisError);
        }
        if (analysisArtifact is null)
        {
            return ClusterResult.NotPrepared($"The reference of {cluster.Heading} has not been analysed.");
        }
        var analysis = WireJson.Parse<AnalysisOutput>(System.Text.Json.JsonDocument.Parse(analysisArtifact.Content).RootElement).Value!;

        var rubricKey = CacheKeys.Rubric(analysisKey, material.MaxPoints, design, rubricPrompt.Sha256, profile.Model);
        var (rubricArtifact, rubricError) = await artifacts.EnsureAsync(material.ProjectId, problemId, ArtifactKinds.Rubric, rubricKey,
            cluster.Index, run.Id, derive, async () =>
            {
                var callKey = $"artifact:{problemId:N}:rubric:{rubricKey}";
                var outcome = await rubricStage.RunAsync(scope, rubricPrompt, material, cluster, analysis, design, callKey, ct);
                if (!outcome.Succeeded)
                {
                    return ArtifactDraft.Failed($"Deriving the {design} rubric for {cluster.Heading} failed: {outcome.Reason}");
                }
                var content = DeriveRubricStage.ToContent(outcome.Output!);
                var approachKey = $"cluster-{cluster.Index + 1}/{design}/{rubricKey[..12]}";
                return new ArtifactDraft(WireJson.Serialize(outcome.Output), outcome.Call.StageCallId, callKey, version =>
                {
                    var now = clock.GetUtcNow();
                    var rubric = Rubric.CreateDraft(material.ProjectId, problemId, version, material.MaxPoints, RubricOrigin.Derived, content,
                        null, now, run.Id, approachKey);
                    if (!run.RequireRubricApproval)
                    {
                        rubric.ApproveAsDerived(null, now);
                    }
                    return rubric;
                }, null);
            }, ct);
        if (rubricError is not null)
        {
            return ClusterResult.Failed(rubricError);
        }
        if (rubricArtifact is null)
        {
            return ClusterResult.NotPrepared($"No rubric has been derived for {cluster.Heading}.");
        }
        var usable = await UsableRubricAsync(rubricArtifact.RubricId, ct);
        return new ClusterResult(new PreparedCluster(cluster, analysis, usable, [clustersArtifact.Id, analysisArtifact.Id, rubricArtifact.Id],
            [.. new[] { analysisArtifact.StageCallId, rubricArtifact.StageCallId }.OfType<Guid>()]));
    }

    /// <summary>
    /// The rubric a cluster is graded with: the derived version once approved; if a person has since replaced it (it is
    /// retired), the approved version with the same approach key; null while it is a draft (or was retired without a
    /// replacement), which holds the problem until someone approves one.
    /// </summary>
    private async Task<Rubric?> UsableRubricAsync(Guid? rubricId, CancellationToken ct)
    {
        var rubric = rubricId is null ? null : await db.Rubrics.AsNoTracking().Include(r => r.Items).FirstOrDefaultAsync(r => r.Id == rubricId, ct);
        return rubric?.Status switch
        {
            RubricStatus.Approved => rubric,
            RubricStatus.Retired => await db.Rubrics.AsNoTracking().Include(r => r.Items)
                .Where(r => r.ProblemId == rubric.ProblemId && r.ApproachKey == rubric.ApproachKey && r.Status == RubricStatus.Approved)
                .OrderByDescending(r => r.Version).FirstOrDefaultAsync(ct),
            _ => null,
        };
    }

    private static List<ClusterMaterial> ReadClusters(string content, ProblemMaterial material)
    {
        using var document = System.Text.Json.JsonDocument.Parse(content);
        var clusters = WireJson.Parse<ClustersOutput>(document.RootElement).Value
            ?? throw new InvalidOperationException("A stored clusters artifact does not parse.");
        return [.. clusters.Clusters.Select((c, i) => new ClusterMaterial(i, c.Title,
            material.References[Math.Clamp(c.Representative, 1, material.References.Count) - 1], c.MainSteps))];
    }

    /// <summary>Max points as prompts write them.</summary>
    public static string Max(ProblemMaterial material) => material.MaxPoints.ToString(CultureInfo.InvariantCulture);
}

/// <summary>What every cluster's chain of a problem shares.</summary>
internal sealed record ClusterChain(GradingRun Run, ModelProfile Profile, ProblemMaterial Material, CallScope Scope, string ClustersKey,
    GradingArtifact ClustersArtifact, PromptTemplate AnalysePrompt, PromptTemplate RubricPrompt, string Design, bool Derive);

/// <summary>One cluster's outcome: prepared, or failed (the problem fails), or not prepared yet (a lookup found nothing).</summary>
internal sealed record ClusterResult(PreparedCluster? Prepared, string? Failure = null, string? Missing = null)
{
    public static ClusterResult Failed(string reason) => new(null, reason);

    public static ClusterResult NotPrepared(string reason) => new(null, null, reason);
}
