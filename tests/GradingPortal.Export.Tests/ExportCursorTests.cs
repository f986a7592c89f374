using System.Net;
using System.Text.Json.Nodes;

namespace GradingPortal.Export.Tests;

/// <summary>Resuming: every line's cursor continues right after it; pieces add up to the whole, without duplicates.</summary>
[Collection(ExportCollection.Name)]
public sealed class ExportCursorTests(ExportFactory api) : IAsyncLifetime
{
    private Dataset _data = null!;
    private List<JsonObject> _full = null!;

    public async ValueTask InitializeAsync()
    {
        _data = await Dataset.CreateAsync(api);
        _full = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl());
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string Cursor(JsonObject line) => Uri.EscapeDataString((string)line["cursor"]!);

    [Fact]
    public async Task Resume_FromEveryLine_ReturnsExactlyTheRest()
    {
        for (var i = 0; i < _full.Count; i++)
        {
            var rest = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl($"cursor={Cursor(_full[i])}"));
            rest.Select(l => l.ToJsonString()).ShouldBe(_full.Skip(i + 1).Select(l => l.ToJsonString()), $"resuming after line {i}");
        }
    }

    [Fact]
    public async Task Resume_InPiecesOfTwo_UnionIsTheFullExportWithoutDuplicates()
    {
        var pieces = new List<JsonObject>();
        string? cursor = null;
        for (var round = 0; round < 10; round++)
        {
            var piece = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl("limit=2" + (cursor is null ? "" : $"&cursor={cursor}")));
            if (piece.Count == 0)
            {
                break;
            }
            pieces.AddRange(piece);
            cursor = Cursor(piece[^1]);
        }
        pieces.Select(l => l.ToJsonString()).ShouldBe(_full.Select(l => l.ToJsonString()));
    }

    [Fact]
    public async Task Resume_AfterABrokenDownload_UnionIsTheFullExport()
    {
        // Read a few lines of a streaming response, then drop the connection like a failing client would.
        var received = new List<JsonObject>();
        using (var request = new HttpRequestMessage(HttpMethod.Get, _data.ExportUrl()))
        using (var response = await _data.Adjudicator.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            await using var body = await response.Content.ReadAsStreamAsync();
            using var reader = new StreamReader(body);
            while (received.Count < 4 && await reader.ReadLineAsync() is { } line)
            {
                received.Add(JsonNode.Parse(line)!.AsObject());
            }
        }
        received.Count.ShouldBe(4);
        var rest = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl($"cursor={Cursor(received[^1])}"));
        received.Concat(rest).Select(l => (Guid)l["solution"]!["id"]!).ShouldBe(_data.ExportOrder);
    }

    [Fact]
    public async Task Resume_WhileDataChanges_NoDuplicatesAndChangesAfterTheCursorShow()
    {
        var data = await Dataset.CreateAsync(api, "Changing");
        var first = await data.Adjudicator.ExportLinesAsync(data.ExportUrl("limit=3"));
        var exported = first.Select(l => (Guid)l["solution"]!["id"]!).ToList();
        var pending = data.ExportOrder.Skip(3).ToList();

        // Change a record already downloaded and one still to come, and add a solution to the last problem.
        await data.Adjudicator.PostJsonAsync($"/api/solutions/{exported[0]}/annotations",
            new { start = 0, end = 8, quote = "Solution", errorType = "calculation-mistake", severity = "minor", comment = "late" });
        await data.Adjudicator.PostJsonAsync($"/api/solutions/{pending[^1]}/annotations",
            new { start = 0, end = 8, quote = "Solution", errorType = "calculation-mistake", severity = "minor", comment = "late" });
        var lastProblem = new[] { data.ProblemA, data.ProblemB }.Max(UuidOrder.Instance);
        var added = (await data.Admin.PostJsonAsync($"/api/problems/{lastProblem}/solutions", new { text = "Solution added mid-download" }))
            .GetProperty("id").GetGuid();

        var rest = await data.Adjudicator.ExportLinesAsync(data.ExportUrl($"cursor={Cursor(first[^1])}"));
        var restIds = rest.Select(l => (Guid)l["solution"]!["id"]!).ToList();
        restIds.ShouldBe([.. pending, added]);
        restIds.Intersect(exported).ShouldBeEmpty();
        rest.Single(l => (Guid)l["solution"]!["id"]! == pending[^1])["annotations"]!.AsArray().Count.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Resume_CursorOfADeletedProblem_ContinuesWithTheNextProblem()
    {
        var data = await Dataset.CreateAsync(api, "Deleted mid-download");
        var lines = await data.Adjudicator.ExportLinesAsync(data.ExportUrl());
        var firstProblem = (Guid)lines[0]["problem"]!["id"]!;
        (await data.Admin.DeleteAsync($"/api/problems/{firstProblem}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var rest = await data.Adjudicator.ExportLinesAsync(data.ExportUrl($"cursor={Cursor(lines[0])}"));
        rest.Select(l => (Guid)l["solution"]!["id"]!).ShouldBe(lines.Where(l => (Guid)l["problem"]!["id"]! != firstProblem)
            .Select(l => (Guid)l["solution"]!["id"]!));
    }

    [Fact]
    public async Task Resume_WithFilters_KeepsFiltering()
    {
        var filtered = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl("evidence=none,oneHuman"));
        filtered.Count.ShouldBe(3);
        var rest = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl($"evidence=none,oneHuman&cursor={Cursor(filtered[0])}"));
        rest.Select(l => l.ToJsonString()).ShouldBe(filtered.Skip(1).Select(l => l.ToJsonString()));
    }
}
