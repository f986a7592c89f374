using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Export.Tests;

/// <summary>
/// A small blind-graded project seeded through the real Api (model grades go straight into the database: no workflow
/// produces them yet). Two problems; every evidence level; two graders, an adjudicator, a viewer and an outsider.
/// <list type="bullet">
/// <item>A1: two blind human grades (one with item awards), an adjudication, an annotation, a valid model grade with
/// items and findings (run R1) and a NeedsAttention one (run R1) → adjudicated.</item>
/// <item>A2: one human grade; valid model grades from runs R2 and R3 → oneHuman.</item>
/// <item>A3: a valid imported model grade (source opc-judge, no run) → modelOnly. A4: nothing → none.</item>
/// <item>B1: two human grades (7 and 6) → twoHumans. B2: nothing → none.</item>
/// </list>
/// </summary>
public sealed class Dataset
{
    public const string A1Text = "Solution A1. We claim \"x > 0\", then, by AM-GM, x + 1/x >= 2.\r\nHence the bound holds 🙂 — done.\n<script>alert(1)</script> \\(x^2\\)";
    public const string QuotedClaim = "by AM-GM, x + 1/x >= 2";

    public required Guid ProjectId { get; init; }
    public required string ProjectName { get; init; }
    public required Guid ProblemA { get; init; }
    public required Guid ProblemB { get; init; }
    public required Guid RubricA { get; init; }
    public required Guid[] RubricItemsA { get; init; }
    public required Guid A1 { get; init; }
    public required Guid A2 { get; init; }
    public required Guid A3 { get; init; }
    public required Guid A4 { get; init; }
    public required Guid B1 { get; init; }
    public required Guid B2 { get; init; }
    public required Guid Run1 { get; init; }
    public required Guid Run2 { get; init; }
    public required Guid Run3 { get; init; }
    public required Guid ModelA1 { get; init; }
    public required Guid ModelA1NeedsAttention { get; init; }
    public required Guid ModelA2Run2 { get; init; }
    public required Guid ModelA2Run3 { get; init; }
    public required Guid ModelA3 { get; init; }
    public required Guid Grader1 { get; init; }
    public required Guid Grader2 { get; init; }
    public required Guid AdjudicatorId { get; init; }
    public required HttpClient Admin { get; init; }
    public required HttpClient Adjudicator { get; init; }
    public required HttpClient GraderClient { get; init; }
    public required HttpClient Viewer { get; init; }
    public required HttpClient Outsider { get; init; }

    /// <summary>Every solution, in the order the export walks them: by problem id, then solution id (PostgreSQL uuid order).</summary>
    public IReadOnlyList<Guid> ExportOrder => [.. new[] { (ProblemA, A1), (ProblemA, A2), (ProblemA, A3), (ProblemA, A4), (ProblemB, B1), (ProblemB, B2) }
        .OrderBy(p => p.Item1, UuidOrder.Instance).ThenBy(p => p.Item2, UuidOrder.Instance).Select(p => p.Item2)];

    public string ExportUrl(string query = "") => $"/api/projects/{ProjectId}/export{(query.Length > 0 ? "?" + query : "")}";

    public static async Task<Dataset> CreateAsync(ExportFactory api, string name = "Export test")
    {
        var admin = await api.AdminAsync();
        var (grader1, grader1Id) = await api.NewUserAsync("Grader One");
        var (grader2, grader2Id) = await api.NewUserAsync("Grader Two");
        var (adjudicator, adjudicatorId) = await api.NewUserAsync("Ada Judge");
        var (viewer, viewerId) = await api.NewUserAsync("Vera Viewer");
        var (outsider, _) = await api.NewUserAsync("Otto Outsider");

        var project = await admin.PostJsonAsync("/api/projects", new { name, description = "Seeded by the export tests", blindGrading = true });
        var projectId = project.GetProperty("id").GetGuid();
        foreach (var (user, role) in new[] { (grader1Id, "grader"), (grader2Id, "grader"), (adjudicatorId, "adjudicator"), (viewerId, "viewer") })
        {
            await admin.PutJsonAsync($"/api/projects/{projectId}/members/{user}", new { role });
        }

        var problemA = await admin.PostJsonAsync($"/api/projects/{projectId}/problems", new
        {
            title = "Problem A",
            statement = "Show that $x + 1/x \\ge 2$ for $x > 0$.",
            maxPoints = 7,
            source = "Test olympiad 2026",
            externalId = "A",
            markingScheme = "Official: 3 for AM-GM, 4 for the equality case.",
            referenceSolutions = new[] { new { text = "By AM-GM.", source = "official" }, new { text = "Square $(\\sqrt{x} - 1/\\sqrt{x})^2 \\ge 0$.", source = "alt" } },
            rubric = new { items = new[] { new { title = "AM-GM", points = 3m, description = "Applies AM-GM" }, new { title = "Equality", points = 4m, description = "" } }, zeroCredit = "Restating the problem" },
        });
        var problemAId = problemA.GetProperty("id").GetGuid();
        var rubric = problemA.GetProperty("currentRubric");
        var rubricItems = rubric.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToArray();
        var problemB = await admin.PostJsonAsync($"/api/projects/{projectId}/problems", new
        {
            title = "Problem B, \"quoted\"",
            statement = "Find all $n$.",
            maxPoints = 7,
            externalId = "B",
        });
        var problemBId = problemB.GetProperty("id").GetGuid();

        async Task<Guid> AddSolution(Guid problem, string text, string? author, string externalId) =>
            (await admin.PostJsonAsync($"/api/problems/{problem}/solutions", new { text, author, externalId })).GetProperty("id").GetGuid();

        var a1 = await AddSolution(problemAId, A1Text, "model-x", "a1");
        var a2 = await AddSolution(problemAId, "Solution A2, with a comma, and a \"quote\".", "model-y", "a2");
        var a3 = await AddSolution(problemAId, "Solution A3\nline two", "model-x", "a3");
        var a4 = await AddSolution(problemAId, "Solution A4 (ungraded)", null, "a4");
        var b1 = await AddSolution(problemBId, "Solution B1: n = 1.", "human", "b1");
        var b2 = await AddSolution(problemBId, "Solution B2", "model-z", "b2");

        // People's grades, blind (graders cannot see each other's grades in this project).
        await grader1.PostJsonAsync($"/api/solutions/{a1}/human-grades", new
        {
            points = 5m,
            items = new[] { new { rubricItemId = rubricItems[0], points = 3m, comment = "clean" }, new { rubricItemId = rubricItems[1], points = 2m, comment = "partial" } },
            comment = "Good start",
        });
        await grader2.PostJsonAsync($"/api/solutions/{a1}/human-grades", new { points = 4m, comment = "Gap in the equality case" });
        await grader1.PostJsonAsync($"/api/solutions/{a2}/human-grades", new { points = 3m, comment = "" });
        await grader1.PostJsonAsync($"/api/solutions/{b1}/human-grades", new { points = 7m, comment = "Complete" });
        await grader2.PostJsonAsync($"/api/solutions/{b1}/human-grades", new { points = 6m, comment = "Minor slip" });
        var start = A1Text.IndexOf("x > 0", StringComparison.Ordinal);
        await grader1.PostJsonAsync($"/api/solutions/{a1}/annotations", new
        {
            start, end = start + 5, quote = "x > 0", errorType = "proposal-without-verification", severity = "major", comment = "Why positive?",
        });
        var humanA1 = await adjudicator.GetJsonAsync($"/api/solutions/{a1}/human-grades");
        await adjudicator.PutJsonAsync($"/api/solutions/{a1}/adjudication", new
        {
            points = 4.5m,
            rationale = "Between the two graders",
            basedOn = humanA1.EnumerateArray().Select(g => new { kind = "human", gradeId = g.GetProperty("id").GetGuid() }).ToArray(),
        });

        // Model grades, as a grading workflow or an import would store them.
        var run1 = Ids.New();
        var run2 = Ids.New();
        var run3 = Ids.New();
        using var scope = api.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        var now = DateTimeOffset.UtcNow;
        var claimStart = A1Text.IndexOf(QuotedClaim, StringComparison.Ordinal);
        var modelA1 = ModelGrade.CreateValid(projectId, a1, A1Text, 7, "five-stage", "gpt-test-1", run1, rubric.GetProperty("id").GetGuid(), 4m,
            [new(rubricItems[0], "AM-GM", 3m, 3m, "Correct use"), new(rubricItems[1], "Equality", 1m, 4m, "Only stated")],
            [
                new("begging-the-question", "Begging the question", Severity.Major, QuotedClaim, "line 1", "Assumes the bound", claimStart, claimStart + QuotedClaim.Length),
                new(null, "Vague", Severity.Minor, "this sentence is not in the text", null, "Not found", null, null),
            ],
            "Mostly right", "Equality case missing", "{\"total\": 4}",
            """{"prompts":[{"name":"grade","version":2,"sha256":"ab12"},{"name":"rubric","version":"v1","hash":"cd34"}],"temperature":0}""", null, now);
        // An earlier run whose output failed validation (a run stores one grade per solution).
        var needsAttention = ModelGrade.CreateNeedsAttention(projectId, a1, 7, "five-stage", "gpt-test-1", Ids.New(), "Output was not JSON", "oops", "{}", null, now);
        var modelA2Run2 = ModelGrade.CreateValid(projectId, a2, "", 7, "five-stage", "gpt-test-1", run2, null, 2m, [], [], "", "", "2", "{}", null, now);
        var modelA2Run3 = ModelGrade.CreateValid(projectId, a2, "", 7, "five-stage", "gpt-test-2", run3, null, 5m, [], [], "", "", "5", "{}", null, now);
        var modelA3 = ModelGrade.CreateValid(projectId, a3, "", 7, "opc-judge", "judge-model", null, null, 6m, [], [], "", "", "6",
            """{"file":"opc.json","record":3}""", "opc-3", now);
        db.ModelGrades.AddRange(modelA1, needsAttention, modelA2Run2, modelA2Run3, modelA3);
        foreach (var solution in await db.Solutions.Where(s => s.Id == a1 || s.Id == a2 || s.Id == a3).ToListAsync())
        {
            solution.Touch(now);
        }
        await db.SaveChangesAsync();

        return new Dataset
        {
            ProjectId = projectId, ProjectName = name, ProblemA = problemAId, ProblemB = problemBId, RubricA = rubric.GetProperty("id").GetGuid(),
            RubricItemsA = rubricItems, A1 = a1, A2 = a2, A3 = a3, A4 = a4, B1 = b1, B2 = b2, Run1 = run1, Run2 = run2, Run3 = run3,
            ModelA1 = modelA1.Id, ModelA1NeedsAttention = needsAttention.Id, ModelA2Run2 = modelA2Run2.Id, ModelA2Run3 = modelA2Run3.Id,
            ModelA3 = modelA3.Id, Grader1 = grader1Id, Grader2 = grader2Id, AdjudicatorId = adjudicatorId, Admin = admin,
            Adjudicator = adjudicator, GraderClient = grader1, Viewer = viewer, Outsider = outsider,
        };
    }
}

/// <summary>PostgreSQL's uuid order (bytes in RFC 4122 order), which differs from <see cref="Guid.CompareTo(Guid)"/>.</summary>
public sealed class UuidOrder : IComparer<Guid>
{
    public static readonly UuidOrder Instance = new();

    public int Compare(Guid x, Guid y) =>
        x.ToByteArray(bigEndian: true).AsSpan().SequenceCompareTo(y.ToByteArray(bigEndian: true));
}
