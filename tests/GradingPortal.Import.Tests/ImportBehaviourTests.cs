using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Import.Tests;

/// <summary>JSON Lines and CSV imports: good records in, bad ones reported by line, limits and roles.</summary>
[Collection(ImportCollection.Name)]
public sealed class ImportBehaviourTests(ImportFixture fixture)
{
    private static string Line(object value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    [Fact]
    public async Task Jsonl_FileWithBadRecords_ImportsTheGoodOnesAndReportsEachBadOneByLine()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "JSONL with bad lines");
        var (_, graderId, graderEmail) = await fixture.NewUserAsync("grader");
        await ImportFixture.AddMemberAsync(admin, projectId, graderId, "grader");
        var text = "Let $n$ be odd. Then $n^2$ is odd, so the claim holds.";
        var lines = new[]
        {
            Line(new
            {
                kind = "problem", externalId = "p1", title = "Odd squares", statement = "Show that the square of an odd number is odd.", maxPoints = 7,
                source = "folklore", referenceSolutions = new[] { new { text = "Write n = 2k + 1.", source = "textbook" } },
                rubric = new { items = new[] { new { title = "Setup", points = 2m, description = "n = 2k+1" }, new { title = "Finish", points = 5m, description = "" } } },
                markingScheme = "Full marks for a complete argument.",
            }),
            Line(new { kind = "solution", problemExternalId = "p1", externalId = "s1", text, author = "model-a" }),
            "{ this is not json",
            Line(new { kind = "solution", problemExternalId = "nope", externalId = "s2", text = "x" }),
            "",
            Line(new { kind = "solution", problemExternalId = "p1", externalId = "big", text = new string('a', (2 << 20) + 10) }),
            Line(new
            {
                kind = "humanGrade", problemExternalId = "p1", solutionExternalId = "s1", graderEmail, points = 6m, comment = "Nearly there.", blind = true,
                items = new object[] { new { title = "Setup", points = 2m, comment = "ok" }, new { ordinal = 1, points = 4m, comment = "gap" } },
            }),
            Line(new { kind = "humanGrade", problemExternalId = "p1", solutionExternalId = "s1", graderEmail = "nobody@example.org", points = 3m }),
            Line(new
            {
                kind = "annotation", problemExternalId = "p1", solutionExternalId = "s1", authorEmail = graderEmail, start = text.IndexOf("so the claim", StringComparison.Ordinal),
                end = text.IndexOf("so the claim", StringComparison.Ordinal) + 12, quote = "so the claim", errorType = "wrong-logical-conclusion", severity = "major",
                comment = "Why?",
            }),
            """{"kind":"solution","problemExternalId":"p1","externalId":"s3","text":"fine","author":["not","a","string"]}""",
            Line(new { kind = "annotation", problemExternalId = "p1", solutionExternalId = "s1", authorEmail = graderEmail, start = 0, end = 3, quote = "xyz", errorType = "calculation-mistake", severity = "minor" }),
            Line(new { kind = "rubric" }),
        };
        var file = Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");

        var done = await Imports.RunAsync(admin, projectId, "jsonl", file, "mixed.jsonl", fixture, multipart: false);

        done.Status.ShouldBe("succeeded", done.ToString());
        done.ProcessedRecords.ShouldBe(11, done.ToString());
        (done.Created, done.Failed).ShouldBe((4, 7), done.ToString());
        var byRecord = done.Failures.ToDictionary(f => f.Record);
        byRecord.Keys.ShouldBe(["line 3", "line 4", "line 6", "line 8", "line 10", "line 11", "line 12"], ignoreOrder: true);
        byRecord["line 3"].Reason.ShouldStartWith("Not valid JSON");
        byRecord["line 4"].Field.ShouldBe("problemExternalId");
        byRecord["line 4"].Reason.ShouldContain("Unknown problem 'nope'");
        byRecord["line 6"].Reason.ShouldContain("over the limit of 2 MiB");
        byRecord["line 8"].Field.ShouldBe("graderEmail");
        byRecord["line 8"].Reason.ShouldContain("No user has the e-mail 'nobody@example.org'");
        byRecord["line 10"].Field.ShouldBe("author");
        byRecord["line 10"].Reason.ShouldContain("wrong type");
        byRecord["line 11"].Field.ShouldBe("quote");
        byRecord["line 12"].Field.ShouldBe("kind");

        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        var solution = await db.Solutions.AsNoTracking().SingleAsync(s => s.ProjectId == projectId);
        (solution.ExternalId, solution.Author, solution.Text, solution.ImportId).ShouldBe(("s1", "model-a", text, done.Id));
        var grade = await db.HumanGrades.AsNoTracking().Include(g => g.Items).SingleAsync(g => g.SolutionId == solution.Id);
        (grade.GraderId, grade.Points, grade.GivenBlind, grade.Items.Count).ShouldBe((graderId, 6m, true, 2));
        var annotation = await db.Annotations.AsNoTracking().SingleAsync(a => a.SolutionId == solution.Id);
        text[annotation.Start..annotation.End].ShouldBe("so the claim");
        (await db.Rubrics.CountAsync(r => r.ProjectId == projectId)).ShouldBe(1);

        var again = await Imports.RunAsync(admin, projectId, "jsonl", file, "mixed.jsonl", fixture);
        (again.Created, again.Updated, again.Skipped, again.Failed).ShouldBe((0, 0, 4, 7), again.ToString());
    }

    [Fact]
    public async Task Jsonl_ChangedProblem_IsUpdatedAndItsRubricGetsANewOfficialVersion()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "JSONL update");
        object Problem(string statement, decimal first) => new
        {
            kind = "problem", externalId = "p", title = "P", statement, rubric = new { items = new[] { new { title = "A", points = first }, new { title = "B", points = 7 - first } } },
        };
        await Imports.RunAsync(admin, projectId, "jsonl", Encoding.UTF8.GetBytes(Line(Problem("v1", 3))), "a.jsonl", fixture);

        var done = await Imports.RunAsync(admin, projectId, "jsonl", Encoding.UTF8.GetBytes(Line(Problem("v2", 4))), "b.jsonl", fixture);

        (done.Updated, done.Created, done.Failed).ShouldBe((1, 0, 0), done.ToString());
        var problems = await admin.GetFromJsonAsync<List<JsonElement>>($"/api/projects/{projectId}/problems");
        var problem = await admin.GetFromJsonAsync<JsonElement>($"/api/problems/{problems!.Single().GetProperty("id").GetGuid()}");
        problem.GetProperty("statement").GetString().ShouldBe("v2");
        problem.GetProperty("currentRubric").GetProperty("version").GetInt32().ShouldBe(2);
        problem.GetProperty("currentRubric").GetProperty("items")[0].GetProperty("points").GetDecimal().ShouldBe(4m);
        problem.GetProperty("rubrics").EnumerateArray().Select(r => r.GetProperty("status").GetString()).ShouldBe(["approved", "retired"]);
    }

    [Fact]
    public async Task Csv_SolutionsThenGrades_AreToldApartByHeader()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "CSV");
        await Imports.RunAsync(admin, projectId, "jsonl",
            Encoding.UTF8.GetBytes(Line(new { kind = "problem", externalId = "p1", title = "P1", statement = "Prove it." })), "p.jsonl", fixture);
        var solutions = "problemExternalId,externalId,author,text\n" +
            "p1,a,model-x,\"First line\nsecond line, with a comma and \"\"quotes\"\"\"\n" +
            "p1,b,,Short proof.\n" +
            "p2,c,model-y,Unknown problem.\n";

        var first = await Imports.RunAsync(admin, projectId, "csv", Encoding.UTF8.GetBytes(solutions), "solutions.csv", fixture);

        (first.Created, first.Failed).ShouldBe((2, 1), first.ToString());
        first.Failures.Single().Record.ShouldBe("line 5");
        var grades = $"solutionExternalId,problemExternalId,graderEmail,points,comment\na,p1,{ImportFixture.AdminEmail},5.5,Good\nb,p1,{ImportFixture.AdminEmail},seven,\n";
        var second = await Imports.RunAsync(admin, projectId, "csv", Encoding.UTF8.GetBytes(grades), "grades.csv", fixture);
        (second.Created, second.Failed).ShouldBe((1, 1), second.ToString());
        second.Failures.Single().ShouldBe(new FailureView("line 3", "points", "Points 'seven' is not a number (use a dot for decimals)."));

        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        var a = await db.Solutions.AsNoTracking().SingleAsync(s => s.ProjectId == projectId && s.ExternalId == "a");
        a.Text.ShouldBe("First line\nsecond line, with a comma and \"quotes\"");
        (await db.HumanGrades.AsNoTracking().SingleAsync(g => g.SolutionId == a.Id)).Points.ShouldBe(5.5m);
    }

    [Fact]
    public async Task Csv_UnknownHeader_FailsTheImportWithAClearError()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "CSV bad header");

        var done = await Imports.RunAsync(admin, projectId, "csv", Encoding.UTF8.GetBytes("a,b,c\n1,2,3\n"), "odd.csv", fixture);

        done.Status.ShouldBe("failed");
        done.Error!.ShouldStartWith("Unrecognised CSV header.");
    }

    [Fact]
    public async Task Upload_LoneJsonOverTheRecordLimit_Answers413()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "Too big");
        var big = Encoding.UTF8.GetBytes("{\"problem_id\":\"x\",\"problem\":\"" + new string('a', (2 << 20) + 1) + "\"}");

        var response = await Imports.PostAsync(admin, projectId, "opc", big, "big.json");

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("detail").GetString()!.ShouldContain("the limit is 2 MiB");
        var list = await admin.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/imports");
        list.GetProperty("items").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Upload_BadFormatOrEmptyFile_Answers400()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "Bad uploads");

        (await Imports.PostAsync(admin, projectId, "xml", [1, 2, 3], "a.xml")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Imports.PostAsync(admin, projectId, "jsonl", [], "empty.jsonl")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var notZip = await Imports.PostAsync(admin, projectId, "matharena", Encoding.UTF8.GetBytes("hello"), "usamo.txt");
        notZip.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await notZip.Content.ReadAsStringAsync()).ShouldContain(".zip");
    }

    [Fact]
    public async Task Upload_ByRole_NonMember404_Grader403_Adjudicator202()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "Roles");
        var (outsider, _, _) = await fixture.NewUserAsync("outsider");
        var (grader, graderId, _) = await fixture.NewUserAsync("grader");
        var (adjudicator, adjudicatorId, _) = await fixture.NewUserAsync("adjudicator");
        await ImportFixture.AddMemberAsync(admin, projectId, graderId, "grader");
        await ImportFixture.AddMemberAsync(admin, projectId, adjudicatorId, "adjudicator");
        var file = Encoding.UTF8.GetBytes(Line(new { kind = "problem", externalId = "p", title = "P", statement = "S" }));

        (await Imports.PostAsync(outsider, projectId, "jsonl", file, "a.jsonl")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Imports.PostAsync(grader, projectId, "jsonl", file, "a.jsonl")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var done = await Imports.RunAsync(adjudicator, projectId, "jsonl", file, "a.jsonl", fixture);

        done.Created.ShouldBe(1);
        (await outsider.GetAsync($"/api/imports/{done.Id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await grader.GetAsync($"/api/imports/{done.Id}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var list = await adjudicator.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/imports");
        list.GetProperty("items")[0].GetProperty("id").GetGuid().ShouldBe(done.Id);
    }
}
