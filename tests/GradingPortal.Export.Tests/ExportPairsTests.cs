using System.Text.Json.Nodes;

namespace GradingPortal.Export.Tests;

/// <summary>flavor=pairs: one line per valid model grade, beside the human reference of its solution.</summary>
[Collection(ExportCollection.Name)]
public sealed class ExportPairsTests(ExportFactory api) : IAsyncLifetime
{
    private Dataset _data = null!;
    private List<JsonObject> _pairs = null!;

    public async ValueTask InitializeAsync()
    {
        _data = await Dataset.CreateAsync(api);
        _pairs = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl("flavor=pairs"));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public void Pairs_OneLinePerValidModelGrade_InExportOrder()
    {
        var expected = new[] { (_data.A1, _data.ModelA1), (_data.A2, _data.ModelA2Run2), (_data.A2, _data.ModelA2Run3), (_data.A3, _data.ModelA3) }
            .OrderBy(p => _data.ExportOrder.ToList().IndexOf(p.Item1)).ThenBy(p => p.Item2, UuidOrder.Instance).ToList();
        _pairs.Select(p => ((Guid)p["solutionId"]!, (Guid)p["modelGradeId"]!)).ShouldBe(expected);
        _pairs.ShouldNotContain(p => (Guid)p["modelGradeId"]! == _data.ModelA1NeedsAttention);
    }

    [Fact]
    public void Pairs_AdjudicatedSolution_ComparesWithTheAdjudication()
    {
        var pair = _pairs.Single(p => (Guid)p["modelGradeId"]! == _data.ModelA1);
        ((int)pair["schemaVersion"]!).ShouldBe(2);
        ((Guid)pair["projectId"]!).ShouldBe(_data.ProjectId);
        ((string)pair["solutionExternalId"]!).ShouldBe("a1");
        ((string)pair["author"]!).ShouldBe("model-x");
        ((Guid)pair["problemId"]!).ShouldBe(_data.ProblemA);
        ((string)pair["problemExternalId"]!).ShouldBe("A");
        ((int)pair["maxPoints"]!).ShouldBe(7);
        ((string)pair["source"]!).ShouldBe("five-stage");
        ((string)pair["model"]!).ShouldBe("gpt-test-1");
        ((Guid)pair["runId"]!).ShouldBe(_data.Run1);
        ((Guid)pair["rubricId"]!).ShouldBe(_data.RubricA);
        ((decimal)pair["modelPoints"]!).ShouldBe(4m);
        ((decimal)pair["humanPoints"]!).ShouldBe(4.5m);
        ((string)pair["humanBasis"]!).ShouldBe("adjudication");
        ((decimal)pair["adjudicatedPoints"]!).ShouldBe(4.5m);
        ((string)pair["evidenceLevel"]!).ShouldBe("adjudicated");
        pair["humanGrades"]!.AsArray().Select(g => ((Guid)g!["graderId"]!, (decimal)g["points"]!, (bool)g["givenBlind"]!))
            .ShouldBe([(_data.Grader1, 5m, true), (_data.Grader2, 4m, true)]);
    }

    [Fact]
    public void Pairs_OtherEvidence_UsesTheMeanOrNothing()
    {
        foreach (var pair in _pairs.Where(p => (Guid)p["solutionId"]! == _data.A2))
        {
            ((decimal)pair["humanPoints"]!).ShouldBe(3m);
            ((string)pair["humanBasis"]!).ShouldBe("humanMean");
            pair["adjudicatedPoints"].ShouldBeNull();
        }
        var modelOnly = _pairs.Single(p => (Guid)p["solutionId"]! == _data.A3);
        modelOnly["humanPoints"].ShouldBeNull();
        ((string)modelOnly["humanBasis"]!).ShouldBe("none");
        modelOnly["runId"].ShouldBeNull();
        ((string)modelOnly["source"]!).ShouldBe("opc-judge");
    }

    [Fact]
    public async Task Pairs_RunIds_OnlyThoseRunsGrades()
    {
        var pairs = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl($"flavor=pairs&runIds={_data.Run3}"));
        pairs.Select(p => (Guid)p["modelGradeId"]!).ShouldBe([_data.ModelA2Run3]);
        var bySource = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl("flavor=pairs&sources=opc-judge"));
        bySource.Select(p => (Guid)p["modelGradeId"]!).ShouldBe([_data.ModelA3]);
    }

    [Fact]
    public async Task Pairs_ResumeInsideASolution_ContinuesWithItsNextGrade()
    {
        for (var i = 0; i < _pairs.Count; i++)
        {
            var rest = await _data.Adjudicator.ExportLinesAsync(
                _data.ExportUrl($"flavor=pairs&cursor={Uri.EscapeDataString((string)_pairs[i]["cursor"]!)}"));
            rest.Select(p => p.ToJsonString()).ShouldBe(_pairs.Skip(i + 1).Select(p => p.ToJsonString()), $"after pair {i}");
        }
        var limited = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl("flavor=pairs&limit=2"));
        limited.Select(p => p.ToJsonString()).ShouldBe(_pairs.Take(2).Select(p => p.ToJsonString()));
    }

    [Fact]
    public async Task Records_ResumedWithAPairsCursor_ContinueAfterThatSolution()
    {
        var pair = _pairs.First(p => (Guid)p["solutionId"]! == _data.A2);
        var records = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl($"cursor={Uri.EscapeDataString((string)pair["cursor"]!)}"));
        records.Select(r => (Guid)r["solution"]!["id"]!).ShouldBe(_data.ExportOrder.SkipWhile(id => id != _data.A2).Skip(1));
    }
}
