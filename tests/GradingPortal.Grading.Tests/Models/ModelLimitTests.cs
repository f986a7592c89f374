using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using GradingPortal.Testing.FakeOpenAi;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static GradingPortal.Grading.Tests.Models.ModelCalls;

namespace GradingPortal.Grading.Tests.Models;

/// <summary>Limits of a profile hold across Workers: two service providers stand for two Worker processes.</summary>
public sealed class ModelLimitTests(ModelDatabase database) : IClassFixture<ModelDatabase>, IAsyncLifetime
{
    private FakeOpenAiServer _fake = null!;
    private TestWorker _first = null!;
    private TestWorker _second = null!;

    public async ValueTask InitializeAsync()
    {
        _fake = await FakeOpenAiServer.StartAsync(latency: TimeSpan.FromMilliseconds(100));
        _fake.ScriptJson(ScoreSchemaName, _ => Score());
        _first = TestWorker.Start(database.ConnectionString);
        _second = TestWorker.Start(database.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _fake.DisposeAsync();
    }

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Calls_TwoWorkersHammeringOneProfile_NeverExceedItsConcurrency()
    {
        var profile = await CreateProfileAsync(_first.Services, _fake.BaseUrl, maxConcurrency: 3);

        var calls = Enumerable.Range(0, 15).SelectMany(_ => new[]
        {
            _first.Caller.CallAsync(profile, Request(), Ct),
            _second.Caller.CallAsync(profile, Request(), Ct),
        });
        var results = await Task.WhenAll(calls);

        results.ShouldAllBe(r => r.Status == StageCallStatus.Succeeded);
        _fake.Stats.Completions.ShouldBe(30);
        _fake.Stats.MaxInFlight.ShouldBeLessThanOrEqualTo(3);
        _fake.Stats.MaxInFlight.ShouldBeGreaterThan(1);
    }

    [Fact]
    public async Task Calls_SlotsHeldByAKilledProcess_AreFreedWhenItsConnectionDrops()
    {
        var profile = await CreateProfileAsync(_first.Services, _fake.BaseUrl, maxConcurrency: 1);
        // A Worker that died holding the only slot: its session's advisory lock is gone once the session ends.
        await using (var dead = new Npgsql.NpgsqlConnection(database.ConnectionString))
        {
            await dead.OpenAsync(Ct);
            await using var hold = new Npgsql.NpgsqlCommand(
                $"SELECT pg_advisory_lock({GradingPortal.Worker.Models.ModelLimiter.LockKey(profile.Id)}, 0)", dead);
            await hold.ExecuteNonQueryAsync(Ct);
            var waiting = _first.Caller.CallAsync(profile, Request(), Ct);
            await Task.Delay(300, Ct);
            _fake.Stats.Requests.ShouldBe(0);
            await dead.CloseAsync();
            Npgsql.NpgsqlConnection.ClearPool(dead);
            (await waiting).Status.ShouldBe(StageCallStatus.Succeeded);
        }
        _fake.Stats.Completions.ShouldBe(1);
    }

    [Fact]
    public async Task Calls_RequestsPerMinuteReached_WaitUntilTheWindowHasRoomAcrossWorkers()
    {
        var profile = await CreateProfileAsync(_first.Services, _fake.BaseUrl, maxConcurrency: 10, requestsPerMinute: 3);
        // The window is full: three starts 58 s ago, so the next three may start 2 s from now at the earliest.
        DateTimeOffset filledAt;
        await using (var scope = _first.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
            filledAt = await db.Database.SqlQuery<DateTimeOffset>($"""
                INSERT INTO model_request_starts (model_profile_id, at)
                SELECT {profile.Id}, clock_timestamp() - interval '58 seconds' FROM generate_series(1, 3)
                RETURNING at AS "Value"
                """).ToListAsync(Ct).ContinueWith(t => t.Result.Max(), TaskScheduler.Default);
        }

        var results = await Task.WhenAll(
            _first.Caller.CallAsync(profile, Request(), Ct),
            _first.Caller.CallAsync(profile, Request(), Ct),
            _second.Caller.CallAsync(profile, Request(), Ct));

        results.ShouldAllBe(r => r.Status == StageCallStatus.Succeeded);
        _fake.Stats.Completions.ShouldBe(3);
        await using (var scope = _first.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
            var starts = await db.ModelRequestStarts.Where(s => s.ModelProfileId == profile.Id && s.At > filledAt)
                .OrderBy(s => s.At).Select(s => s.At).ToListAsync(Ct);
            // Every new start (the database's clock) waited for the old ones to leave the window.
            starts.Count.ShouldBe(3);
            starts.ShouldAllBe(at => at >= filledAt + TimeSpan.FromSeconds(60));
        }
    }
}
