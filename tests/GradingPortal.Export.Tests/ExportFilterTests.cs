using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GradingPortal.Export.Tests;

/// <summary>Filters: problems, runs, sources, evidence level, updated since; bad values are 400s naming the field.</summary>
[Collection(ExportCollection.Name)]
public sealed class ExportFilterTests(ExportFactory api) : IAsyncLifetime
{
    private Dataset _data = null!;

    public async ValueTask InitializeAsync() => _data = await Dataset.CreateAsync(api);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<List<Guid>> SolutionsAsync(string query) =>
        (await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl(query))).Select(l => (Guid)l["solution"]!["id"]!).ToList();

    private List<Guid> InOrder(params Guid[] ids) => [.. _data.ExportOrder.Where(ids.Contains)];

    [Fact]
    public async Task Export_ProblemIds_CommaListOrRepeated()
    {
        (await SolutionsAsync($"problemIds={_data.ProblemB}")).ShouldBe(InOrder(_data.B1, _data.B2));
        var all = InOrder(_data.A1, _data.A2, _data.A3, _data.A4, _data.B1, _data.B2);
        (await SolutionsAsync($"problemIds={_data.ProblemA},{_data.ProblemB}")).ShouldBe(all);
        (await SolutionsAsync($"problemIds={_data.ProblemA}&problemIds={_data.ProblemB}")).ShouldBe(all);
    }

    [Fact]
    public async Task Export_RunIds_SolutionsWithAGradeFromThoseRuns()
    {
        (await SolutionsAsync($"runIds={_data.Run1}")).ShouldBe([_data.A1]);
        (await SolutionsAsync($"runIds={_data.Run2},{_data.Run1}")).ShouldBe(InOrder(_data.A1, _data.A2));
        (await SolutionsAsync($"runIds={Guid.NewGuid()}")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Export_Sources_SolutionsWithAGradeFromThatSource()
    {
        (await SolutionsAsync("sources=opc-judge")).ShouldBe([_data.A3]);
        (await SolutionsAsync($"sources=five-stage&runIds={_data.Run3}")).ShouldBe([_data.A2]);
    }

    [Fact]
    public async Task Export_Evidence_SelectsByLevel()
    {
        (await SolutionsAsync("evidence=adjudicated")).ShouldBe([_data.A1]);
        (await SolutionsAsync("evidence=modelOnly")).ShouldBe([_data.A3]);
        (await SolutionsAsync("evidence=oneHuman,twoHumans")).ShouldBe(InOrder(_data.A2, _data.B1));
        (await SolutionsAsync("evidence=none")).ShouldBe(InOrder(_data.A4, _data.B2));
        (await SolutionsAsync("evidence=TwoHumans&evidence=adjudicated")).ShouldBe(InOrder(_data.A1, _data.B1));
    }

    [Fact]
    public async Task Export_EvidenceFilter_AgreesWithEveryRecordsEvidenceLevel()
    {
        // The filter is SQL, the level is Domain's Evidence.Level: they must not drift apart.
        var all = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl());
        foreach (var level in new[] { "none", "modelOnly", "oneHuman", "twoHumans", "adjudicated" })
        {
            var expected = all.Where(l => (string)l["evidenceLevel"]! == level).Select(l => (Guid)l["solution"]!["id"]!).ToList();
            (await SolutionsAsync($"evidence={level}")).ShouldBe(expected, level);
        }
    }

    [Fact]
    public async Task Export_FiltersCombine()
    {
        (await SolutionsAsync($"problemIds={_data.ProblemA}&evidence=none")).ShouldBe([_data.A4]);
        (await SolutionsAsync($"problemIds={_data.ProblemB}&runIds={_data.Run1}")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Export_UpdatedSince_OnlyRecordsChangedAtOrAfter()
    {
        var data = await Dataset.CreateAsync(api, "Updated since");
        var lines = await data.Adjudicator.ExportLinesAsync(data.ExportUrl());
        var latest = lines.Max(l => (DateTimeOffset)l["solution"]!["updatedAt"]!);
        await Task.Delay(20);
        var since = DateTimeOffset.UtcNow;
        await data.GraderClient.PostJsonAsync($"/api/solutions/{data.A4}/human-grades", new { points = 1m });

        var changed = await data.Adjudicator.ExportLinesAsync(data.ExportUrl($"updatedSince={Uri.EscapeDataString(since.ToString("O"))}"));
        changed.Select(l => (Guid)l["solution"]!["id"]!).ShouldBe([data.A4]);
        ((string)changed[0]["evidenceLevel"]!).ShouldBe("oneHuman");
        // At-or-after: the newest timestamp of the first export is included again.
        var boundary = await data.Adjudicator.ExportLinesAsync(data.ExportUrl($"updatedSince={Uri.EscapeDataString(latest.ToString("O"))}"));
        boundary.Count.ShouldBeGreaterThanOrEqualTo(2);
        boundary.Select(l => (Guid)l["solution"]!["id"]!).ShouldContain(data.A4);
    }

    [Theory]
    [InlineData("format=xml", "format")]
    [InlineData("flavor=everything", "flavor")]
    [InlineData("problemIds=not-an-id", "problemIds")]
    [InlineData("runIds=1,2", "runIds")]
    [InlineData("evidence=threeHumans", "evidence")]
    [InlineData("updatedSince=yesterday", "updatedSince")]
    [InlineData("cursor=bm90LWEtY3Vyc29y", "cursor")]
    [InlineData("limit=0", "limit")]
    public async Task Export_BadParameter_400NamingTheField(string query, string field)
    {
        var response = await _data.Adjudicator.GetAsync(_data.ExportUrl(query));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        problem["errors"]![field].ShouldNotBeNull(problem.ToJsonString());
    }

    [Fact]
    public async Task Export_ProblemOfAnotherProject_400()
    {
        var other = await Dataset.CreateAsync(api, "Other project");
        var response = await _data.Adjudicator.GetAsync(_data.ExportUrl($"problemIds={other.ProblemA}"));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("errors").GetProperty("problemIds")[0].GetString()!.ShouldContain(other.ProblemA.ToString());
    }

    [Fact]
    public async Task Export_Limit_StopsAfterThatManyLines()
    {
        (await SolutionsAsync("limit=4")).ShouldBe(_data.ExportOrder.Take(4).ToList());
        (await SolutionsAsync("limit=1")).ShouldBe(_data.ExportOrder.Take(1).ToList());
    }
}
