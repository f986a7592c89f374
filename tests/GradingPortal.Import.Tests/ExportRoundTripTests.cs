using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Solutions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Import.Tests;

/// <summary>
/// The project export uploaded as it is to the native JSON Lines import (docs/import-format.md, "Export records"): a
/// richly graded project goes through export → import into a fresh project → export, and the two exports agree on
/// everything but ids and times; bad records fail by line and leave nothing of themselves behind.
/// </summary>
[Collection(ImportCollection.Name)]
public sealed class ExportRoundTripTests(ImportFixture fixture)
{
    [Fact]
    public async Task ExportRecords_ExportImportedIntoAFreshProject_ExportsEqualApartFromIdsAndTimes()
    {
        var seed = await RichProject.SeedAsync(fixture, "Round trip source");
        var exported = await ExportTextAsync(seed.Admin, seed.ProjectId);
        var target = await seed.NewTargetAsync("Round trip copy");

        var done = await Imports.RunAsync(seed.Admin, target, "jsonl", Encoding.UTF8.GetBytes(exported), "export.jsonl", fixture);

        done.Status.ShouldBe("succeeded", done.ToString());
        // 2 problems, 2 rubric versions, 5 solutions, 5 human grades, 5 model grades, 3 annotations, 1 adjudication.
        (done.ProcessedRecords, done.Created, done.Skipped, done.Failed).ShouldBe((5, 23, 0, 0), done.ToString());
        var before = Lines(exported);
        var after = Lines(await ExportTextAsync(seed.Admin, target));
        after.Count.ShouldBe(before.Count);
        var copies = after.ToDictionary(Key);
        foreach (var original in before)
        {
            var key = Key(original);
            var copy = copies[key];
            // The runs stay behind: their grades come over as imported grades of the same source, known by their old id.
            foreach (var grade in copy["modelGrades"]!.AsArray())
            {
                grade!["runId"].ShouldBeNull(key);
            }
            Normalise(AsImported(original)).ToJsonString().ShouldBe(Normalise(copy).ToJsonString(), key);
        }
        ((string)copies["A/a1"]["evidenceLevel"]!).ShouldBe("adjudicated");
        copies["A/a1"]["rubrics"]!.AsArray().Select(r => ((int)r!["version"]!, (string)r["status"]!)).ShouldBe([(1, "retired"), (2, "approved")]);

        var again = await Imports.RunAsync(seed.Admin, target, "jsonl", Encoding.UTF8.GetBytes(exported), "export.jsonl", fixture);
        (again.Created, again.Updated, again.Skipped, again.Failed).ShouldBe((0, 0, 23, 0), again.ToString());
    }

    /// <summary>
    /// Grades, model grades, annotations and the adjudication an import writes send no solution change notice (ADR 022):
    /// an import of thousands of records must not fan out one per row. A grade given afterwards through the Api does.
    /// </summary>
    [Fact]
    public async Task ExportRecords_ImportedWithGradesAndAnnotations_SendNoSolutionChangeNotices()
    {
        var seed = await RichProject.SeedAsync(fixture, "Quiet import source");
        var exported = await ExportTextAsync(seed.Admin, seed.ProjectId);
        var target = await seed.NewTargetAsync("Quiet import copy");
        var payloads = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var listener = new Npgsql.NpgsqlConnection(fixture.ConnectionString);
        await listener.OpenAsync();
        listener.Notification += (_, e) => payloads.Enqueue(e.Payload);
        await using (var listen = new Npgsql.NpgsqlCommand("LISTEN solution_changed", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var done = await Imports.RunAsync(seed.Admin, target, "jsonl", Encoding.UTF8.GetBytes(exported), "export.jsonl", fixture);
        done.Status.ShouldBe("succeeded", done.ToString());
        List<Guid> imported;
        await using (var scope = fixture.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
            imported = await db.Solutions.Where(s => s.ProjectId == target).Select(s => s.Id).ToListAsync();
        }
        imported.Count.ShouldBe(5);
        await seed.Admin.SendAsync<JsonElement>(HttpMethod.Put, $"/api/solutions/{imported[0]}/adjudication",
            new { points = 1m, rationale = "Given after the import.", rowVersion = await AdjudicationVersionAsync(seed.Admin, imported[0]) });

        // Notices arrive in commit order: once the adjudication's is here, any of the import's would be too.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        // A notice is "solution id:kind".
        var adjudicated = $"{imported[0]}:adjudication";
        while (!payloads.Contains(adjudicated) && DateTime.UtcNow < deadline)
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(200));
        }
        payloads.Where(p => imported.Contains(Guid.Parse(p.AsSpan(0, 36)))).ShouldBe([adjudicated]);
    }

    private static async Task<uint?> AdjudicationVersionAsync(HttpClient admin, Guid solutionId)
    {
        var solution = await admin.SendAsync<JsonElement>(HttpMethod.Get, $"/api/solutions/{solutionId}", null);
        return solution.GetProperty("adjudication") is { ValueKind: JsonValueKind.Object } a ? a.GetProperty("rowVersion").GetUInt32() : null;
    }

    [Fact]
    public async Task ExportRecords_BadRecords_FailByLineAndLeaveNothingOfThemselves()
    {
        var seed = await RichProject.SeedAsync(fixture, "Bad records source");
        var records = Lines(await ExportTextAsync(seed.Admin, seed.ProjectId)).ToDictionary(Key);
        var target = await seed.NewTargetAsync("Bad records copy");

        var a1 = records["A/a1"].DeepClone().AsObject();
        a1["humanGrades"]![0]!["items"]![0]!["points"] = 9;
        var a2 = records["A/a2"].DeepClone().AsObject();
        a2["modelGrades"]![0]!["rubricId"] = Guid.NewGuid().ToString();
        var a3 = records["A/a3"].DeepClone().AsObject();
        a3["schemaVersion"] = 3;
        var b1 = records["B/b1"].DeepClone().AsObject();
        b1["humanGrades"]![0]!["points"] = "seven";
        var b1Unknown = records["B/b1"].DeepClone().AsObject();
        var stranger = Guid.NewGuid();
        b1Unknown["humanGrades"]![1]!["graderId"] = stranger.ToString();
        b1Unknown["humanGrades"]![1]!["graderName"] = "Nora Newcomer";
        var a1Adjudicated = records["A/a1"].DeepClone().AsObject();
        a1Adjudicated["adjudication"]!["basedOn"]![0]!["gradeId"] = Guid.NewGuid().ToString();
        var file = string.Join("\n", new[] { records["A/a4"], a1, a2, a3, b1, b1Unknown, a1Adjudicated }.Select(r => r.ToJsonString())) + "\n";

        var done = await Imports.RunAsync(seed.Admin, target, "jsonl", Encoding.UTF8.GetBytes(file), "bad.jsonl", fixture);

        done.Status.ShouldBe("succeeded", done.ToString());
        done.Failures.Select(f => (f.Record, f.Field)).ShouldBe(
        [
            ("line 2", "humanGrades[0].items[0].points"),
            ("line 3", "modelGrades[0].rubricId"),
            ("line 4", "schemaVersion"),
            ("line 5", "humanGrades[0].points"),
            ("line 6", "humanGrades[1].graderId"),
            ("line 7", "adjudication.basedOn[0].gradeId"),
        ], done.ToString());
        done.Failures.Take(4).Concat(done.Failures.Skip(5)).ShouldAllBe(f => f.Reason.EndsWith("Nothing of this record was imported.")
            || f.Field == "schemaVersion" || f.Field == "humanGrades[0].points", done.ToString());
        done.Failures[3].Reason.ShouldContain("wrong type");
        done.Failures[4].Reason.ShouldStartWith("Imported, under a placeholder: 'Nora Newcomer'");

        // Line 1 (A/a4, problem A with its approved version 2) and line 6 (B/b1, one grade under a placeholder) are in; nothing of
        // a1 (not even rubric version 1, which only its grades use), a2 or a3.
        var copy = Lines(await ExportTextAsync(seed.Admin, target)).ToDictionary(Key);
        copy.Keys.Order().ShouldBe(["A/a4", "B/b1"]);
        copy["A/a4"]["rubrics"]!.AsArray().Select(r => (int)r!["version"]!).ShouldBe([2]);
        var grades = copy["B/b1"]["humanGrades"]!.AsArray();
        grades.Select(g => ((Guid)g!["graderId"]!, (string)g["graderName"]!)).ShouldBe([(seed.Grader1, "Grader One"), (stranger, "Nora Newcomer")],
            ignoreOrder: true);
        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        var placeholder = await db.Users.AsNoTracking().SingleAsync(u => u.Id == stranger);
        (placeholder.Email, placeholder.IsDisabled, placeholder.PasswordHash).ShouldBe(($"{stranger:N}@imported.invalid", true, (string?)null));
        (await db.ProjectMembers.SingleAsync(m => m.ProjectId == target && m.UserId == stranger)).Role.ShouldBe(ProjectRole.Grader);
        (await db.Solutions.CountAsync(s => s.ProjectId == target)).ShouldBe(2);
    }

    [Fact]
    public async Task ExportRecords_ReviewerUnknownHere_GetsOnePlaceholderNamedFromTheRecord()
    {
        var seed = await RichProject.SeedAsync(fixture, "Unknown reviewer source");
        var a1 = Lines(await ExportTextAsync(seed.Admin, seed.ProjectId)).Single(r => Key(r) == "A/a1");
        var target = await seed.NewTargetAsync("Unknown reviewer copy");
        // Someone from elsewhere accepted the model's finding and marked a span; only the annotation gives their name.
        var stranger = Guid.NewGuid();
        var grades = a1["modelGrades"]!.AsArray();
        var g = grades.Select((x, i) => (x, i)).Single(x => (string)x.x!["status"]! == "valid").i;
        var f = grades[g]!["findings"]!.AsArray().Select((x, i) => (x, i)).Single(x => (string)x.x!["review"]! == "accepted").i;
        grades[g]!["findings"]![f]!["reviewedById"] = stranger.ToString();
        var mark = a1["annotations"]!.AsArray().Single(a => (string)a!["origin"]! == "human" && (string)a["errorType"]! == "sign-error")!;
        mark["authorId"] = stranger.ToString();
        mark["authorName"] = "Sam Stranger";

        var done = await Imports.RunAsync(seed.Admin, target, "jsonl", Encoding.UTF8.GetBytes(a1.ToJsonString() + "\n"), "a1.jsonl", fixture);

        done.Failures.Select(x => (x.Record, x.Field)).ShouldBe([("line 1", $"modelGrades[{g}].findings[{f}].reviewedById")], done.ToString());
        done.Failures[0].Reason.ShouldStartWith($"Imported, under a placeholder: 'Sam Stranger' ({stranger})");
        (done.Created, done.Failed).ShouldBe((1 + 2 + 1 + 2 + 2 + 3 + 1, 1), done.ToString());
        var copy = Lines(await ExportTextAsync(seed.Admin, target)).Single();
        copy["annotations"]!.AsArray().Single(a => (string)a!["errorType"]! == "sign-error")!["authorName"]!.GetValue<string>().ShouldBe("Sam Stranger");
        copy["modelGrades"]!.AsArray().SelectMany(x => x!["findings"]!.AsArray()).Count(x => (string?)x!["reviewedById"] == stranger.ToString()).ShouldBe(1);
        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        (await db.Users.AsNoTracking().SingleAsync(u => u.Id == stranger)).DisplayName.ShouldBe("Sam Stranger");
    }

    [Fact]
    public async Task ExportRecords_GraderNotAMemberHere_FailsTheRecordNamingThePerson()
    {
        var seed = await RichProject.SeedAsync(fixture, "Non-member source");
        var records = Lines(await ExportTextAsync(seed.Admin, seed.ProjectId)).ToDictionary(Key);
        var target = await fixture.NewProjectAsync(seed.Admin, "Non-member copy");

        var done = await Imports.RunAsync(seed.Admin, target, "jsonl", Encoding.UTF8.GetBytes(records["B/b1"].ToJsonString() + "\n"), "b1.jsonl", fixture);

        done.Failures.Select(f => (f.Record, f.Field)).ShouldBe([("line 1", "humanGrades[0].graderId")], done.ToString());
        done.Failures[0].Reason.ShouldBe($"'Grader One' ({seed.Grader1}) is not a member of this project; add them (or import into a project they " +
            "belong to). Nothing of this record was imported.");
        (done.Created, done.Failed).ShouldBe((0, 1));
    }

    private static string Key(JsonObject record) => $"{record["problem"]!["externalId"]}/{record["solution"]!["externalId"]}";

    private static List<JsonObject> Lines(string jsonl) =>
        jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    private static async Task<string> ExportTextAsync(HttpClient client, Guid projectId)
    {
        var response = await client.GetAsync($"/api/projects/{projectId}/export?format=jsonl");
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return body;
    }

    /// <summary>
    /// The record as documented for an import into a project where its grading runs do not exist: a run's grades become
    /// imported grades (no run) known by the id they had, and a rubric's deriving run is not named.
    /// </summary>
    private static JsonObject AsImported(JsonObject record)
    {
        var copy = record.DeepClone().AsObject();
        foreach (var grade in copy["modelGrades"]!.AsArray().Select(g => g!.AsObject()))
        {
            if (grade["runId"] is not null)
            {
                grade["externalId"] ??= (string)grade["id"]!;
                grade["runId"] = null;
            }
        }
        foreach (var rubric in copy["rubrics"]!.AsArray())
        {
            rubric!["derivedByRunId"] = null;
        }
        return copy;
    }

    /// <summary>
    /// Replaces database ids by what they stand for (user ids stay: the same people on both sides), times by a marker
    /// (null stays null), and drops the cursor, project id and import id. Lists whose order comes from ids created in the
    /// same instant are put in an order of their content first. Everything else is compared exactly.
    /// </summary>
    private static JsonObject Normalise(JsonObject record)
    {
        var r = record.DeepClone().AsObject();
        r.Remove("cursor");
        r.Remove("projectId");
        r["solution"]!.AsObject().Remove("importId");
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        void Name(JsonNode? id, string name)
        {
            if (id is not null)
            {
                names[(string)id!] = name;
            }
        }
        Name(r["problem"]!["id"], "problem");
        Name(r["solution"]!["id"], "solution");
        foreach (var rubric in r["rubrics"]!.AsArray())
        {
            var version = (int)rubric!["version"]!;
            Name(rubric["id"], $"rubric v{version}");
            foreach (var item in rubric["items"]!.AsArray())
            {
                Name(item!["id"], $"rubric v{version} item {(int)item["ordinal"]!}");
            }
        }
        r["humanGrades"] = Sorted(r["humanGrades"]!.AsArray(), g => (string)g["graderId"]!);
        foreach (var grade in r["humanGrades"]!.AsArray())
        {
            Name(grade!["id"], $"human grade by {(string)grade["graderId"]!}");
        }
        r["modelGrades"] = Sorted(r["modelGrades"]!.AsArray(), g => $"{g["source"]}|{g["model"]}|{g["status"]}|{g["points"]}|{g["rawOutput"]}");
        var m = 0;
        foreach (var grade in r["modelGrades"]!.AsArray())
        {
            Name(grade!["id"], $"model grade {m}");
            grade["findings"] = Sorted(grade["findings"]!.AsArray(), f => $"{f["start"]}|{f["quote"]}|{f["category"]}");
            var f = 0;
            foreach (var finding in grade["findings"]!.AsArray())
            {
                Name(finding!["id"], $"finding {m}.{f++}");
            }
            m++;
        }
        r["annotations"] = Sorted(r["annotations"]!.AsArray(), a => $"{a["start"]}|{a["end"]}|{a["errorType"]}|{a["origin"]}");
        var n = 0;
        foreach (var annotation in r["annotations"]!.AsArray())
        {
            Name(annotation!["id"], $"annotation {n++}");
        }
        Name(r["adjudication"]?["id"], "adjudication");
        return (JsonObject)Replace(r, names, null)!;
    }

    private static JsonArray Sorted(JsonArray list, Func<JsonObject, string> key) =>
        new([.. list.Select(x => x!.AsObject()).OrderBy(key, StringComparer.Ordinal).Select(x => (JsonNode)x.DeepClone())]);

    private static JsonNode? Replace(JsonNode? node, Dictionary<string, string> names, string? property) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Replace(p.Value, names, p.Key)))),
        JsonArray a => new JsonArray([.. a.Select(x => Replace(x, names, null))]),
        JsonValue v when property is not null && property.EndsWith("At", StringComparison.Ordinal) => JsonValue.Create("<time>"),
        // External ids are compared as they are: an imported run grade's external id is the id it had at the source.
        JsonValue v when property != "externalId" && v.TryGetValue<string>(out var s) && names.TryGetValue(s, out var name) => JsonValue.Create($"<{name}>"),
        JsonValue v => v.DeepClone(),
        _ => null,
    };

    /// <summary>
    /// A blind project with custom error types, graded through the Api by two graders and an adjudicator, with model grades
    /// stored as a grading workflow stores them (their runs exist only as ids). Problem A has rubric version 1 (official,
    /// retired) and 2 (manual, approved, with deductions and notes); B has none.
    /// <list type="bullet">
    /// <item>a1: grader 1 on version 1 with awards, grader 2 on version 2 with awards; two annotations (one of a custom
    /// type); a valid model grade of run R1 on version 2 with items and findings, one finding accepted by grader 1; a model
    /// annotation rejected by grader 2; a NeedsAttention grade of run R0; an adjudication resting on both people and R1.</item>
    /// <item>a2: grader 1 total only; a valid grade of run R2 without a rubric, and an unscored imported judge with findings.</item>
    /// <item>a3: an imported judge's valid grade. a4: nothing. b1: two people's totals.</item>
    /// </list>
    /// </summary>
    private sealed record RichProject(HttpClient Admin, Guid ProjectId, Guid Grader1, Guid Grader2, Guid Adjudicator, ImportFixture Fixture)
    {
        public const string A1Text = "Solution A1. We claim \"x > 0\", then, by AM-GM, x + 1/x >= 2.\r\nHence the bound holds 🙂 — done.\n\\(x^2\\)";
        public static readonly string[] CustomTypes = ["sign-error"];

        public static async Task<RichProject> SeedAsync(ImportFixture fixture, string name)
        {
            var admin = await fixture.AdminAsync();
            var (grader1, grader1Id) = await UserAsync(fixture, "Grader One");
            var (grader2, grader2Id) = await UserAsync(fixture, "Grader Two");
            var (adjudicator, adjudicatorId) = await UserAsync(fixture, "Ada Judge");
            var project = await admin.SendAsync<JsonElement>(HttpMethod.Post, "/api/projects",
                new { name, blindGrading = true, customErrorTypes = CustomTypes });
            var projectId = project.GetProperty("id").GetGuid();
            var seed = new RichProject(admin, projectId, grader1Id, grader2Id, adjudicatorId, fixture);
            await seed.AddMembersAsync(projectId);

            var problemA = await admin.SendAsync<JsonElement>(HttpMethod.Post, $"/api/projects/{projectId}/problems", new
            {
                title = "Problem A",
                statement = "Show that $x + 1/x \\ge 2$ for $x > 0$.",
                maxPoints = 7,
                source = "Test olympiad 2026",
                externalId = "A",
                markingScheme = "Official: 3 for AM-GM, 4 for the equality case.",
                referenceSolutions = new[] { new { text = "By AM-GM.", source = "official" }, new { text = "Square it.", source = "alt" } },
                rubric = new { items = new[] { new { title = "AM-GM", points = 3m, description = "Applies AM-GM" }, new { title = "Equality", points = 4m, description = "" } }, zeroCredit = "Restating the problem" },
            });
            var problemAId = problemA.GetProperty("id").GetGuid();
            var v1Items = problemA.GetProperty("currentRubric").GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToArray();
            var problemBId = (await admin.SendAsync<JsonElement>(HttpMethod.Post, $"/api/projects/{projectId}/problems",
                new { title = "Problem B, \"quoted\"", statement = "Find all $n$.", maxPoints = 7, externalId = "B" })).GetProperty("id").GetGuid();

            async Task<Guid> AddSolution(Guid problem, string text, string? author, string externalId) =>
                (await admin.SendAsync<JsonElement>(HttpMethod.Post, $"/api/problems/{problem}/solutions", new { text, author, externalId })).GetProperty("id").GetGuid();
            var a1 = await AddSolution(problemAId, A1Text, "model-x", "a1");
            var a2 = await AddSolution(problemAId, "Solution A2, with a comma, and a \"quote\".", "model-y", "a2");
            var a3 = await AddSolution(problemAId, "Solution A3\nline two", "model-x", "a3");
            await AddSolution(problemAId, "Solution A4 (ungraded)", null, "a4");
            var b1 = await AddSolution(problemBId, "Solution B1: n = 1.", "human", "b1");

            // Grader 1 grades a1 on version 1; then version 2 replaces it and grader 2 grades on that.
            await grader1.SendAsync<JsonElement>(HttpMethod.Post, $"/api/solutions/{a1}/human-grades", new
            {
                points = 5m,
                items = new[] { new { rubricItemId = v1Items[0], points = 3m, comment = "clean" }, new { rubricItemId = v1Items[1], points = 2m, comment = "partial" } },
                comment = "Good start",
            });
            var v2 = await adjudicator.SendAsync<JsonElement>(HttpMethod.Post, $"/api/problems/{problemAId}/rubrics", new
            {
                items = new[] { new { title = "Setup", points = 2m, description = "Reduces to one variable" }, new { title = "AM-GM", points = 2m, description = "" }, new { title = "Equality", points = 3m, description = "x = 1" } },
                zeroCredit = "Restating the problem",
                deductions = new[] { new { description = "Arithmetic slip", points = 1m } },
                notes = "Split the setup out of AM-GM.",
            });
            var v2Id = v2.GetProperty("id").GetGuid();
            var v2Items = v2.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToArray();
            await adjudicator.SendAsync<JsonElement>(HttpMethod.Post, $"/api/rubrics/{v2Id}/approve", new { });
            await grader2.SendAsync<JsonElement>(HttpMethod.Post, $"/api/solutions/{a1}/human-grades", new
            {
                points = 4m,
                items = new[] { new { rubricItemId = v2Items[0], points = 2m, comment = "" }, new { rubricItemId = v2Items[1], points = 1m, comment = "half" }, new { rubricItemId = v2Items[2], points = 1m, comment = "gap" } },
                comment = "Gap in the equality case",
            });
            await grader1.SendAsync<JsonElement>(HttpMethod.Post, $"/api/solutions/{a2}/human-grades", new { points = 3m, comment = "" });
            await grader1.SendAsync<JsonElement>(HttpMethod.Post, $"/api/solutions/{b1}/human-grades", new { points = 7m, comment = "Complete" });
            await grader2.SendAsync<JsonElement>(HttpMethod.Post, $"/api/solutions/{b1}/human-grades", new { points = 6m, comment = "Minor slip" });
            var claim = A1Text.IndexOf("x > 0", StringComparison.Ordinal);
            await grader1.SendAsync<JsonElement>(HttpMethod.Post, $"/api/solutions/{a1}/annotations", new
            {
                start = claim, end = claim + 5, quote = "x > 0", errorType = "proposal-without-verification", severity = "major", comment = "Why positive?",
            });
            var hence = A1Text.IndexOf("Hence", StringComparison.Ordinal);
            await grader2.SendAsync<JsonElement>(HttpMethod.Post, $"/api/solutions/{a1}/annotations", new
            {
                start = hence, end = hence + 5, quote = "Hence", errorType = "sign-error", severity = "minor", comment = "",
            });

            // Model grades as the grading workflow stores them; their runs are only ids here (no run rows).
            Guid modelA1;
            Guid acceptedFinding;
            await using (var scope = fixture.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
                var now = DateTimeOffset.UtcNow;
                const string quoted = "by AM-GM, x + 1/x >= 2";
                var at = A1Text.IndexOf(quoted, StringComparison.Ordinal);
                var graded = ModelGrade.CreateValid(projectId, a1, A1Text, 7, "five-stage", "gpt-test-1", Ids.New(), v2Id, 4m,
                    [new(v2Items[0], "Setup", 2m, 2m, "Fine"), new(v2Items[1], "AM-GM", 2m, 2m, "Correct use"), new(v2Items[2], "Equality", 0m, 3m, "Missing")],
                    [
                        new("begging-the-question", "Begging the question", Severity.Major, quoted, "line 1", "Assumes the bound", at, at + quoted.Length),
                        new(null, "Vague", Severity.Minor, "this sentence is not in the text", null, "Not found", null, null),
                    ],
                    "Mostly right", "Equality case missing", "{\"total\": 4}",
                    """{"prompts":[{"name":"grade","version":2,"sha256":"ab12"}],"temperature":0}""", null, now);
                var needsAttention = ModelGrade.CreateNeedsAttention(projectId, a1, 7, "five-stage", "gpt-test-1", Ids.New(), "Output was not JSON", "oops", "{}", null, now);
                var a2Run = ModelGrade.CreateValid(projectId, a2, "", 7, "five-stage", "gpt-test-2", Ids.New(), null, 5m, [], [], "Fine", "", "5", "{}", null, now);
                var a2Judge = ModelGrade.CreateUnscored(projectId, a2, "Solution A2, with a comma, and a \"quote\".", 7, "opc-judge", "opc-judge", null,
                    [new("proof-by-example", "Overgeneralization", Severity.Major, "with a comma", null, "Only one case", 12, 24)],
                    "One issue", "{\"summary\":\"One issue\"}", """{"corpus":"opc","attempt":7}""", "opc-7", now);
                var a3Judge = ModelGrade.CreateValid(projectId, a3, "", 7, "opc-judge", "judge-model", null, null, 6m, [], [], "", "", "6",
                    """{"file":"opc.json","record":3}""", "opc-3", now);
                db.ModelGrades.AddRange(graded, needsAttention, a2Run, a2Judge, a3Judge);
                var solution = await db.Solutions.SingleAsync(s => s.Id == a1);
                var proposed = Annotation.CreateProposedByModel(projectId, solution, at, at + quoted.Length, quoted, "begging-the-question",
                    Severity.Major, "Assumes the bound", _ => true, graded.Id, now);
                proposed.ReviewBy(grader2Id, accept: false, now);
                db.Annotations.Add(proposed);
                await db.SaveChangesAsync();
                modelA1 = graded.Id;
                acceptedFinding = graded.Findings.Single(f => f.Quote == quoted).Id;
            }
            await grader1.SendAsync<JsonElement>(HttpMethod.Post, $"/api/model-findings/{acceptedFinding}/review", new { accept = true });

            var human = await adjudicator.SendAsync<JsonElement>(HttpMethod.Get, $"/api/solutions/{a1}/human-grades", null);
            const string rationale = "Between the two graders; the model agrees with the lower one";
            await adjudicator.SendAsync<JsonElement>(HttpMethod.Put, $"/api/solutions/{a1}/adjudication", new
            {
                points = 4.5m,
                rationale,
                basedOn = human.EnumerateArray().Select(g => new { kind = "human", gradeId = g.GetProperty("id").GetGuid() }).ToArray(),
            });
            // The Api takes people's grades only; the record may rest on a model grade too (Domain allows it, the export shows it).
            await using (var scope = fixture.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
                var adjudication = await db.Adjudications.SingleAsync(j => j.SolutionId == a1);
                adjudication.Revise(7, 4.5m, rationale, [.. adjudication.BasedOn, new GradeReference(GradeSourceKind.Model, modelA1)], adjudicatorId,
                    DateTimeOffset.UtcNow);
                await db.SaveChangesAsync();
            }
            return seed;
        }

        /// <summary>A fresh project with the same settings and people, as someone copying the project would make it.</summary>
        public async Task<Guid> NewTargetAsync(string name)
        {
            var project = await Admin.SendAsync<JsonElement>(HttpMethod.Post, "/api/projects", new { name, blindGrading = true, customErrorTypes = CustomTypes });
            var id = project.GetProperty("id").GetGuid();
            await AddMembersAsync(id);
            return id;
        }

        private async Task AddMembersAsync(Guid projectId)
        {
            await ImportFixture.AddMemberAsync(Admin, projectId, Grader1, "grader");
            await ImportFixture.AddMemberAsync(Admin, projectId, Grader2, "grader");
            await ImportFixture.AddMemberAsync(Admin, projectId, Adjudicator, "adjudicator");
        }

        private static async Task<(HttpClient Client, Guid Id)> UserAsync(ImportFixture fixture, string displayName)
        {
            var admin = await fixture.AdminAsync();
            var email = $"{displayName.Replace(' ', '.').ToLowerInvariant()}-{Guid.NewGuid():N}@example.org";
            var user = await admin.SendAsync<JsonElement>(HttpMethod.Post, "/api/users", new { email, password = "password-123", displayName });
            return (await fixture.SignInAsync(email, "password-123"), user.GetProperty("id").GetGuid());
        }
    }
}

internal static class JsonRequests
{
    /// <summary>Sends JSON and reads the answer, failing with the server's ProblemDetails in the message.</summary>
    public static async Task<T> SendAsync<T>(this HttpClient client, HttpMethod method, string url, object? body)
    {
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{method} {url} answered {(int)response.StatusCode}: {text}");
        }
        return text.Length == 0 ? default! : JsonSerializer.Deserialize<T>(text, JsonSerializerOptions.Web)!;
    }
}
