using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Rubrics;
using GradingPortal.Hosting;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GradingPortal.Worker.Grading;

/// <summary>What a preparation stage produced for an artifact, or why it could not.</summary>
/// <param name="Content">The artifact as JSON.</param>
/// <param name="StageCallId">The stored call that produced it (null when derived in code).</param>
/// <param name="CallKey">Its call key, so every attempt of that call is linked to the artifact.</param>
/// <param name="NewRubric">For rubric artifacts: makes the rubric version (given its version number) stored with the artifact.</param>
/// <param name="Error">Why nothing was produced.</param>
internal sealed record ArtifactDraft(string? Content, Guid? StageCallId, string? CallKey, Func<int, Rubric>? NewRubric, string? Error)
{
    public static ArtifactDraft Failed(string error) => new(null, null, null, null, error);
}

/// <summary>
/// Per-problem and per-cluster artifacts in <c>grading_artifacts</c>, found by cache key and computed at most once: the
/// computation runs under a PostgreSQL advisory lock named by the key, and the store looks again once it holds the lock,
/// so two jobs (of one run or of two) that need the same artifact never both call the model. The unique index on
/// (problem, kind, key) backs this up.
/// </summary>
internal sealed class ArtifactStore(GradingDbContext db, PostgresConnections connections, TimeProvider clock)
{
    private const int VersionAttempts = 8;

    public Task<GradingArtifact?> FindAsync(Guid problemId, string kind, string key, CancellationToken ct) =>
        db.GradingArtifacts.AsNoTracking().FirstOrDefaultAsync(a => a.ProblemId == problemId && a.Kind == kind && a.CacheKey == key, ct);

    /// <summary>
    /// The artifact for <paramref name="key"/>: stored already, or computed now when <paramref name="derive"/> is set
    /// (otherwise null). Returns the error of a computation that failed.
    /// </summary>
    public async Task<(GradingArtifact? Artifact, string? Error)> EnsureAsync(Guid projectId, Guid problemId, string kind, string key,
        int? clusterIndex, Guid? runId, bool derive, Func<Task<ArtifactDraft>> compute, CancellationToken ct)
    {
        if (await FindAsync(problemId, kind, key, ct) is { } stored)
        {
            return (stored, null);
        }
        if (!derive)
        {
            return (null, null);
        }
        await using var held = await AdvisoryLock.AcquireAsync(connections.Default, $"artifact:{problemId}:{kind}:{key}", ct);
        if (await FindAsync(problemId, kind, key, ct) is { } computedMeanwhile)
        {
            return (computedMeanwhile, null);
        }
        var draft = await compute();
        if (draft.Error is not null || draft.Content is null)
        {
            return (null, draft.Error ?? "Nothing was produced.");
        }
        for (var attempt = 1; ; attempt++)
        {
            Rubric? rubric = null;
            // The clusters of a problem derive their rubrics side by side (and several runs may derive for one problem):
            // numbering versions under a per-problem transaction lock keeps them from taking the same number. A person
            // saving a version through the Api meanwhile is still possible, which the retry below handles.
            await using var tx = draft.NewRubric is null ? null : await db.Database.BeginTransactionAsync(ct);
            if (draft.NewRubric is { } make)
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({CacheKeys.LockId($"rubric-versions:{problemId}")})", ct);
                var version = await db.Rubrics.Where(r => r.ProblemId == problemId).MaxAsync(r => (int?)r.Version, ct) ?? 0;
                rubric = make(version + 1);
                db.Rubrics.Add(rubric);
            }
            var artifact = new GradingArtifact(projectId, problemId, kind, key, clusterIndex, draft.Content, runId, draft.StageCallId, rubric?.Id,
                clock.GetUtcNow());
            db.GradingArtifacts.Add(artifact);
            try
            {
                await db.SaveChangesAsync(ct);
                if (tx is not null)
                {
                    await tx.CommitAsync(ct);
                }
                DetachAll();
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } && attempt < VersionAttempts)
            {
                // A person (or another derivation) took the rubric version number: take the next one.
                if (tx is not null)
                {
                    await tx.RollbackAsync(ct);
                }
                DetachAll();
                if (await FindAsync(problemId, kind, key, ct) is { } other)
                {
                    return (other, null);
                }
                continue;
            }
            if (draft.CallKey is { } callKey)
            {
                await db.StageCalls.Where(c => c.CallKey == callKey).ExecuteUpdateAsync(s => s.SetProperty(c => c.ArtifactId, artifact.Id), ct);
            }
            return (artifact, null);
        }
    }

    /// <summary>Detaches what this store added (including the audit rows a failed save left behind).</summary>
    private void DetachAll()
    {
        foreach (var entry in db.ChangeTracker.Entries().Where(e => e.State != EntityState.Detached).ToList())
        {
            if (entry.Entity is Rubric or RubricItem or GradingArtifact or Domain.Auditing.AuditEvent)
            {
                entry.State = EntityState.Detached;
            }
        }
    }
}
