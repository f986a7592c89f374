using System.Text.Json;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Models;
using GradingPortal.Testing.FakeOpenAi;
using static GradingPortal.Grading.Tests.Models.ModelCalls;

namespace GradingPortal.Grading.Tests.Models;

public sealed class ModelCallerTests(ModelDatabase database) : IClassFixture<ModelDatabase>, IAsyncLifetime
{
    private FakeOpenAiServer _fake = null!;
    private TestWorker _worker = null!;

    public async ValueTask InitializeAsync()
    {
        _fake = await FakeOpenAiServer.StartAsync();
        _fake.ScriptJson(ScoreSchemaName, _ => Score());
        _worker = TestWorker.Start(database.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await _worker.DisposeAsync();
        await _fake.DisposeAsync();
    }

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Call_ScriptedAnswer_SucceedsWithTokensCostAndLatencyRecorded()
    {
        var profile = await CreateProfileAsync(_worker.Services, _fake.BaseUrl);
        var request = Request();

        var result = await _worker.Caller.CallAsync(profile, request, Ct);

        result.Status.ShouldBe(StageCallStatus.Succeeded);
        result.Reused.ShouldBeFalse();
        result.Output!.Value.GetProperty("score").GetInt32().ShouldBe(5);
        var sent = _fake.Requests.ShouldHaveSingleItem();
        sent.ResponseFormatType.ShouldBe("json_schema");
        sent.SchemaName.ShouldBe(ScoreSchemaName);
        sent.Strict.ShouldBe(true);
        sent.Model.ShouldBe("fake-model");
        sent.Temperature!.Value.ShouldBe(0.2, 1e-6);
        sent.MaxTokens.ShouldBe(2000);
        sent.ReasoningEffort.ShouldBe("low");
        sent.Messages.Select(m => m.Role).ShouldBe(["system", "user", "user"]);

        var row = (await AttemptsAsync(_worker.Services, request.CallKey)).ShouldHaveSingleItem();
        row.Id.ShouldBe(result.StageCallId);
        row.Attempt.ShouldBe(1);
        row.Status.ShouldBe(StageCallStatus.Succeeded);
        row.FinishReason.ShouldBe("stop");
        row.InputTokens.ShouldBeGreaterThan(0);
        row.OutputTokens.ShouldBeGreaterThan(0);
        row.LatencyMs.ShouldBeGreaterThanOrEqualTo(0);
        row.Cost.ShouldBe(profile.Prices.CostOf(row.InputTokens, row.CachedInputTokens, row.OutputTokens));
        row.Cost.ShouldBeGreaterThan(0m);
        row.FinishedAt.ShouldNotBeNull();
        row.ModelProfileId.ShouldBe(profile.Id);
        row.PromptName.ShouldBe("grade-test.v1");
        JsonDocument.Parse(row.Parsed!).RootElement.GetProperty("reason").GetString().ShouldBe("the key step is proved");
        using var recorded = JsonDocument.Parse(row.RequestMessages);
        recorded.RootElement.GetProperty("messages").GetArrayLength().ShouldBe(3);
        recorded.RootElement.GetProperty("responseFormat").GetProperty("type").GetString().ShouldBe("json_schema");
        JsonDocument.Parse(row.ProfileSnapshot).RootElement.GetProperty("model").GetString().ShouldBe("fake-model");
    }
}
