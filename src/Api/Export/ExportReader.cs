using System.Data;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using GradingPortal.Domain.Grading;
using Npgsql;
using NpgsqlTypes;

namespace GradingPortal.Api.Export;

/// <summary>
/// Reads a project's solution records from PostgreSQL in keyset pages, never the whole dataset: problems in id order,
/// and within each problem its solutions in id order (the <c>(problem_id, id)</c> index), <see cref="PageSize"/> at a
/// time. A page and everything hanging off it are read in one REPEATABLE READ snapshot, so each record is internally
/// consistent; the next page is fetched while the caller writes the current one.
/// </summary>
internal sealed class ExportReader(NpgsqlConnection connection, Guid projectId, ExportFilter filter, int pageSize,
    long pageBytes = 16 << 20)
{
    private readonly Dictionary<Guid, ExportRubric> _otherRubrics = [];
    private ProblemContext? _problem;

    public int PageSize { get; } = Math.Max(1, pageSize);

    /// <summary>
    /// Solution text per page: a page stops early once its texts reach this many bytes (it always holds at least one
    /// solution), so memory stays bounded even when solutions are near their limit of a million characters.
    /// </summary>
    public long PageBytes { get; } = Math.Max(1, pageBytes);

    /// <summary>
    /// The pairs flavor's reading: only solutions with a valid model grade the filter selects (nothing to say about
    /// others), and without their texts (records are left with an empty text).
    /// </summary>
    public bool RequireValidModelGrade { get; init; }

    /// <summary>
    /// Pages of records after <paramref name="start"/> (or including its solution when the cursor points inside it,
    /// i.e. carries a model grade id). Stops early when the consumer stops enumerating.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<ExportRecord>> ReadAsync(ExportCursor? start, [EnumeratorCancellation] CancellationToken ct)
    {
        var problems = await ProblemIdsAsync(start?.ProblemId, ct);
        var position = new Position(problems, start);
        var pending = FetchAsync(position, ct);
        try
        {
            while (true)
            {
                var page = await pending;
                if (page is null)
                {
                    yield break;
                }
                // Fetch ahead: PostgreSQL reads the next page while the caller serializes this one.
                pending = FetchAsync(position, ct);
                yield return page;
            }
        }
        finally
        {
            // A consumer that stopped early (limit reached, client gone) must not leave a command running on the connection.
            try
            {
                await pending;
            }
            catch (Exception ex) when (ex is OperationCanceledException or NpgsqlException or InvalidOperationException)
            {
                // The fetch was only ahead of need; its outcome no longer matters.
            }
        }
    }

    /// <summary>The record of one solution (any problem of the project), or null when it does not exist.</summary>
    public async Task<ExportRecord?> ReadOneAsync(Guid problemId, Guid solutionId, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        _problem = await LoadProblemAsync(problemId, ct);
        if (_problem is null)
        {
            return null;
        }
        var (page, _) = await ReadPageAsync(_problem, after: null, inclusive: false, only: solutionId, ct);
        await tx.CommitAsync(ct);
        return page.Count == 1 ? page[0] : null;
    }

    private sealed class Position(List<Guid> problems, ExportCursor? start)
    {
        public List<Guid> Problems { get; } = problems;
        public int Index { get; set; }
        public Guid? After { get; set; }
        public bool Inclusive { get; set; }
        public bool Entered { get; set; }
        public ExportCursor? Start { get; } = start;
    }

    private async Task<IReadOnlyList<ExportRecord>?> FetchAsync(Position position, CancellationToken ct)
    {
        while (position.Index < position.Problems.Count)
        {
            await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
            if (!position.Entered)
            {
                var problemId = position.Problems[position.Index];
                _problem = await LoadProblemAsync(problemId, ct);
                _otherRubrics.Clear();
                position.Entered = true;
                var resumesHere = position.Start is { } s && s.ProblemId == problemId;
                position.After = resumesHere ? position.Start!.Value.SolutionId : null;
                position.Inclusive = resumesHere && position.Start!.Value.ModelGradeId is not null;
            }
            var (page, more) = _problem is null ? ([], false) : await ReadPageAsync(_problem, position.After, position.Inclusive, only: null, ct);
            await tx.CommitAsync(ct);
            position.Inclusive = false;
            if (!more)
            {
                // This problem is done: the next fetch starts the next problem.
                position.Index++;
                position.Entered = false;
            }
            else
            {
                position.After = page[^1].Solution.Id;
            }
            if (page.Count > 0)
            {
                return page;
            }
        }
        return null;
    }

    private async Task<List<Guid>> ProblemIdsAsync(Guid? from, CancellationToken ct)
    {
        var sql = new StringBuilder("SELECT p.id FROM problems p WHERE p.project_id = @project AND p.deleted_at IS NULL");
        await using var command = new NpgsqlCommand { Connection = connection };
        command.Parameters.AddWithValue("project", projectId);
        if (filter.ProblemIds is { } ids)
        {
            sql.Append(" AND p.id = ANY(@ids)");
            command.Parameters.AddWithValue("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid, ids.ToArray());
        }
        if (from is { } first)
        {
            sql.Append(" AND p.id >= @from");
            command.Parameters.AddWithValue("from", first);
        }
        sql.Append(" ORDER BY p.id");
        command.CommandText = sql.ToString();
        var result = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(reader.GetGuid(0));
        }
        return result;
    }

    // ---- One problem: its fields, references and every rubric version (rubrics belong to one problem and are few). ----

    private sealed record ProblemContext(ExportProblem Problem, Dictionary<Guid, ExportRubric> Rubrics, List<Guid> Approved);

    private const string ProblemSql = """
        SELECT id, external_id, title, statement, max_points, source, marking_scheme, created_at, updated_at
        FROM problems WHERE id = @id AND deleted_at IS NULL;
        SELECT ordinal, text, source FROM reference_solutions WHERE problem_id = @id ORDER BY ordinal;
        SELECT id, version, origin, status, approach_key, derived_by_run_id, zero_credit, deductions::text, notes, created_at, approved_at
        FROM rubrics WHERE problem_id = @id ORDER BY version;
        SELECT i.rubric_id, i.id, i.ordinal, i.title, i.points, i.description
        FROM rubric_items i JOIN rubrics r ON r.id = i.rubric_id WHERE r.problem_id = @id ORDER BY i.rubric_id, i.ordinal;
        """;

    private async Task<ProblemContext?> LoadProblemAsync(Guid problemId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(ProblemSql, connection);
        command.Parameters.AddWithValue("id", problemId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        var id = reader.GetGuid(0);
        var externalId = NullableString(reader, 1);
        var title = reader.GetString(2);
        var statement = Utf8Text(reader, 3);
        var maxPoints = reader.GetInt32(4);
        var source = reader.GetString(5);
        var markingScheme = reader.IsDBNull(6) ? null : Utf8Text(reader, 6);
        var createdAt = reader.GetFieldValue<DateTimeOffset>(7);
        var updatedAt = reader.GetFieldValue<DateTimeOffset>(8);

        await reader.NextResultAsync(ct);
        var references = new List<ExportReferenceSolution>();
        while (await reader.ReadAsync(ct))
        {
            references.Add(new ExportReferenceSolution(reader.GetInt32(0), Utf8Text(reader, 1), reader.GetString(2)));
        }

        await reader.NextResultAsync(ct);
        var rubricRows = new List<(Guid Id, int Version, string Origin, string Status, string? ApproachKey, Guid? RunId, string ZeroCredit,
            string Deductions, string Notes, DateTimeOffset CreatedAt, DateTimeOffset? ApprovedAt)>();
        while (await reader.ReadAsync(ct))
        {
            rubricRows.Add((reader.GetGuid(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), NullableString(reader, 4),
                NullableGuid(reader, 5), reader.GetString(6), reader.GetString(7), reader.GetString(8), reader.GetFieldValue<DateTimeOffset>(9),
                reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10)));
        }

        await reader.NextResultAsync(ct);
        var items = new Dictionary<Guid, List<ExportRubricItem>>();
        while (await reader.ReadAsync(ct))
        {
            Add(items, reader.GetGuid(0), new ExportRubricItem(reader.GetGuid(1), reader.GetInt32(2), reader.GetString(3),
                Number(reader.GetDecimal(4)), reader.GetString(5)));
        }

        var rubrics = new Dictionary<Guid, ExportRubric>();
        var approved = new List<Guid>();
        foreach (var r in rubricRows)
        {
            rubrics[r.Id] = new ExportRubric(r.Id, r.Version, WireName(r.Origin), WireName(r.Status), r.ApproachKey, r.RunId,
                items.GetValueOrDefault(r.Id) ?? [], r.ZeroCredit, Deductions(r.Deductions), r.Notes, r.CreatedAt, r.ApprovedAt);
            if (r.Status == "Approved")
            {
                approved.Add(r.Id);
            }
        }
        var problem = new ExportProblem(id, externalId, title, statement, maxPoints, source, markingScheme, references, createdAt, updatedAt);
        return new ProblemContext(problem, rubrics, approved);
    }

    // ---- One page of solutions and everything hanging off them. ----

    // Evidence level computed the way Domain's Evidence.Level does (valid model grades only; NeedsAttention never counts).
    private const string EvidenceSql = """
        (CASE WHEN EXISTS (SELECT 1 FROM adjudications j WHERE j.solution_id = s.id) THEN 4
              ELSE CASE (SELECT count(*) FROM (SELECT 1 FROM human_grades g WHERE g.solution_id = s.id LIMIT 2) two)
                   WHEN 2 THEN 3 WHEN 1 THEN 2
                   ELSE CASE WHEN EXISTS (SELECT 1 FROM model_grades m WHERE m.solution_id = s.id AND m.status = 'Valid') THEN 1 ELSE 0 END
                   END
         END)
        """;

    private const string RelatedSql = """
        SELECT g.id, g.solution_id, g.grader_id, u.display_name, g.rubric_id, g.points, g.comment, g.given_blind, g.created_at, g.updated_at
        FROM human_grades g JOIN "AspNetUsers" u ON u.id = g.grader_id
        WHERE g.solution_id = ANY(@ids) ORDER BY g.solution_id, g.created_at, g.id;
        SELECT gi.human_grade_id, gi.rubric_item_id, gi.points, gi.comment
        FROM human_grade_items gi JOIN human_grades g ON g.id = gi.human_grade_id LEFT JOIN rubric_items ri ON ri.id = gi.rubric_item_id
        WHERE g.solution_id = ANY(@ids) ORDER BY gi.human_grade_id, ri.ordinal, gi.id;
        SELECT j.id, j.solution_id, j.points, j.rationale, j.adjudicator_id, u.display_name, j.based_on::text, j.created_at, j.updated_at,
               EXISTS (SELECT 1 FROM gold_items gi WHERE gi.solution_id = j.solution_id AND gi.active)
        FROM adjudications j JOIN "AspNetUsers" u ON u.id = j.adjudicator_id WHERE j.solution_id = ANY(@ids);
        SELECT m.id, m.solution_id, m.run_id, m.source, m.model, m.rubric_id, m.points, m.max_points, m.status, m.status_reason, m.summary,
               m.rationale, m.raw_output, m.provenance::text, m.external_id, m.created_at
        FROM model_grades m WHERE m.solution_id = ANY(@ids) ORDER BY m.solution_id, m.id;
        SELECT mi.model_grade_id, mi.rubric_item_id, mi.title, mi.points, mi.max_points, mi.reason
        FROM model_grade_items mi JOIN model_grades m ON m.id = mi.model_grade_id LEFT JOIN rubric_items ri ON ri.id = mi.rubric_item_id
        WHERE m.solution_id = ANY(@ids) ORDER BY mi.model_grade_id, ri.ordinal NULLS LAST, mi.id;
        SELECT f.model_grade_id, f.id, f.error_type, f.category, f.severity, f.quote, f.location, f.explanation, f.start, f."end", f.span_match,
               f.span_confidence, f.claimed_start, f.claimed_end, f.review, f.reviewed_by_id, f.reviewed_at
        FROM model_findings f WHERE f.solution_id = ANY(@ids) ORDER BY f.model_grade_id, f.start NULLS LAST, f.id;
        SELECT a.id, a.solution_id, a.start, a."end", a.quote, a.error_type, a.severity, a.comment, a.origin, a.review, a.model_grade_id,
               a.author_id, u.display_name, a.reviewed_by_id, a.created_at, a.updated_at
        FROM annotations a LEFT JOIN "AspNetUsers" u ON u.id = a.author_id
        WHERE a.solution_id = ANY(@ids) ORDER BY a.solution_id, a.start, a."end", a.id;
        """;

    private sealed record SolutionRow(Guid Id, string? ExternalId, string? Author, ExportText Text, Guid? ImportId, DateTimeOffset CreatedAt,
        DateTimeOffset UpdatedAt);

    private sealed record HumanRow(Guid Id, Guid SolutionId, Guid GraderId, string GraderName, Guid? RubricId, decimal Points, string Comment,
        bool GivenBlind, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    private sealed record ModelRow(Guid Id, Guid SolutionId, Guid? RunId, string Source, string Model, Guid? RubricId, decimal? Points,
        int MaxPoints, string Status, string StatusReason, string Summary, string Rationale, ExportText RawOutput, string Provenance,
        string? ExternalId, DateTimeOffset CreatedAt);

    /// <summary>A page of records; <c>More</c> when the problem may have solutions after it.</summary>
    private async Task<(List<ExportRecord> Records, bool More)> ReadPageAsync(ProblemContext context, Guid? after, bool inclusive, Guid? only,
        CancellationToken ct)
    {
        var (solutions, more) = await SolutionsAsync(context.Problem.Id, after, inclusive, only, ct);
        if (solutions.Count == 0)
        {
            return ([], false);
        }
        var ids = solutions.Select(s => s.Id).ToArray();
        var humans = new Dictionary<Guid, List<HumanRow>>();
        var humanItems = new Dictionary<Guid, List<ExportHumanItem>>();
        var adjudications = new Dictionary<Guid, ExportAdjudication>();
        var models = new Dictionary<Guid, List<ModelRow>>();
        var modelItems = new Dictionary<Guid, List<ExportModelItem>>();
        var findings = new Dictionary<Guid, List<ExportFinding>>();
        var annotations = new Dictionary<Guid, List<ExportAnnotation>>();

        await using (var command = new NpgsqlCommand(RelatedSql, connection))
        {
            command.Parameters.AddWithValue("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid, ids);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var row = new HumanRow(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), NullableGuid(reader, 4),
                    Number(reader.GetDecimal(5)), reader.GetString(6), reader.GetBoolean(7), reader.GetFieldValue<DateTimeOffset>(8),
                    reader.GetFieldValue<DateTimeOffset>(9));
                Add(humans, row.SolutionId, row);
            }
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                Add(humanItems, reader.GetGuid(0), new ExportHumanItem(reader.GetGuid(1), Number(reader.GetDecimal(2)), reader.GetString(3)));
            }
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                adjudications[reader.GetGuid(1)] = new ExportAdjudication(reader.GetGuid(0), Number(reader.GetDecimal(2)), reader.GetString(3),
                    reader.GetGuid(4), reader.GetString(5), BasedOn(reader.GetString(6)), reader.GetFieldValue<DateTimeOffset>(7),
                    reader.GetFieldValue<DateTimeOffset>(8), reader.GetBoolean(9));
            }
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var row = new ModelRow(reader.GetGuid(0), reader.GetGuid(1), NullableGuid(reader, 2), reader.GetString(3), reader.GetString(4),
                    NullableGuid(reader, 5), reader.IsDBNull(6) ? null : Number(reader.GetDecimal(6)), reader.GetInt32(7), reader.GetString(8),
                    reader.GetString(9), reader.GetString(10), reader.GetString(11), Utf8Text(reader, 12), reader.GetString(13),
                    NullableString(reader, 14), reader.GetFieldValue<DateTimeOffset>(15));
                Add(models, row.SolutionId, row);
            }
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                Add(modelItems, reader.GetGuid(0), new ExportModelItem(NullableGuid(reader, 1), reader.GetString(2), Number(reader.GetDecimal(3)),
                    reader.IsDBNull(4) ? null : Number(reader.GetDecimal(4)), reader.GetString(5)));
            }
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                Add(findings, reader.GetGuid(0), new ExportFinding(reader.GetGuid(1), NullableString(reader, 2), reader.GetString(3),
                    WireName(reader.GetString(4)), reader.GetString(5), reader.GetString(6), reader.GetString(7), NullableInt(reader, 8),
                    NullableInt(reader, 9), WireName(reader.GetString(10)), reader.GetDouble(11), NullableInt(reader, 12), NullableInt(reader, 13),
                    WireName(reader.GetString(14)), NullableGuid(reader, 15), reader.IsDBNull(16) ? null : reader.GetFieldValue<DateTimeOffset>(16)));
            }
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var solutionId = reader.GetGuid(1);
                Add(annotations, solutionId, new ExportAnnotation(reader.GetGuid(0), reader.GetInt32(2), reader.GetInt32(3), reader.GetString(4),
                    reader.GetString(5), WireName(reader.GetString(6)), reader.GetString(7), WireName(reader.GetString(8)),
                    WireName(reader.GetString(9)), NullableGuid(reader, 10), NullableGuid(reader, 11), NullableString(reader, 12),
                    NullableGuid(reader, 13), reader.GetFieldValue<DateTimeOffset>(14), reader.GetFieldValue<DateTimeOffset>(15)));
            }
        }

        await LoadOtherRubricsAsync(context, humans.Values.SelectMany(l => l).Select(h => h.RubricId)
            .Concat(models.Values.SelectMany(l => l).Select(m => m.RubricId)), ct);

        var records = new List<ExportRecord>(solutions.Count);
        foreach (var s in solutions)
        {
            var humanRows = humans.GetValueOrDefault(s.Id) ?? [];
            var modelRows = models.GetValueOrDefault(s.Id) ?? [];
            var adjudication = adjudications.GetValueOrDefault(s.Id);
            var humanGrades = humanRows.Select(h => new ExportHumanGrade(h.Id, h.GraderId, h.GraderName, h.RubricId, h.Points,
                humanItems.GetValueOrDefault(h.Id) ?? [], h.Comment, h.GivenBlind, h.CreatedAt, h.UpdatedAt)).ToList();
            var modelGrades = modelRows.Select(m =>
            {
                var provenance = ParseProvenance(m.Provenance);
                return new ExportModelGrade(m.Id, m.Source, m.Model, m.RunId, m.RubricId, m.Points, m.MaxPoints, WireName(m.Status), m.StatusReason,
                    m.Summary, m.Rationale, Prompts(provenance), provenance, m.RawOutput, m.ExternalId, m.CreatedAt,
                    modelItems.GetValueOrDefault(m.Id) ?? [], findings.GetValueOrDefault(m.Id) ?? []);
            }).ToList();
            var validModels = modelRows.Count(m => m.Status == nameof(ModelGradeStatus.Valid));
            var level = Evidence.Level(validModels, humanRows.Count, adjudication is not null);
            var rubricIds = humanRows.Select(h => h.RubricId).Concat(modelRows.Select(m => m.RubricId)).OfType<Guid>()
                .Concat(context.Approved).Distinct();
            var rubrics = rubricIds.Select(id => context.Rubrics.GetValueOrDefault(id) ?? _otherRubrics.GetValueOrDefault(id)).OfType<ExportRubric>()
                .OrderBy(r => r.Version).ThenBy(r => r.Id).ToList();
            var cursor = new ExportCursor(context.Problem.Id, s.Id, null).ToString();
            records.Add(new ExportRecord(ExportSchema.Version, cursor, projectId, ExportQuery.EvidenceName(level),
                HumanReference.Of(adjudication?.Points, humanRows.Select(h => h.Points).ToList()),
                new ExportSolution(s.Id, s.ExternalId, s.Author, s.Text, s.ImportId, s.CreatedAt, s.UpdatedAt),
                context.Problem, rubrics, modelGrades, humanGrades, adjudication, annotations.GetValueOrDefault(s.Id) ?? []));
        }
        return (records, more);
    }

    // The page's solutions in id order, cut where their texts pass the byte budget. The LIMIT applies first (innermost),
    // so the window functions see one page only; octet_length reads a TOASTed text's size from its header, and the texts
    // themselves are only fetched for the rows returned.
    private const string PageSql = """
        SELECT id, external_id, author, text, import_id, created_at, updated_at, rows_in_page FROM (
          SELECT page.*, sum(octet_length(page.text)) OVER (ORDER BY page.id ROWS UNBOUNDED PRECEDING) - octet_length(page.text) AS bytes_before,
                 count(*) OVER () AS rows_in_page
          FROM ({0}) page) sized
        WHERE bytes_before < @budget
        ORDER BY id
        """;

    /// <summary>The next solutions of a problem; <c>More</c> when the problem may have solutions after them.</summary>
    private async Task<(List<SolutionRow> Rows, bool More)> SolutionsAsync(Guid problemId, Guid? after, bool inclusive, Guid? only,
        CancellationToken ct)
    {
        // Pairs carry no text: not reading it saves PostgreSQL the detoasting and the wire the bytes.
        var sql = new StringBuilder(RequireValidModelGrade
            ? "SELECT s.id, s.external_id, s.author, ''::text AS text, s.import_id, s.created_at, s.updated_at"
            : "SELECT s.id, s.external_id, s.author, s.text, s.import_id, s.created_at, s.updated_at");
        sql.Append(" FROM solutions s WHERE s.problem_id = @problem AND s.project_id = @project");
        await using var command = new NpgsqlCommand { Connection = connection };
        command.Parameters.AddWithValue("problem", problemId);
        command.Parameters.AddWithValue("project", projectId);
        if (only is { } single)
        {
            sql.Append(" AND s.id = @only");
            command.Parameters.AddWithValue("only", single);
        }
        else
        {
            if (after is { } last)
            {
                sql.Append(inclusive ? " AND s.id >= @after" : " AND s.id > @after");
                command.Parameters.AddWithValue("after", last);
            }
            if (filter.UpdatedSince is { } since)
            {
                sql.Append(" AND s.updated_at >= @since");
                command.Parameters.AddWithValue("since", since);
            }
            if (filter.FiltersModelGrades || RequireValidModelGrade)
            {
                sql.Append(" AND EXISTS (SELECT 1 FROM model_grades m WHERE m.solution_id = s.id");
                if (RequireValidModelGrade)
                {
                    sql.Append(" AND m.status = 'Valid'");
                }
                if (filter.RunIds is { } runs)
                {
                    sql.Append(" AND m.run_id = ANY(@runs)");
                    command.Parameters.AddWithValue("runs", NpgsqlDbType.Array | NpgsqlDbType.Uuid, runs.ToArray());
                }
                if (filter.Sources is { } sources)
                {
                    sql.Append(" AND m.source = ANY(@sources)");
                    command.Parameters.AddWithValue("sources", NpgsqlDbType.Array | NpgsqlDbType.Text, sources.ToArray());
                }
                sql.Append(')');
            }
            if (filter.Evidence is { } levels)
            {
                sql.Append(" AND ").Append(EvidenceSql).Append(" = ANY(@levels)");
                command.Parameters.AddWithValue("levels", NpgsqlDbType.Array | NpgsqlDbType.Integer, levels.Select(l => (int)l).ToArray());
            }
            sql.Append(" ORDER BY s.id LIMIT @limit");
            command.Parameters.AddWithValue("limit", PageSize);
        }
        if (only is null)
        {
            command.CommandText = string.Format(CultureInfo.InvariantCulture, PageSql, sql);
            command.Parameters.AddWithValue("budget", PageBytes);
        }
        else
        {
            command.CommandText = sql.ToString();
        }
        var rows = new List<SolutionRow>(only is null ? PageSize : 1);
        var inPage = 0L;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new SolutionRow(reader.GetGuid(0), NullableString(reader, 1), NullableString(reader, 2), Utf8Text(reader, 3),
                NullableGuid(reader, 4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6)));
            inPage = only is null ? reader.GetInt64(7) : 1;
        }
        // More may follow when the LIMIT was reached or the byte budget cut the page short.
        return (rows, rows.Count > 0 && (inPage == PageSize || rows.Count < inPage));
    }

    /// <summary>Grades normally use their own problem's rubrics; anything else they point at is fetched by id.</summary>
    private async Task LoadOtherRubricsAsync(ProblemContext context, IEnumerable<Guid?> used, CancellationToken ct)
    {
        var missing = used.OfType<Guid>().Where(id => !context.Rubrics.ContainsKey(id) && !_otherRubrics.ContainsKey(id)).Distinct().ToArray();
        if (missing.Length == 0)
        {
            return;
        }
        const string sql = """
            SELECT id, version, origin, status, approach_key, derived_by_run_id, zero_credit, deductions::text, notes, created_at, approved_at
            FROM rubrics WHERE id = ANY(@ids);
            SELECT rubric_id, id, ordinal, title, points, description FROM rubric_items WHERE rubric_id = ANY(@ids) ORDER BY rubric_id, ordinal;
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid, missing);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rubrics = new List<ExportRubric>();
        while (await reader.ReadAsync(ct))
        {
            rubrics.Add(new ExportRubric(reader.GetGuid(0), reader.GetInt32(1), WireName(reader.GetString(2)), WireName(reader.GetString(3)),
                NullableString(reader, 4), NullableGuid(reader, 5), [], reader.GetString(6), Deductions(reader.GetString(7)), reader.GetString(8),
                reader.GetFieldValue<DateTimeOffset>(9), reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10)));
        }
        await reader.NextResultAsync(ct);
        var items = new Dictionary<Guid, List<ExportRubricItem>>();
        while (await reader.ReadAsync(ct))
        {
            Add(items, reader.GetGuid(0), new ExportRubricItem(reader.GetGuid(1), reader.GetInt32(2), reader.GetString(3),
                Number(reader.GetDecimal(4)), reader.GetString(5)));
        }
        foreach (var rubric in rubrics)
        {
            _otherRubrics[rubric.Id] = rubric with { Items = items.GetValueOrDefault(rubric.Id) ?? [] };
        }
    }

    // ---- Small conversions. ----

    private static void Add<T>(Dictionary<Guid, List<T>> map, Guid key, T value)
    {
        if (!map.TryGetValue(key, out var list))
        {
            list = [];
            map[key] = list;
        }
        list.Add(value);
    }

    /// <summary>A text column's raw bytes (the database encoding is UTF-8), without decoding them into a string.</summary>
    private static ExportText Utf8Text(NpgsqlDataReader reader, int ordinal)
    {
        using var stream = reader.GetStream(ordinal);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return new ExportText(bytes);
    }

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static Guid? NullableGuid(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetGuid(ordinal);

    private static int? NullableInt(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

    /// <summary>numeric(6,2) arrives as e.g. 7.00; records carry 7 (trailing zeros dropped, value unchanged).</summary>
    public static decimal Number(decimal value) => value / 1.0000000000000000000000000000m;

    /// <summary>Enum names are stored PascalCase (<c>NeedsAttention</c>); the wire uses camelCase (<c>needsAttention</c>).</summary>
    public static string WireName(string stored) =>
        stored.Length == 0 || char.IsLower(stored[0]) ? stored : string.Create(stored.Length, stored, (span, s) =>
        {
            s.AsSpan().CopyTo(span);
            span[0] = char.ToLowerInvariant(span[0]);
        });

    private static readonly JsonSerializerOptions s_stored = new(JsonSerializerDefaults.Web);

    private static List<ExportDeduction> Deductions(string json) =>
        JsonSerializer.Deserialize<List<StoredDeduction>>(json, s_stored)?.Select(d => new ExportDeduction(d.Description, Number(d.Points))).ToList() ?? [];

    private static List<ExportGradeReference> BasedOn(string json) =>
        JsonSerializer.Deserialize<List<StoredGradeReference>>(json, s_stored)?.Select(b => new ExportGradeReference(b.Kind, b.GradeId)).ToList() ?? [];

    private sealed record StoredDeduction(string Description, decimal Points);

    // Stored by Domain/Persistence/JsonColumn: {"kind":"human","gradeId":"..."} (enum as camelCase string).
    private sealed record StoredGradeReference(string Kind, Guid GradeId);

    private static JsonElement ParseProvenance(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// Prompts named in provenance: <c>{"prompts": [{"name": "...", "version": "3" or 3, "sha256": "..." (or "hash")}]}</c>.
    /// Provenance without that list yields none; the whole provenance is exported beside it anyway.
    /// </summary>
    private static List<ExportPrompt> Prompts(JsonElement provenance)
    {
        if (provenance.ValueKind != JsonValueKind.Object || !provenance.TryGetProperty("prompts", out var prompts)
            || prompts.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        var result = new List<ExportPrompt>();
        foreach (var prompt in prompts.EnumerateArray())
        {
            if (prompt.ValueKind != JsonValueKind.Object || !prompt.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                continue;
            }
            string? version = prompt.TryGetProperty("version", out var v) ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Number => v.GetRawText(),
                _ => null,
            } : null;
            string? hash = prompt.TryGetProperty("sha256", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString()
                : prompt.TryGetProperty("hash", out h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
            result.Add(new ExportPrompt(name.GetString()!, version, hash));
        }
        return result;
    }
}

/// <summary>The human side of a model-versus-human comparison (docs/export-format.md, "Human reference").</summary>
internal static class HumanReference
{
    public const string Adjudication = "adjudication";
    public const string HumanMean = "humanMean";
    public const string None = "none";

    public static ExportHumanReference Of(decimal? adjudicated, IReadOnlyList<decimal> humanPoints)
    {
        if (adjudicated is { } final)
        {
            return new ExportHumanReference(final, Adjudication, humanPoints.Count);
        }
        if (humanPoints.Count > 0)
        {
            var mean = Math.Round(humanPoints.Sum() / humanPoints.Count, 2, MidpointRounding.AwayFromZero);
            return new ExportHumanReference(ExportReader.Number(mean), HumanMean, humanPoints.Count);
        }
        return new ExportHumanReference(null, None, 0);
    }

    public static string Format(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
