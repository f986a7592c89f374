using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Export.Tests;

/// <summary>
/// What the .http file's grading examples need but no Worker produces inside this test: a model grade with a finding, and
/// a finished run with a failed item (so retrying it succeeds). Given to the file as the variables it names.
/// </summary>
internal static class HttpFileSeed
{
    public static async Task<Dictionary<string, string>> CreateAsync(ExportFactory api)
    {
        const string text = "Let x > 0. By AM-GM, x + 1/x >= 2.";
        var admin = await api.AdminAsync();
        var project = await admin.PostJsonAsync("/api/projects", new { name = $"Http file examples {Guid.NewGuid():N}"[..30] });
        var projectId = project.GetProperty("id").GetGuid();
        var problem = await admin.PostJsonAsync($"/api/projects/{projectId}/problems", new { title = "AM-GM", statement = "Show x + 1/x >= 2." });
        var problemId = problem.GetProperty("id").GetGuid();
        var solution = await admin.PostJsonAsync($"/api/problems/{problemId}/solutions", new { text, author = "model-x" });
        var solutionId = solution.GetProperty("id").GetGuid();

        using var scope = api.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        var now = DateTimeOffset.UtcNow;
        var profile = ModelProfile.Create(new ModelProfileSettings($"Http seed {Guid.NewGuid():N}", "http://127.0.0.1:9/v1", "fake", null, null, null,
            600, 1, null, ModelPrices.Free, StructuredOutputMode.JsonSchema), null, null, null, now);
        db.ModelProfiles.Add(profile);
        var run = GradingRun.Create(projectId, new GradingRunSettings(Workflows.Absolute, null, profile.Id, 1, Aggregations.Median, false),
            "{}", "{}", $$"""{"solutionIds":["{{solutionId}}"]}""", null, now);
        run.StartPreparing("{}", now);
        run.MarkRunning();
        run.Complete(now);
        db.GradingRuns.Add(run);
        db.GradingRunItems.Add(new GradingRunItem(run.Id, projectId, problemId, solutionId)
        {
            Status = RunItemStatus.Failed, Attempts = 1, LastError = "HTTP 500", FinishedAt = now,
        });
        var grade = ModelGrade.CreateValid(projectId, solutionId, text, 7, "absolute", "fake", null, null, 6m, [],
            [new ModelFindingInput("proposal-without-verification", null, Severity.Minor, "By AM-GM", null, "Why may AM-GM be used?", null, null)],
            "Nearly complete", "", "{}", "{}", null, now);
        db.ModelGrades.Add(grade);
        await db.SaveChangesAsync();
        return new Dictionary<string, string>
        {
            ["modelGrade"] = grade.Id.ToString(),
            ["finding"] = grade.Findings[0].Id.ToString(),
            ["failedRun"] = run.Id.ToString(),
        };
    }
}
