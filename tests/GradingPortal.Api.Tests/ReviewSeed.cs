using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Tests;

/// <summary>Model grades as a Worker (with a run) or an import (without) stores them, written straight through Domain.</summary>
internal static class ReviewSeed
{
    public static Task<Guid> AddReviewModelGradeAsync(this ApiFactory api, Guid solutionId, Guid? runId, decimal? points, string provenance = "{}",
        (Guid Item, decimal Points, string Reason)[]? items = null, bool critical = false, string importSource = "opc-judge") =>
        api.WithDbAsync(async db =>
        {
            var solution = await db.Solutions.AsNoTracking().FirstAsync(x => x.Id == solutionId);
            var now = DateTimeOffset.UtcNow;
            var source = runId is null ? importSource : "absolute";
            var model = runId is null ? importSource : "fake-model-1";
            var externalId = runId is null ? $"{importSource}-{solutionId:N}" : null;
            var findings = critical
                ? new[] { new ModelFindingInput("wrong-logical-conclusion", null, Severity.Critical, "hence the claim holds", null, "Does not follow.", null, null) }
                : [];
            var grade = points is { } p
                ? ModelGrade.CreateValid(solution.ProjectId, solutionId, solution.Text, 7, source, model, runId, null, p,
                    [.. (items ?? []).Select(i => new ModelItemAwardInput(i.Item, "item", i.Points, null, i.Reason))], findings, null, null, "{}", provenance,
                    externalId, now)
                : ModelGrade.CreateNeedsAttention(solution.ProjectId, solutionId, 7, source, model, runId, "The verdict did not parse.", "not json",
                    provenance, externalId, now);
            db.ModelGrades.Add(grade);
            await db.SaveChangesAsync();
            return grade.Id;
        });
}
