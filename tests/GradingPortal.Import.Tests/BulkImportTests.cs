using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Problems;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Solutions;
using GradingPortal.Testing;
using GradingPortal.Worker.Imports;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GradingPortal.Import.Tests;

/// <summary>
/// The fast path of solution imports (binary COPY, pipelined reading): it writes what EF would have written, and a Worker
/// killed in the middle of a large file leaves an import that another Worker finishes with every record exactly once.
/// </summary>
[Collection(ImportCollection.Name)]
public sealed class BulkImportTests(ImportFixture fixture)
{
    [Fact]
    public async Task BulkSolutionWriter_NewSolution_WritesTheSameAuditEventAsEf()
    {
        var connectionString = await TestDatabase.CreateAsync("bulk-audit");
        var clock = new FixedClock(new DateTimeOffset(2026, 3, 14, 15, 9, 26, TimeSpan.Zero));
        var actor = new AuditActor(Guid.NewGuid(), "Ada Lovelace (import solutions.jsonl)");
        var now = clock.GetUtcNow();
        Guid projectId, problemId;
        await using (var setup = NewContext(connectionString, clock))
        {
            var project = Project.Create("Audit parity", null, 7, false, false, false, null, now);
            var problem = Problem.Create(project.Id, "Odd squares", "Show that odd squares are odd.", 7, null, "p1", null, [], now);
            setup.AddRange(project, problem);
            await setup.SaveChangesAsync(TestContext.Current.CancellationToken);
            (projectId, problemId) = (project.Id, problem.Id);
        }
        var importId = Guid.NewGuid();
        Solution NewSolution() => Solution.Create(projectId, problemId, "Let $n = 2k + 1$; then $n^2 = 4k(k + 1) + 1$ is odd. ∎", " model-a ",
            " s1 ", now, importId);

        // EF: the DbContext writes the event when it saves the added solution. Rolled back, so the same entity can go again.
        var solution = NewSolution();
        AuditRow viaEf;
        await using (var db = NewContext(connectionString, clock))
        {
            db.ActorOverride = actor;
            await using var transaction = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken);
            db.Solutions.Add(solution);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            viaEf = await ReadAuditAsync((NpgsqlConnection)db.Database.GetDbConnection(), solution.Id);
            await transaction.RollbackAsync(TestContext.Current.CancellationToken);
        }

        // COPY: the events the import job builds for the solutions it collected, written beside them.
        AuditRow viaCopy;
        await using (var db = NewContext(connectionString, clock))
        {
            db.ActorOverride = actor;
            var events = BulkSolutionWriter.CreationEvents([solution], db.CurrentActor, clock.GetUtcNow());
            await using var transaction = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken);
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await BulkSolutionWriter.WriteAsync(connection, [solution], events, TestContext.Current.CancellationToken);
            viaCopy = await ReadAuditAsync(connection, solution.Id);
            await transaction.CommitAsync(TestContext.Current.CancellationToken);
        }

        viaCopy.ShouldBe(viaEf);
        (viaCopy.EntityType, viaCopy.Action, viaCopy.ActorId, viaCopy.ActorName).ShouldBe(("solution", "created", actor.UserId, actor.Name));
        (viaCopy.ProjectId, viaCopy.SolutionId, viaCopy.EntityId, viaCopy.At).ShouldBe((projectId, solution.Id, solution.Id, now));
        using var snapshot = JsonDocument.Parse(viaCopy.Data);
        snapshot.RootElement.GetProperty("externalId").GetString().ShouldBe("s1");
        snapshot.RootElement.GetProperty("author").GetString().ShouldBe("model-a");
        snapshot.RootElement.GetProperty("textLength").GetInt32().ShouldBe(solution.Text.Length);
        snapshot.RootElement.GetProperty("importId").GetGuid().ShouldBe(importId);
    }

    [Fact]
    public async Task Import_WorkerKilledMidFile_AnotherWorkerFinishesItWithEveryRecordOnce()
    {
        const int count = 40_000;
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "Killed Worker");
        var file = new StringBuilder();
        file.Append(JsonSerializer.Serialize(new { kind = "problem", externalId = "p1", title = "Odd squares", statement = "Show that odd squares are odd." },
            JsonSerializerOptions.Web)).Append('\n');
        var body = string.Concat(Enumerable.Repeat("Write n = 2k + 1, square it, and read off the parity. ", 18));
        for (var i = 0; i < count; i++)
        {
            file.Append(JsonSerializer.Serialize(new { kind = "solution", problemExternalId = "p1", externalId = $"s{i:D6}", author = $"model-{i % 5}",
                text = $"Attempt {i}. {body}" }, JsonSerializerOptions.Web)).Append('\n');
        }
        var queued = await Imports.UploadAsync(admin, projectId, "jsonl", Encoding.UTF8.GetBytes(file.ToString()), "many.jsonl", multipart: false);

        // Kill the Worker as soon as the import has saved some batches but not all of them.
        var watch = Stopwatch.StartNew();
        ImportView seen;
        while (true)
        {
            seen = (await admin.GetFromJsonAsync<ImportView>($"/api/imports/{queued.Id}", TestContext.Current.CancellationToken))!;
            if (seen.ProcessedRecords > 0 || seen.Status is "succeeded" or "failed" || watch.Elapsed > TimeSpan.FromMinutes(2))
            {
                break;
            }
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
        await fixture.KillWorkerAndStartAnotherAsync();
        seen.Status.ShouldBe("running", $"The import should be mid-file when the Worker is killed: {seen}");
        seen.ProcessedRecords.ShouldBeInRange(1, count, seen.ToString());

        var done = await Imports.WaitAsync(admin, queued.Id, fixture, TimeSpan.FromMinutes(4));

        done.Status.ShouldBe("succeeded", $"{done}\n{fixture.WorkerLog}");
        (done.ProcessedRecords, done.Created, done.Updated, done.Skipped, done.Failed).ShouldBe((count + 1, count + 1, 0, 0, 0), done.ToString());
        done.Attempts.ShouldBeGreaterThanOrEqualTo(2);
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        (await CountAsync(connection, "SELECT count(*), count(DISTINCT external_id) FROM solutions WHERE project_id = $1", projectId))
            .ShouldBe((count, count));
        (await CountAsync(connection, "SELECT count(*), count(DISTINCT entity_id) FROM audit_events WHERE project_id = $1 AND entity_type = 'solution'",
            projectId)).ShouldBe((count, count));
        (await CountAsync(connection, "SELECT count(*), count(*) FROM import_chunks WHERE import_id = $1", queued.Id)).ShouldBe((0, 0));
        var sample = await new NpgsqlCommand("SELECT text FROM solutions WHERE project_id = $1 AND external_id = 's031415'", connection)
        {
            Parameters = { new NpgsqlParameter<Guid> { TypedValue = projectId } },
        }.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        sample.ShouldBe($"Attempt 31415. {body}");
    }

    private static GradingDbContext NewContext(string connectionString, TimeProvider clock) =>
        new(new DbContextOptionsBuilder<GradingDbContext>().UseNpgsql(connectionString).Options, null, clock);

    private static async Task<AuditRow> ReadAuditAsync(NpgsqlConnection connection, Guid entityId)
    {
        await using var command = new NpgsqlCommand(
            "SELECT entity_type, action, actor_id, actor_name, project_id, solution_id, entity_id, at, data::text FROM audit_events WHERE entity_id = $1",
            connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = entityId });
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        (await reader.ReadAsync(TestContext.Current.CancellationToken)).ShouldBeTrue("no audit event was written");
        var row = new AuditRow(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.GetGuid(6),
            reader.GetFieldValue<DateTimeOffset>(7), reader.GetString(8));
        (await reader.ReadAsync(TestContext.Current.CancellationToken)).ShouldBeFalse("one event per created solution");
        return row;
    }

    private static async Task<(long, long)> CountAsync(NpgsqlConnection connection, string sql, Guid id)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        await reader.ReadAsync(TestContext.Current.CancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private sealed record AuditRow(string EntityType, string Action, Guid? ActorId, string ActorName, Guid? ProjectId, Guid? SolutionId, Guid EntityId,
        DateTimeOffset At, string Data);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
