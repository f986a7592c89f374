using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Solutions;
using Npgsql;
using NpgsqlTypes;

namespace GradingPortal.Worker.Imports;

/// <summary>
/// Writes new solutions and their <c>created</c> audit events with PostgreSQL binary COPY, on the connection and inside the
/// transaction the caller opened (the same one that saves the import's checkpoint). The entities come from
/// <see cref="Solution.Create"/> and the events from <see cref="AuditEvent.ForCreation"/>, exactly what the DbContext would
/// have saved; only the transport differs. Column lists follow the EF model (snake_case; <c>audit_events.id</c> is an
/// identity column and is left to the database).
/// </summary>
/// <remarks>
/// Values are in memory, so rows are written with the synchronous <c>Write</c>: it only copies into Npgsql's buffer, and
/// blocks on the socket just when the buffer is full (the server is behind, there is nothing better to do). An awaited
/// call per column cost more than the copy itself.
/// </remarks>
internal static class BulkSolutionWriter
{
    /// <summary>The <c>created</c> events of new solutions, built as the DbContext builds them when it saves added entities.</summary>
    public static List<AuditEvent> CreationEvents(IReadOnlyList<Solution> solutions, AuditActor actor, DateTimeOffset now)
    {
        var events = new List<AuditEvent>(solutions.Count);
        foreach (var solution in solutions)
        {
            if (AuditEvent.ForCreation(solution, actor, now) is { } created)
            {
                events.Add(created);
            }
        }
        return events;
    }

    public static async Task WriteAsync(NpgsqlConnection connection, IReadOnlyList<Solution> solutions, IReadOnlyList<AuditEvent> events,
        CancellationToken ct)
    {
        if (solutions.Count > 0)
        {
            await using var copy = await connection.BeginBinaryImportAsync(
                "COPY solutions (id, project_id, problem_id, text, author, external_id, import_id, created_at, updated_at) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var s in solutions)
            {
                ct.ThrowIfCancellationRequested();
                copy.StartRow();
                copy.Write(s.Id, NpgsqlDbType.Uuid);
                copy.Write(s.ProjectId, NpgsqlDbType.Uuid);
                copy.Write(s.ProblemId, NpgsqlDbType.Uuid);
                copy.Write(s.Text, NpgsqlDbType.Text);
                WriteNullable(copy, s.Author, NpgsqlDbType.Varchar);
                WriteNullable(copy, s.ExternalId, NpgsqlDbType.Varchar);
                WriteNullable(copy, s.ImportId);
                copy.Write(s.CreatedAt, NpgsqlDbType.TimestampTz);
                copy.Write(s.UpdatedAt, NpgsqlDbType.TimestampTz);
            }
            await copy.CompleteAsync(ct);
        }
        if (events.Count > 0)
        {
            await using var copy = await connection.BeginBinaryImportAsync(
                "COPY audit_events (at, actor_id, actor_name, project_id, solution_id, entity_type, entity_id, action, data) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var e in events)
            {
                ct.ThrowIfCancellationRequested();
                copy.StartRow();
                copy.Write(e.At, NpgsqlDbType.TimestampTz);
                WriteNullable(copy, e.ActorId);
                copy.Write(e.ActorName, NpgsqlDbType.Varchar);
                WriteNullable(copy, e.ProjectId);
                WriteNullable(copy, e.SolutionId);
                copy.Write(e.EntityType, NpgsqlDbType.Varchar);
                copy.Write(e.EntityId, NpgsqlDbType.Uuid);
                copy.Write(e.Action, NpgsqlDbType.Varchar);
                copy.Write(e.Data.RootElement.GetRawText(), NpgsqlDbType.Jsonb);
            }
            await copy.CompleteAsync(ct);
        }
    }

    private static void WriteNullable(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, type);
        }
    }

    private static void WriteNullable(NpgsqlBinaryImporter copy, Guid? value)
    {
        if (value is { } id)
        {
            copy.Write(id, NpgsqlDbType.Uuid);
        }
        else
        {
            copy.WriteNull();
        }
    }
}
