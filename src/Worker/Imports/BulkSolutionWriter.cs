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
internal static class BulkSolutionWriter
{
    public static async Task WriteAsync(NpgsqlConnection connection, IReadOnlyList<Solution> solutions, IReadOnlyList<AuditEvent> events,
        CancellationToken ct)
    {
        if (solutions.Count > 0)
        {
            await using var copy = await connection.BeginBinaryImportAsync(
                "COPY solutions (id, project_id, problem_id, text, author, external_id, import_id, created_at, updated_at) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var s in solutions)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(s.Id, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(s.ProjectId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(s.ProblemId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(s.Text, NpgsqlDbType.Text, ct);
                await WriteNullableAsync(copy, s.Author, NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(copy, s.ExternalId, NpgsqlDbType.Varchar, ct);
                if (s.ImportId is { } importId)
                {
                    await copy.WriteAsync(importId, NpgsqlDbType.Uuid, ct);
                }
                else
                {
                    await copy.WriteNullAsync(ct);
                }
                await copy.WriteAsync(s.CreatedAt, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(s.UpdatedAt, NpgsqlDbType.TimestampTz, ct);
            }
            await copy.CompleteAsync(ct);
        }
        if (events.Count > 0)
        {
            await using var copy = await connection.BeginBinaryImportAsync(
                "COPY audit_events (at, actor_id, actor_name, project_id, solution_id, entity_type, entity_id, action, data) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var e in events)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(e.At, NpgsqlDbType.TimestampTz, ct);
                await WriteNullableAsync(copy, e.ActorId, ct);
                await copy.WriteAsync(e.ActorName, NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(copy, e.ProjectId, ct);
                await WriteNullableAsync(copy, e.SolutionId, ct);
                await copy.WriteAsync(e.EntityType, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(e.EntityId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(e.Action, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(e.Data.RootElement.GetRawText(), NpgsqlDbType.Jsonb, ct);
            }
            await copy.CompleteAsync(ct);
        }
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type, CancellationToken ct)
    {
        if (value is null)
        {
            await copy.WriteNullAsync(ct);
        }
        else
        {
            await copy.WriteAsync(value, type, ct);
        }
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter copy, Guid? value, CancellationToken ct)
    {
        if (value is { } id)
        {
            await copy.WriteAsync(id, NpgsqlDbType.Uuid, ct);
        }
        else
        {
            await copy.WriteNullAsync(ct);
        }
    }
}
