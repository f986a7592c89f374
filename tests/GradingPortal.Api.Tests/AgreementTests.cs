using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GradingPortal.Domain.Grading;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Tests;

/// <summary>
/// Agreement figures computed from a project's stored grades. The seeded project (values checked by hand):
/// <code>
///              people (in order)   adjudicated   run (absolute)   opc-judge (imported)
/// P1  s1       7, 5                -             7                5
///     s2       2                   -             3                2
///     s3       4                   -             4                -
/// P2  s4       0                   1             2                -
/// </code>
/// References: adjudicated [6, 2, 4, 1], mean [6, 2, 4, 0], first [7, 2, 4, 0]. The run's stage calls cost 0.01 + 0.03.
/// Item awards (P1's rubric 3 + 4): s1 people [3, 4] and [2, 3], run [3, 4]; s2 person [1, 1], run [2, 1].
/// </summary>
public sealed class AgreementTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record Seeded(ProjectScenario S, Guid P1, Guid P2, JsonElement[] Solutions, Guid RunId, Dictionary<Guid, Guid> RunGrades);

    private static string Url(Guid projectId, string tail = "", string query = "") => $"/api/projects/{projectId}/agreement{tail}{query}";

    private async Task<Seeded> SeedAsync(bool blind = false, bool hideAuthors = false)
    {
        var s = await ProjectScenario.CreateAsync(api, blindGrading: blind, hideAuthors: hideAuthors);
        var p1 = await s.CreateProblemAsync(title: "First");
        var p2 = await s.CreateProblemAsync(withRubric: false, title: "Second");
        var solutions = new[]
        {
            await s.CreateSolutionAsync(p1.Id()), await s.CreateSolutionAsync(p1.Id()), await s.CreateSolutionAsync(p1.Id()),
            await s.CreateSolutionAsync(p2.Id()),
        };
        var items = p1.GetProperty("currentRubric").Items("items").Select(i => i.Id()).ToArray();
        object Awarded(decimal a, decimal b) => new
        {
            points = a + b,
            items = new[] { new { rubricItemId = items[0], points = a }, new { rubricItemId = items[1], points = b } },
        };
        async Task Grade(TestUser who, JsonElement solution, object body) =>
            await who.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", body).ExpectAsync(HttpStatusCode.Created);
        await Grade(s.Grader, solutions[0], Awarded(3, 4));
        await Grade(s.OtherGrader, solutions[0], Awarded(2, 3));
        await Grade(s.Grader, solutions[1], Awarded(1, 1));
        await Grade(s.Grader, solutions[2], new { points = 4 });
        await Grade(s.Grader, solutions[3], new { points = 0 });
        await s.Adjudicator.Client.PutAsJsonAsync($"/api/solutions/{solutions[3].Id()}/adjudication", new { points = 1, rationale = "One idea." })
            .ExpectAsync(HttpStatusCode.Created);

        var profile = await PipelineRows.CreateProfileAsync(s.Admin);
        var run = await s.Admin.PostAsJsonAsync("/api/grading-runs", PipelineRows.RunBody(s.ProjectId, profile.Id(), [p1.Id(), p2.Id()]))
            .ExpectAsync(HttpStatusCode.Accepted);
        var runGrades = new Dictionary<Guid, Guid>
        {
            [solutions[0].Id()] = await AddModelGradeAsync(solutions[0].Id(), run.Id(), 7, [(items[0], 3), (items[1], 4)], cost: 0.01m),
            [solutions[1].Id()] = await AddModelGradeAsync(solutions[1].Id(), run.Id(), 3, [(items[0], 2), (items[1], 1)], cost: 0.03m),
            [solutions[2].Id()] = await AddModelGradeAsync(solutions[2].Id(), run.Id(), 4),
            [solutions[3].Id()] = await AddModelGradeAsync(solutions[3].Id(), run.Id(), 2),
        };
        await AddModelGradeAsync(solutions[0].Id(), null, 5);
        await AddModelGradeAsync(solutions[1].Id(), null, 2);
        return new Seeded(s, p1.Id(), p2.Id(), solutions, run.Id(), runGrades);
    }

    /// <summary>A valid model grade as the Worker (with a run) or an OPC import (without) stores it, and a stage call carrying its cost.</summary>
    private Task<Guid> AddModelGradeAsync(Guid solutionId, Guid? runId, decimal points, (Guid Item, decimal Points)[]? items = null, decimal cost = 0,
        string importSource = "opc-judge") =>
        api.WithDbAsync(async db =>
        {
            var solution = await db.Solutions.AsNoTracking().FirstAsync(x => x.Id == solutionId);
            var now = DateTimeOffset.UtcNow;
            var source = runId is null ? importSource : "absolute";
            var grade = ModelGrade.CreateValid(solution.ProjectId, solutionId, solution.Text, 7, source, runId is null ? importSource : "fake-model-1", runId,
                null, points, [.. (items ?? []).Select(i => new ModelItemAwardInput(i.Item, "item", i.Points, null, null))], [], null, null, "{}", "{}",
                runId is null ? $"{importSource}-{solutionId:N}" : null, now);
            db.ModelGrades.Add(grade);
            if (runId is not null && cost > 0)
            {
                var profileId = await db.GradingRuns.Where(r => r.Id == runId).Select(r => r.ModelProfileId).FirstAsync();
                db.StageCalls.Add(new StageCall($"{runId:N}:{solutionId:N}:grade:0", 1, solution.ProjectId, runId, null, solution.ProblemId, solutionId,
                    Stages.Grade, "grade-absolute.v1", new string('a', 64), profileId, "{}", "[]", now)
                {
                    ModelGradeId = grade.Id,
                    Status = StageCallStatus.Succeeded,
                    Cost = cost,
                    FinishedAt = now,
                });
            }
            await db.SaveChangesAsync();
            return grade.Id;
        });

    private static JsonElement Grader(JsonElement response, string kind) => response.Items("graders").Single(g => g.GetProperty("grader").Str("kind") == kind);

    private static double? Value(JsonElement grader, string metric) =>
        grader.GetProperty("metrics").GetProperty(metric).GetProperty("value") is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;

    [Fact]
    public async Task Agreement_SeededProject_ComputesMetricsFromStoredGrades()
    {
        var seeded = await SeedAsync();

        var response = await seeded.S.Adjudicator.Client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK);

        response.Str("humanSource").ShouldBe("adjudicated");
        response.GetProperty("threshold").ValueKind.ShouldBe(JsonValueKind.Null);
        response.Items("graders").Count.ShouldBe(2);
        var run = Grader(response, "run");
        var info = run.GetProperty("grader");
        (info.Id(), info.Str("workflow"), info.Str("model"), info.Str("label")).ShouldBe((seeded.RunId, "absolute", "fake-model-1", "absolute · fake-model-1"));
        run.GetProperty("n").GetInt32().ShouldBe(4);
        // Differences m − h against [6, 2, 4, 1]: +1, +1, 0, +1.
        Value(run, "mae")!.Value.ShouldBe(0.75, 1e-9);
        Value(run, "bias")!.Value.ShouldBe(0.75, 1e-9);
        Value(run, "rmse")!.Value.ShouldBe(Math.Sqrt(0.75), 1e-9);
        Value(run, "exact")!.Value.ShouldBe(0.25, 1e-9);
        Value(run, "within1")!.Value.ShouldBe(1.0, 1e-9);
        Value(run, "pearson")!.Value.ShouldBe(14 / Math.Sqrt(14.75 * 14), 1e-9);
        Value(run, "spearman")!.Value.ShouldBe(1.0, 1e-9);
        // Pass at 6 (max − 1): people pass s1 only, and so does the run.
        (Value(run, "accuracy"), Value(run, "precision"), Value(run, "recall"), Value(run, "f1")).ShouldBe((1.0, 1.0, 1.0, 1.0));
        var mae = run.GetProperty("metrics").GetProperty("mae");
        mae.GetProperty("n").GetInt32().ShouldBe(4);
        mae.GetProperty("low").GetDouble().ShouldBeLessThanOrEqualTo(0.75);
        mae.GetProperty("high").GetDouble().ShouldBeGreaterThanOrEqualTo(0.75);
        run.Items("calibration").Select(c => (c.GetProperty("human").GetDecimal(), c.GetProperty("n").GetInt32(), c.GetProperty("meanModel").GetDouble()))
            .ShouldBe([(1m, 1, 2.0), (2m, 1, 3.0), (4m, 1, 4.0), (6m, 1, 7.0)]);
        var confusion = run.GetProperty("confusion");
        confusion.Items("labels").Select(l => l.GetString()).ShouldBe(["0", "1", "2", "3", "4", "5", "6", "7"]);
        confusion.Items("counts")[6].Items()[7].GetInt32().ShouldBe(1);
        var cost = run.GetProperty("cost");
        (cost.GetProperty("total").GetDecimal(), cost.GetProperty("perSolution").GetDecimal()).ShouldBe((0.04m, 0.01m));

        var judge = Grader(response, "imported");
        (judge.GetProperty("grader").Str("source"), judge.GetProperty("grader").Str("label")).ShouldBe(("opc-judge", "opc-judge"));
        judge.GetProperty("n").GetInt32().ShouldBe(2);
        Value(judge, "mae")!.Value.ShouldBe(0.5, 1e-9);
        Value(judge, "bias")!.Value.ShouldBe(-0.5, 1e-9);
        judge.GetProperty("cost").GetProperty("total").ValueKind.ShouldBe(JsonValueKind.Null);

        // Human ceiling: s1 only, first person 7 against second 5.
        var ceiling = response.GetProperty("humanCeiling");
        ceiling.GetProperty("n").GetInt32().ShouldBe(1);
        ceiling.GetProperty("metrics").GetProperty("mae").GetProperty("value").GetDouble().ShouldBe(2.0, 1e-9);
        ceiling.GetProperty("metrics").GetProperty("pearson").GetProperty("value").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Theory]
    [InlineData("mean", 1.0, 1.0, 0.25)]   // against [6, 2, 4, 0]: +1, +1, 0, +2
    [InlineData("first", 0.75, 0.75, 0.5)] // against [7, 2, 4, 0]: 0, +1, 0, +2
    [InlineData("adjudicated", 0.75, 0.75, 0.25)]
    public async Task Agreement_HumanSource_ChoosesTheReference(string humanSource, double mae, double bias, double exact)
    {
        var seeded = await SeedAsync();

        var response = await seeded.S.Adjudicator.Client.GetAsync(Url(seeded.S.ProjectId, query: $"?humanSource={humanSource}")).ExpectAsync(HttpStatusCode.OK);

        response.Str("humanSource").ShouldBe(humanSource);
        var run = Grader(response, "run");
        (Value(run, "mae")!.Value, Value(run, "bias")!.Value, Value(run, "exact")!.Value).ShouldBe((mae, bias, exact));
    }

    [Fact]
    public async Task Agreement_Filters_RestrictProblemsGradersAndThreshold()
    {
        var seeded = await SeedAsync();
        var client = seeded.S.Adjudicator.Client;

        var onlyP2 = await client.GetAsync(Url(seeded.S.ProjectId, query: $"?problemIds={seeded.P2}")).ExpectAsync(HttpStatusCode.OK);
        // The judge graded nothing in P2, so it is not a grader there.
        var run = onlyP2.Items("graders").Single();
        (run.GetProperty("grader").Id(), run.GetProperty("n").GetInt32(), Value(run, "mae")).ShouldBe((seeded.RunId, 1, 1.0));

        var all = await client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK);
        var judgeId = Grader(all, "imported").GetProperty("grader").Id();
        var onlyJudge = await client.GetAsync(Url(seeded.S.ProjectId, query: $"?graderIds={judgeId}")).ExpectAsync(HttpStatusCode.OK);
        onlyJudge.Items("graders").Single().GetProperty("grader").Id().ShouldBe(judgeId);

        // At a pass mark of 3 people fail s2 (2) and s4 (1); the run fails s4 (2) only: TP 1, FN 1, TN 2.
        var atThree = await client.GetAsync(Url(seeded.S.ProjectId, query: "?threshold=3")).ExpectAsync(HttpStatusCode.OK);
        atThree.GetProperty("threshold").GetDecimal().ShouldBe(3m);
        run = Grader(atThree, "run");
        (Value(run, "accuracy"), Value(run, "precision"), Value(run, "recall")).ShouldBe((0.75, 1.0, 0.5));
    }

    [Fact]
    public async Task Agreement_InvalidQuery_ReturnsFieldErrors()
    {
        var seeded = await SeedAsync();
        var client = seeded.S.Adjudicator.Client;

        await client.GetAsync(Url(seeded.S.ProjectId, query: "?humanSource=best")).ExpectValidationAsync("humanSource");
        await client.GetAsync(Url(seeded.S.ProjectId, query: "?threshold=8")).ExpectValidationAsync("threshold");
        await client.GetAsync(Url(seeded.S.ProjectId, query: "?threshold=-1")).ExpectValidationAsync("threshold");
        await client.GetAsync(Url(seeded.S.ProjectId, query: "?threshold=six")).ExpectValidationAsync("threshold");
        await client.GetAsync(Url(seeded.S.ProjectId, query: "?problemIds=p1&graderIds=nope")).ExpectValidationAsync("problemIds", "graderIds");
        await client.GetAsync(Url(seeded.S.ProjectId, query: $"?problemIds={Guid.NewGuid()}")).ExpectValidationAsync("problemIds");
        await client.GetAsync(Url(seeded.S.ProjectId, ".csv", "?humanSource=x")).ExpectValidationAsync("humanSource");
    }

    [Theory]
    [InlineData(false, "viewer", HttpStatusCode.OK)]
    [InlineData(false, "grader", HttpStatusCode.OK)]
    [InlineData(true, "viewer", HttpStatusCode.Forbidden)]
    [InlineData(true, "grader", HttpStatusCode.Forbidden)]
    [InlineData(true, "adjudicator", HttpStatusCode.OK)]
    [InlineData(true, "admin", HttpStatusCode.OK)]
    [InlineData(true, "outsider", HttpStatusCode.NotFound)]
    public async Task Agreement_RoleAndBlindMode_DecideAccess(bool blind, string role, HttpStatusCode expected)
    {
        var seeded = await SeedAsync(blind);
        var client = seeded.S.As(role);

        foreach (var url in new[] { Url(seeded.S.ProjectId), Url(seeded.S.ProjectId, "/problems"), Url(seeded.S.ProjectId, "/rubric-items"), Url(seeded.S.ProjectId, ".csv"),
            Url(seeded.S.ProjectId, "/pairs", $"?graderId={seeded.RunId}"), Url(seeded.S.ProjectId, "/pairs", "?ceiling=true") })
        {
            if (expected == HttpStatusCode.OK)
            {
                using var response = await client.GetAsync(url);
                response.StatusCode.ShouldBe(HttpStatusCode.OK, url);
            }
            else
            {
                await client.GetAsync(url).ExpectProblemAsync(expected);
            }
        }
    }

    [Fact]
    public async Task Agreement_GradeChanges_CacheServesNewFigures()
    {
        var seeded = await SeedAsync();
        var client = seeded.S.Adjudicator.Client;
        Value(Grader(await client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK), "run"), "mae").ShouldBe(0.75);

        // A write that leaves no trace in the history is not seen: the figures come from the cache.
        var s3 = seeded.Solutions[2].Id();
        await api.WithDbAsync(db => db.ModelGrades.Where(g => g.Id == seeded.RunGrades[s3]).ExecuteUpdateAsync(u => u.SetProperty(g => g.Points, 0m)));
        Value(Grader(await client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK), "run"), "mae").ShouldBe(0.75);

        // Adjudicating s3 at 5 is a grade change: differences +1, +1, −5, +1.
        await client.PutAsJsonAsync($"/api/solutions/{s3}/adjudication", new { points = 5, rationale = "Nearly complete." }).ExpectAsync(HttpStatusCode.Created);
        Value(Grader(await client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK), "run"), "mae").ShouldBe(2.0);

        // A grade written by another process (here straight through the DbContext, as a Worker or an import does) is seen too.
        await AddModelGradeAsync(s3, null, 5);
        var judge = Grader(await client.GetAsync(Url(seeded.S.ProjectId)).ExpectAsync(HttpStatusCode.OK), "imported");
        (judge.GetProperty("n").GetInt32(), Value(judge, "mae")).ShouldBe((3, 1.0 / 3));
    }

    [Fact]
    public async Task AgreementProblems_SeededProject_AnswersPerProblem()
    {
        var seeded = await SeedAsync();

        var response = await seeded.S.Adjudicator.Client.GetAsync(Url(seeded.S.ProjectId, "/problems")).ExpectAsync(HttpStatusCode.OK);

        var problems = response.Items("problems");
        problems.Select(p => (p.GetProperty("problemId").GetGuid(), p.Str("title"))).ShouldBe([(seeded.P1, "First"), (seeded.P2, "Second")]);
        var runOnP1 = Grader(problems[0], "run");
        // P1 against [6, 2, 4]: +1, +1, 0.
        (runOnP1.GetProperty("n").GetInt32(), Value(runOnP1, "mae")!.Value).ShouldBe((3, 2.0 / 3));
        problems[0].GetProperty("humanCeiling").GetProperty("n").GetInt32().ShouldBe(1);
        Grader(problems[1], "run").GetProperty("n").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task AgreementRubricItems_SeededProject_ComparesMeanAwards()
    {
        var seeded = await SeedAsync();

        var response = await seeded.S.Adjudicator.Client.GetAsync(Url(seeded.S.ProjectId, "/rubric-items")).ExpectAsync(HttpStatusCode.OK);

        var grader = response.Items("graders").Single();
        grader.GetProperty("grader").Id().ShouldBe(seeded.RunId);
        var rows = grader.Items("items").ToDictionary(i => i.Str("title")!);
        // Key lemma: people (2.5 on s1, 1 on s2) against the run (3, 2); Finish: (3.5, 1) against (4, 1).
        var lemma = rows["Key lemma"];
        (lemma.GetProperty("n").GetInt32(), lemma.GetProperty("meanHuman").GetProperty("value").GetDouble(),
            lemma.GetProperty("meanModel").GetProperty("value").GetDouble()).ShouldBe((2, 1.75, 2.5));
        var finish = rows["Finish"];
        (finish.GetProperty("meanHuman").GetProperty("value").GetDouble(), finish.GetProperty("meanModel").GetProperty("value").GetDouble()).ShouldBe((2.25, 2.5));
        lemma.GetProperty("problemId").GetGuid().ShouldBe(seeded.P1);
    }

    [Fact]
    public async Task AgreementCsv_SeededProject_OneRowPerGraderAndMetric()
    {
        var seeded = await SeedAsync();

        using var response = await seeded.S.Adjudicator.Client.GetAsync(Url(seeded.S.ProjectId, ".csv"));
        var text = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("graderId,kind,label,metric,value,low,high,n");
        lines.Length.ShouldBe(1 + 2 * 14);
        var mae = lines.Single(l => l.StartsWith($"{seeded.RunId},run,", StringComparison.Ordinal) && l.Split(',')[3] == "mae").Split(',');
        (mae[2], mae[4], mae[7]).ShouldBe(("absolute · fake-model-1", "0.75", "4"));

        // A source name a spreadsheet would run as a formula is written as text.
        await AddModelGradeAsync(seeded.Solutions[0].Id(), null, 6, importSource: "=HYPERLINK(\"http://x\",\"y\")");
        var csv = await seeded.S.Adjudicator.Client.GetStringAsync(Url(seeded.S.ProjectId, ".csv"));
        csv.ShouldContain(",imported,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",mae,");
    }

    private static List<(Guid Solution, decimal Human, decimal Model, decimal Difference)> PairRows(JsonElement response) =>
        [.. response.Items("items").Select(i => (i.GetProperty("solutionId").GetGuid(), i.GetProperty("human").GetDecimal(),
            i.GetProperty("model").GetDecimal(), i.GetProperty("difference").GetDecimal()))];

    [Fact]
    public async Task AgreementPairs_ProjectHidesAuthors_NamesTheAuthorToAdjudicatorsOnly()
    {
        var seeded = await SeedAsync(hideAuthors: true);
        var url = Url(seeded.S.ProjectId, "/pairs", $"?graderId={seeded.RunId}");

        var graders = await seeded.S.Grader.Client.GetAsync(url).ExpectAsync(HttpStatusCode.OK);
        var adjudicators = await seeded.S.Adjudicator.Client.GetAsync(url).ExpectAsync(HttpStatusCode.OK);

        graders.Items("items").ShouldAllBe(i => i.GetProperty("author").ValueKind == JsonValueKind.Null);
        adjudicators.Items("items").Select(i => i.Str("author")).Distinct().ShouldBe(["model-x"]);
    }

    [Fact]
    public async Task AgreementPairs_Grader_ListsItsSolutionsLargestDisagreementFirst()
    {
        var seeded = await SeedAsync();
        var s = seeded.Solutions.Select(x => x.Id()).ToArray();

        var response = await seeded.S.Adjudicator.Client.GetAsync(Url(seeded.S.ProjectId, "/pairs", $"?graderId={seeded.RunId}"))
            .ExpectAsync(HttpStatusCode.OK);

        (response.Str("humanSource"), response.GetProperty("ceiling").GetBoolean(), response.GetProperty("total").GetInt32())
            .ShouldBe(("adjudicated", false, 4));
        response.GetProperty("grader").Id().ShouldBe(seeded.RunId);
        var rows = PairRows(response);
        // Against [6, 2, 4, 1] the run is off by +1, +1, 0, +1: the three misses first (problem order: P1's, then P2's), the match last.
        rows.Take(2).Select(r => r.Solution).ShouldBe([s[0], s[1]], ignoreOrder: true);
        rows.Skip(2).ShouldBe([(s[3], 1m, 2m, 1m), (s[2], 4m, 4m, 0m)]);
        rows.Single(r => r.Solution == s[0]).ShouldBe((s[0], 6m, 7m, 1m));
        var first = response.Items("items").Single(i => i.GetProperty("solutionId").GetGuid() == s[1]);
        (first.GetProperty("problemId").GetGuid(), first.Str("problemTitle"), first.GetProperty("maxPoints").GetInt32(),
            first.GetProperty("humanCategory").GetInt32(), first.GetProperty("modelCategory").GetInt32()).ShouldBe((seeded.P1, "First", 7, 2, 3));
    }

    [Fact]
    public async Task AgreementPairs_Filters_SelectACalibrationRowAConfusionCellAProblemAndAPage()
    {
        var seeded = await SeedAsync();
        var s = seeded.Solutions.Select(x => x.Id()).ToArray();
        var client = seeded.S.Adjudicator.Client;
        async Task<List<(Guid, decimal, decimal, decimal)>> Rows(string query) =>
            PairRows(await client.GetAsync(Url(seeded.S.ProjectId, "/pairs", $"?graderId={seeded.RunId}&{query}")).ExpectAsync(HttpStatusCode.OK));

        (await Rows("human=6")).Select(r => r.Item1).ShouldBe([s[0]]);
        (await Rows("model=4")).Select(r => r.Item1).ShouldBe([s[2]]);
        (await Rows("humanCategory=2&modelCategory=3")).Select(r => r.Item1).ShouldBe([s[1]]);
        (await Rows("humanCategory=2&modelCategory=2")).ShouldBeEmpty();
        (await Rows($"problemIds={seeded.P2}")).Select(r => r.Item1).ShouldBe([s[3]]);
        // The mean of people puts s4 at 0 (its adjudication is not a person's grade).
        (await Rows("humanSource=mean&human=0")).ShouldBe([(s[3], 0m, 2m, 2m)]);

        var page2 = await client.GetAsync(Url(seeded.S.ProjectId, "/pairs", $"?graderId={seeded.RunId}&page=2&pageSize=3")).ExpectAsync(HttpStatusCode.OK);
        (page2.GetProperty("page").GetInt32(), page2.GetProperty("pageSize").GetInt32(), page2.GetProperty("total").GetInt32()).ShouldBe((2, 3, 4));
        PairRows(page2).Select(r => r.Solution).ShouldBe([s[2]]);
    }

    [Fact]
    public async Task AgreementPairs_EveryCalibrationRowAndConfusionCell_CountsTheSolutionsListedForIt()
    {
        var seeded = await SeedAsync();
        var client = seeded.S.Adjudicator.Client;
        var agreement = await client.GetAsync(Url(seeded.S.ProjectId, query: "?humanSource=first")).ExpectAsync(HttpStatusCode.OK);

        foreach (var grader in agreement.Items("graders"))
        {
            var id = grader.GetProperty("grader").Id();
            foreach (var row in grader.Items("calibration"))
            {
                var human = row.GetProperty("human").GetDecimal().ToString(System.Globalization.CultureInfo.InvariantCulture);
                var listed = await client.GetAsync(Url(seeded.S.ProjectId, "/pairs", $"?graderId={id}&humanSource=first&human={human}")).ExpectAsync(HttpStatusCode.OK);
                listed.GetProperty("total").GetInt32().ShouldBe(row.GetProperty("n").GetInt32());
                PairRows(listed).Average(r => (double)r.Model).ShouldBe(row.GetProperty("meanModel").GetDouble(), 1e-9);
            }
            var labels = grader.GetProperty("confusion").Items("labels").Select(l => l.GetString()).ToList();
            var counts = grader.GetProperty("confusion").Items("counts");
            for (var r = 0; r < labels.Count; r++)
            {
                for (var c = 0; c < labels.Count; c++)
                {
                    var listed = await client.GetAsync(Url(seeded.S.ProjectId, "/pairs",
                        $"?graderId={id}&humanSource=first&humanCategory={labels[r]}&modelCategory={labels[c]}")).ExpectAsync(HttpStatusCode.OK);
                    listed.GetProperty("total").GetInt32().ShouldBe(counts[r].Items()[c].GetInt32(), $"cell {labels[r]},{labels[c]}");
                }
            }
        }
    }

    [Fact]
    public async Task AgreementPairs_Ceiling_ListsFirstAgainstSecondPerson()
    {
        var seeded = await SeedAsync();

        var response = await seeded.S.Adjudicator.Client.GetAsync(Url(seeded.S.ProjectId, "/pairs", "?ceiling=true")).ExpectAsync(HttpStatusCode.OK);

        response.GetProperty("ceiling").GetBoolean().ShouldBeTrue();
        response.GetProperty("grader").ValueKind.ShouldBe(JsonValueKind.Null);
        PairRows(response).ShouldBe([(seeded.Solutions[0].Id(), 7m, 5m, -2m)]);
    }

    [Fact]
    public async Task AgreementPairs_InvalidQuery_ReturnsFieldErrors()
    {
        var seeded = await SeedAsync();
        var client = seeded.S.Adjudicator.Client;
        string Pairs(string query) => Url(seeded.S.ProjectId, "/pairs", query);

        await client.GetAsync(Pairs("")).ExpectValidationAsync("graderId");
        await client.GetAsync(Pairs($"?graderId={seeded.RunId}&ceiling=true")).ExpectValidationAsync("graderId");
        await client.GetAsync(Pairs($"?graderId={Guid.NewGuid()}")).ExpectValidationAsync("graderId");
        await client.GetAsync(Pairs("?graderId=run-1")).ExpectValidationAsync("graderId");
        await client.GetAsync(Pairs("?ceiling=maybe")).ExpectValidationAsync("ceiling");
        await client.GetAsync(Pairs($"?graderId={seeded.RunId}&human=-1&model=x&humanCategory=1.5&modelCategory=-2"))
            .ExpectValidationAsync("human", "model", "humanCategory", "modelCategory");
        await client.GetAsync(Pairs($"?graderId={seeded.RunId}&page=0&pageSize=501")).ExpectValidationAsync("page", "pageSize");
        await client.GetAsync(Pairs($"?graderId={seeded.RunId}&humanSource=best&problemIds={Guid.NewGuid()}")).ExpectValidationAsync("humanSource");
    }
}
