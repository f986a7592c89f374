using System.Net;
using System.Text.Json.Nodes;

namespace GradingPortal.Export.Tests;

/// <summary>The records flavor: one JSON Lines record per solution with everything hanging off it.</summary>
[Collection(ExportCollection.Name)]
public sealed class ExportRecordTests(ExportFactory api) : IAsyncLifetime
{
    private Dataset _data = null!;
    private List<JsonObject> _lines = null!;

    public async ValueTask InitializeAsync()
    {
        _data = await Dataset.CreateAsync(api);
        _lines = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl());
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private JsonObject Line(Guid solutionId) => _lines.Single(l => (Guid)l["solution"]!["id"]! == solutionId);

    [Fact]
    public void Export_WholeProject_OneRecordPerSolutionInProblemThenSolutionIdOrder()
    {
        _lines.Select(l => (Guid)l["solution"]!["id"]!).ShouldBe(_data.ExportOrder);
        _lines.ShouldAllBe(l => (int)l["schemaVersion"]! == 2 && (Guid)l["projectId"]! == _data.ProjectId);
        _lines.Select(l => (string)l["cursor"]!).Distinct().Count().ShouldBe(6);
    }

    [Fact]
    public async Task Export_Response_IsAnAttachmentNamedAfterTheProject()
    {
        var response = await _data.Adjudicator.GetAsync(_data.ExportUrl());
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var disposition = response.Content.Headers.ContentDisposition!;
        disposition.DispositionType.ShouldBe("attachment");
        disposition.FileName!.Trim('"').ShouldMatch(@"^export-test-\d{8}T\d{6}Z\.jsonl$");
        response.Headers.CacheControl!.NoStore.ShouldBeTrue();
        response.Headers.GetValues("X-Export-Schema-Version").ShouldBe(["2"]);
    }

    [Fact]
    public void Export_AdjudicatedSolution_CarriesSolutionProblemRubricGradesAndAnnotations()
    {
        var line = Line(_data.A1);
        ((string)line["evidenceLevel"]!).ShouldBe("adjudicated");
        JsonNode.DeepEquals(line["humanReference"], JsonNode.Parse("""{"points":4.5,"basis":"adjudication","humanGradeCount":2}""")).ShouldBeTrue();

        var solution = line["solution"]!.AsObject();
        ((string)solution["text"]!).ShouldBe(Dataset.A1Text);
        ((string)solution["externalId"]!).ShouldBe("a1");
        ((string)solution["author"]!).ShouldBe("model-x");
        solution["importId"].ShouldBeNull();
        ((DateTimeOffset)solution["updatedAt"]!).ShouldBeGreaterThanOrEqualTo((DateTimeOffset)solution["createdAt"]!);

        var problem = line["problem"]!.AsObject();
        ((Guid)problem["id"]!).ShouldBe(_data.ProblemA);
        ((string)problem["externalId"]!).ShouldBe("A");
        ((string)problem["title"]!).ShouldBe("Problem A");
        ((string)problem["statement"]!).ShouldBe("Show that $x + 1/x \\ge 2$ for $x > 0$.");
        ((int)problem["maxPoints"]!).ShouldBe(7);
        ((string)problem["source"]!).ShouldBe("Test olympiad 2026");
        ((string)problem["markingScheme"]!).ShouldBe("Official: 3 for AM-GM, 4 for the equality case.");
        JsonNode.DeepEquals(problem["references"], JsonNode.Parse("""
            [{"ordinal":0,"text":"By AM-GM.","source":"official"},{"ordinal":1,"text":"Square $(\\sqrt{x} - 1/\\sqrt{x})^2 \\ge 0$.","source":"alt"}]
            """)).ShouldBeTrue(problem["references"]!.ToJsonString());

        var rubric = line["rubrics"]!.AsArray().Single()!.AsObject();
        ((Guid)rubric["id"]!).ShouldBe(_data.RubricA);
        ((int)rubric["version"]!).ShouldBe(1);
        ((string)rubric["origin"]!).ShouldBe("official");
        ((string)rubric["status"]!).ShouldBe("approved");
        ((string)rubric["zeroCredit"]!).ShouldBe("Restating the problem");
        rubric["items"]!.AsArray().Select(i => ((Guid)i!["id"]!, (string)i["title"]!, (decimal)i["points"]!, (int)i["ordinal"]!))
            .ShouldBe([(_data.RubricItemsA[0], "AM-GM", 3m, 0), (_data.RubricItemsA[1], "Equality", 4m, 1)]);

        var human = line["humanGrades"]!.AsArray().Select(g => g!.AsObject()).ToList();
        human.Select(g => ((Guid)g["graderId"]!, (string)g["graderName"]!, (decimal)g["points"]!, (bool)g["givenBlind"]!))
            .ShouldBe([(_data.Grader1, "Grader One", 5m, true), (_data.Grader2, "Grader Two", 4m, true)]);
        ((Guid)human[0]["rubricId"]!).ShouldBe(_data.RubricA);
        JsonNode.DeepEquals(human[0]["items"], JsonNode.Parse($$"""
            [{"rubricItemId":"{{_data.RubricItemsA[0]}}","points":3,"comment":"clean"},{"rubricItemId":"{{_data.RubricItemsA[1]}}","points":2,"comment":"partial"}]
            """)).ShouldBeTrue(human[0]["items"]!.ToJsonString());
        ((string)human[0]["comment"]!).ShouldBe("Good start");
        human[1]["rubricId"].ShouldBeNull();
        human[1]["items"]!.AsArray().ShouldBeEmpty();

        var adjudication = line["adjudication"]!.AsObject();
        ((decimal)adjudication["points"]!).ShouldBe(4.5m);
        ((string)adjudication["rationale"]!).ShouldBe("Between the two graders");
        ((Guid)adjudication["adjudicatorId"]!).ShouldBe(_data.AdjudicatorId);
        ((string)adjudication["adjudicatorName"]!).ShouldBe("Ada Judge");
        adjudication["basedOn"]!.AsArray().Select(b => ((string)b!["kind"]!, (Guid)b["gradeId"]!)).OrderBy(b => b.Item2)
            .ShouldBe(human.Select(g => ("human", (Guid)g["id"]!)).OrderBy(b => b.Item2));

        var annotation = line["annotations"]!.AsArray().Single()!.AsObject();
        var start = Dataset.A1Text.IndexOf("x > 0", StringComparison.Ordinal);
        ((int)annotation["start"]!).ShouldBe(start);
        ((int)annotation["end"]!).ShouldBe(start + 5);
        ((string)annotation["quote"]!).ShouldBe("x > 0");
        ((string)annotation["errorType"]!).ShouldBe("proposal-without-verification");
        ((string)annotation["severity"]!).ShouldBe("major");
        ((string)annotation["comment"]!).ShouldBe("Why positive?");
        ((string)annotation["origin"]!).ShouldBe("human");
        ((string)annotation["review"]!).ShouldBe("accepted");
        ((Guid)annotation["authorId"]!).ShouldBe(_data.Grader1);
        ((string)annotation["authorName"]!).ShouldBe("Grader One");
    }

    [Fact]
    public void Export_ModelGrades_CarryProvenancePromptsItemsAndLocatedFindings()
    {
        var grades = Line(_data.A1)["modelGrades"]!.AsArray().Select(g => g!.AsObject()).ToList();
        grades.Select(g => (Guid)g["id"]!).ShouldBe(new[] { _data.ModelA1, _data.ModelA1NeedsAttention }.Order(UuidOrder.Instance));

        var valid = grades.Single(g => (Guid)g["id"]! == _data.ModelA1);
        ((string)valid["source"]!).ShouldBe("five-stage");
        ((string)valid["model"]!).ShouldBe("gpt-test-1");
        ((Guid)valid["runId"]!).ShouldBe(_data.Run1);
        ((Guid)valid["rubricId"]!).ShouldBe(_data.RubricA);
        ((decimal)valid["points"]!).ShouldBe(4m);
        ((int)valid["maxPoints"]!).ShouldBe(7);
        ((string)valid["status"]!).ShouldBe("valid");
        ((string)valid["summary"]!).ShouldBe("Mostly right");
        ((string)valid["rationale"]!).ShouldBe("Equality case missing");
        ((string)valid["rawOutput"]!).ShouldBe("{\"total\": 4}");
        JsonNode.DeepEquals(valid["prompts"], JsonNode.Parse("""
            [{"name":"grade","version":"2","sha256":"ab12"},{"name":"rubric","version":"v1","sha256":"cd34"}]
            """)).ShouldBeTrue(valid["prompts"]!.ToJsonString());
        ((int)valid["provenance"]!["temperature"]!).ShouldBe(0);
        valid["items"]!.AsArray().Select(i => ((Guid?)i!["rubricItemId"], (string)i["title"]!, (decimal)i["points"]!, (decimal?)i["maxPoints"], (string)i["reason"]!))
            .ShouldBe([(_data.RubricItemsA[0], "AM-GM", 3m, 3m, "Correct use"), (_data.RubricItemsA[1], "Equality", 1m, 4m, "Only stated")]);

        var findings = valid["findings"]!.AsArray().Select(f => f!.AsObject()).ToList();
        findings.Count.ShouldBe(2);
        var located = findings[0];
        var claimStart = Dataset.A1Text.IndexOf(Dataset.QuotedClaim, StringComparison.Ordinal);
        ((string)located["errorType"]!).ShouldBe("begging-the-question");
        ((string)located["category"]!).ShouldBe("Begging the question");
        ((string)located["severity"]!).ShouldBe("major");
        ((int)located["start"]!).ShouldBe(claimStart);
        ((int)located["end"]!).ShouldBe(claimStart + Dataset.QuotedClaim.Length);
        ((string)located["spanMatch"]!).ShouldBe("verifiedOffsets");
        ((double)located["spanConfidence"]!).ShouldBe(1.0);
        ((int)located["claimedStart"]!).ShouldBe(claimStart);
        ((string)located["review"]!).ShouldBe("proposed");
        Dataset.A1Text[(int)located["start"]!..(int)located["end"]!].ShouldBe((string)located["quote"]!);
        var unplaced = findings[1];
        unplaced["start"].ShouldBeNull();
        unplaced["errorType"].ShouldBeNull();
        ((string)unplaced["spanMatch"]!).ShouldBe("none");

        var failed = grades.Single(g => (Guid)g["id"]! == _data.ModelA1NeedsAttention);
        ((string)failed["status"]!).ShouldBe("needsAttention");
        failed["points"].ShouldBeNull();
        ((string)failed["statusReason"]!).ShouldBe("Output was not JSON");
        failed["prompts"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public void Export_EvidenceLevelsAndHumanReference_FollowTheDocumentedRules()
    {
        var levels = _lines.ToDictionary(l => (Guid)l["solution"]!["id"]!, l => ((string)l["evidenceLevel"]!, l["humanReference"]!.ToJsonString()));
        levels[_data.A1].Item1.ShouldBe("adjudicated");
        levels[_data.A2].ShouldBe(("oneHuman", """{"points":3,"basis":"humanMean","humanGradeCount":1}"""));
        levels[_data.A3].ShouldBe(("modelOnly", """{"points":null,"basis":"none","humanGradeCount":0}"""));
        levels[_data.A4].ShouldBe(("none", """{"points":null,"basis":"none","humanGradeCount":0}"""));
        levels[_data.B1].ShouldBe(("twoHumans", """{"points":6.5,"basis":"humanMean","humanGradeCount":2}"""));
        levels[_data.B2].Item1.ShouldBe("none");
    }

    [Fact]
    public void Export_RubricsOfAProblemWithoutRubric_IsEmpty()
    {
        Line(_data.B1)["rubrics"]!.AsArray().ShouldBeEmpty();
        // A solution with no grades still names the problem's approved rubric.
        Line(_data.A4)["rubrics"]!.AsArray().Select(r => (Guid)r!["id"]!).ShouldBe([_data.RubricA]);
    }

    [Fact]
    public async Task SolutionExport_OneSolution_EqualsItsLineOfTheProjectExport()
    {
        foreach (var id in new[] { _data.A1, _data.B2 })
        {
            var response = await _data.Adjudicator.GetAsync($"/api/solutions/{id}/export");
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            response.Content.Headers.ContentDisposition!.FileName!.Trim('"').ShouldBe($"solution-{id}.json");
            var record = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            JsonNode.DeepEquals(record, Line(id)).ShouldBeTrue();
        }
    }

    [Fact]
    public async Task Export_DeletedProblem_LeavesItsSolutionsOut()
    {
        var data = await Dataset.CreateAsync(api, "Deleted problem");
        (await data.Admin.DeleteAsync($"/api/problems/{data.ProblemB}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var lines = await data.Adjudicator.ExportLinesAsync(data.ExportUrl());
        lines.Select(l => (Guid)l["problem"]!["id"]!).Distinct().ShouldBe([data.ProblemA]);
        (await data.Adjudicator.GetAsync($"/api/solutions/{data.B1}/export")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Export_EmptyProject_IsAnEmptyBody()
    {
        var admin = await api.AdminAsync();
        var project = await admin.PostJsonAsync("/api/projects", new { name = "Empty" });
        var lines = await admin.ExportLinesAsync($"/api/projects/{project.GetProperty("id").GetGuid()}/export");
        lines.ShouldBeEmpty();
    }
}
