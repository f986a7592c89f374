using System.Data;
using System.Text.Json;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Solutions;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GradingPortal.Api.Endpoints;

/// <summary>
/// Builds the solution page's data in ONE round trip and applies the project's blind policy to it.
/// This is the hottest read of the product (every grader keystroke-navigation lands here), so instead of a dozen EF
/// queries PostgreSQL assembles the whole record as JSON; bench/run.sh measures it.
/// </summary>
internal static class SolutionView
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    // Column and table names follow the snake_case mapping in Domain/Persistence. Enum columns hold PascalCase names.
    // The record is built from parts so that the smaller reads (what a grade can change, the annotations) select the same
    // columns the same way as the whole solution, and the blind rules below apply to all of them alike.
    private const string Access = """
          'id', s.id, 'project_id', s.project_id, 'blind_grading', pj.blind_grading, 'hide_authors', pj.hide_authors,
          'role', (SELECT m.role FROM project_members m WHERE m.project_id = s.project_id AND m.user_id = @user)
        """;

    private const string Page = """
          'problem_id', s.problem_id, 'author', s.author,
          'external_id', s.external_id, 'created_at', s.created_at, 'updated_at', s.updated_at,
          'problem', json_build_object('id', pr.id, 'title', pr.title, 'statement', pr.statement, 'max_points', pr.max_points),
          'rubric', (SELECT json_build_object('id', r.id, 'problem_id', r.problem_id, 'version', r.version, 'origin', r.origin,
                       'status', r.status, 'zero_credit', r.zero_credit, 'deductions', r.deductions, 'notes', r.notes,
                       'created_at', r.created_at, 'updated_at', r.updated_at, 'approved_at', r.approved_at, 'row_version', r.xmin::text::bigint,
                       'items', (SELECT coalesce(json_agg(json_build_object('id', i.id, 'ordinal', i.ordinal, 'title', i.title,
                                   'points', i.points, 'description', i.description) ORDER BY i.ordinal), '[]')
                                 FROM rubric_items i WHERE i.rubric_id = r.id))
                     FROM rubrics r WHERE r.problem_id = s.problem_id AND r.status = 'Approved' AND r.approach_key IS NULL
                     ORDER BY r.version DESC LIMIT 1),
          'previous_id', (SELECT p.id FROM solutions p WHERE p.problem_id = s.problem_id AND p.id < s.id ORDER BY p.id DESC LIMIT 1),
          'next_id', (SELECT n.id FROM solutions n WHERE n.problem_id = s.problem_id AND n.id > s.id ORDER BY n.id LIMIT 1)
        """;

    private const string Grades = """
          'grades', (SELECT coalesce(json_agg(json_build_object('id', g.id, 'grader_id', g.grader_id, 'grader_name', u.display_name,
                       'rubric_id', g.rubric_id, 'points', g.points, 'comment', g.comment, 'given_blind', g.given_blind,
                       'created_at', g.created_at, 'updated_at', g.updated_at, 'row_version', g.xmin::text::bigint,
                       'items', (SELECT coalesce(json_agg(json_build_object('rubric_item_id', gi.rubric_item_id, 'points', gi.points,
                                   'comment', gi.comment) ORDER BY ri.ordinal), '[]')
                                 FROM human_grade_items gi JOIN rubric_items ri ON ri.id = gi.rubric_item_id WHERE gi.human_grade_id = g.id))
                       ORDER BY g.created_at), '[]')
                     FROM human_grades g JOIN "AspNetUsers" u ON u.id = g.grader_id WHERE g.solution_id = s.id)
        """;

    private const string Annotations = """
          'annotations', (SELECT coalesce(json_agg(json_build_object('id', a.id, 'start', a.start, 'end', a."end", 'quote', a.quote,
                       'error_type', a.error_type, 'severity', lower(a.severity), 'comment', a.comment, 'origin', lower(a.origin),
                       'review', lower(a.review), 'author_id', a.author_id, 'author_name', u.display_name, 'created_at', a.created_at,
                       'row_version', a.xmin::text::bigint)
                       ORDER BY a.start, a."end", a.id), '[]')
                     FROM annotations a LEFT JOIN "AspNetUsers" u ON u.id = a.author_id WHERE a.solution_id = s.id)
        """;

    private const string Adjudication = """
          'adjudication', (SELECT json_build_object('id', j.id, 'points', j.points, 'rationale', j.rationale,
                       'adjudicator_id', j.adjudicator_id, 'adjudicator_name', u.display_name, 'based_on', j.based_on,
                       'created_at', j.created_at, 'updated_at', j.updated_at, 'row_version', j.xmin::text::bigint)
                     FROM adjudications j JOIN "AspNetUsers" u ON u.id = j.adjudicator_id WHERE j.solution_id = s.id),
          'valid_model_grades', (SELECT count(*) FROM model_grades mg WHERE mg.solution_id = s.id AND mg.status = 'Valid')
        """;

    private const string From = """
        FROM solutions s
        JOIN problems pr ON pr.id = s.problem_id AND pr.deleted_at IS NULL
        JOIN projects pj ON pj.id = s.project_id
        WHERE s.id = @id
        """;

    /// <summary>Which parts of the record a read selects.</summary>
    private enum Part
    {
        /// <summary>Everything the solution page shows.</summary>
        Whole,

        /// <summary>What a grade or an adjudication can change: grades, adjudication, evidence, permissions.</summary>
        Grading,

        /// <summary>The annotations, with the caller's grade (which decides, in a blind project, whose they may see).</summary>
        Annotations,
    }

    private static readonly string s_whole = Select("s.text", Access, Page, Grades, Annotations, Adjudication);
    private static readonly string s_grading = Select("NULL::text", Access, Grades, Adjudication);
    private static readonly string s_annotations = Select("NULL::text", Access, Grades, Annotations);

    private static string Select(string text, params string[] parts) =>
        $"SELECT {text}, json_build_object(\n{string.Join(",\n", parts)})::text\n{From}";

    public static Task<Guid?> ProjectOfAsync(GradingDbContext db, Guid solutionId, CancellationToken ct) =>
        db.Solutions.Where(s => s.Id == solutionId && db.Problems.Any(p => p.Id == s.ProblemId && p.DeletedAt == null))
            .Select(s => (Guid?)s.ProjectId).FirstOrDefaultAsync(ct);

    /// <summary>
    /// The solution as <paramref name="userId"/> may see it, with their role; null when the solution does not exist
    /// (or its problem was deleted) or the user is not a member of its project.
    /// </summary>
    public static async Task<(SolutionResponse View, ProjectRole Role)?> LoadAsync(GradingDbContext db, Guid solutionId, Guid userId,
        bool isGlobalAdmin, CancellationToken ct)
    {
        if (await QueryAsync(db, Part.Whole, solutionId, userId, ct) is not var (text, record)
            || Veil.For(record, userId, isGlobalAdmin) is not { } veil)
        {
            return null;
        }
        var view = new SolutionResponse(
            record.Id, record.ProjectId, record.ProblemId,
            new SolutionProblemResponse(record.Problem!.Id, record.Problem.Title, record.Problem.Statement, record.Problem.MaxPoints),
            text!, veil.SeesAuthor ? record.Author : null, record.ExternalId, record.CreatedAt, record.UpdatedAt,
            record.Rubric?.ToResponse(),
            veil.Annotations(), veil.Grades(), veil.MyGrade(), veil.Adjudication(), veil.Evidence(), veil.Permissions(),
            record.PreviousId, record.NextId);
        return (view, veil.Role);
    }

    /// <summary>
    /// What a grade or an adjudication can change on the solution, under the same blind rules as <see cref="LoadAsync"/>;
    /// null where that would be null.
    /// </summary>
    public static async Task<SolutionGradingResponse?> LoadGradingAsync(GradingDbContext db, Guid solutionId, Guid userId, bool isGlobalAdmin,
        CancellationToken ct)
    {
        if (await QueryAsync(db, Part.Grading, solutionId, userId, ct) is not var (_, record)
            || Veil.For(record, userId, isGlobalAdmin) is not { } veil)
        {
            return null;
        }
        return new SolutionGradingResponse(record.Id, veil.Grades(), veil.MyGrade(), veil.Adjudication(), veil.Evidence(), veil.Permissions());
    }

    /// <summary>The annotations the caller may see, as <see cref="LoadAsync"/> lists them; null where that would be null.</summary>
    public static async Task<List<AnnotationResponse>?> LoadAnnotationsAsync(GradingDbContext db, Guid solutionId, Guid userId,
        bool isGlobalAdmin, CancellationToken ct) =>
        await QueryAsync(db, Part.Annotations, solutionId, userId, ct) is var (_, record)
        && Veil.For(record, userId, isGlobalAdmin) is { } veil
            ? veil.Annotations()
            : null;

    /// <summary>
    /// The blind rules, in one place for every read of the record: what of other people's work (grades, annotations, the
    /// adjudication, the evidence it makes) and of the author the caller may see.
    /// </summary>
    private sealed class Veil
    {
        private readonly Row _row;
        private readonly Guid _userId;
        private readonly GradeRow? _mine;

        private Veil(Row row, Guid userId, ProjectRole role)
        {
            _row = row;
            _userId = userId;
            Role = role;
            _mine = row.Grades.FirstOrDefault(g => g.GraderId == userId);
            SeesOthers = BlindPolicy.MaySeeOthersGrades(row.BlindGrading, role, _mine is not null);
            SeesAuthor = BlindPolicy.MaySeeAuthor(row.HideAuthors, role);
        }

        public ProjectRole Role { get; }

        public bool SeesOthers { get; }

        public bool SeesAuthor { get; }

        /// <summary>Null when the caller is not a member of the solution's project (and not a global admin).</summary>
        public static Veil? For(Row row, Guid userId, bool isGlobalAdmin)
        {
            ProjectRole? role = isGlobalAdmin ? ProjectRole.Admin : row.Role is { } r && RoleNames.TryParse(r, out var parsed) ? parsed : null;
            return role is { } callerRole ? new Veil(row, userId, callerRole) : null;
        }

        public List<HumanGradeResponse> Grades() =>
            [.. _row.Grades.Where(g => SeesOthers || g.GraderId == _userId).Select(g => g.ToResponse(_row.Id))];

        public HumanGradeResponse? MyGrade() => _mine?.ToResponse(_row.Id);

        public List<AnnotationResponse> Annotations() =>
        [
            .. (_row.Annotations ?? []).Where(a => SeesOthers || a.AuthorId == _userId)
                .Select(a => a.ToResponse(_row.Id, Role.MayDeleteAnnotation(a.AuthorId, _userId), a.AuthorId == _userId && a.Origin == "human")),
        ];

        public AdjudicationResponse? Adjudication() => SeesOthers ? _row.Adjudication?.ToResponse(_row.Id) : null;

        public string Evidence() => SeesOthers
            ? EvidenceName(Domain.Grading.Evidence.Level(_row.ValidModelGrades, _row.Grades.Count, _row.Adjudication is not null))
            : "hidden";

        public SolutionPermissions Permissions() => new(Role.ToWire(), Role.CanGrade(), Role.CanGrade(), Role.CanAdjudicate(), !SeesOthers,
            !SeesAuthor, SeesOthers ? 0 : _row.Grades.Count(g => g.GraderId != _userId));

    }

    /// <summary>
    /// The record as PostgreSQL builds it. The solution text travels as its own column (only in the whole record): escaping
    /// 20 KB into JSON and back costs more than the rest of the query.
    /// </summary>
    private static async Task<(string? Text, Row Record)?> QueryAsync(GradingDbContext db, Part part, Guid solutionId, Guid userId,
        CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var opened = connection.State != ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(ct);
        }
        try
        {
            var sql = part switch
            {
                Part.Grading => s_grading,
                Part.Annotations => s_annotations,
                _ => s_whole,
            };
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("id", solutionId);
            command.Parameters.AddWithValue("user", userId);
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, ct);
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }
            var text = reader.IsDBNull(0) ? null : reader.GetString(0);
            return (text, JsonSerializer.Deserialize<Row>(reader.GetString(1), s_json)!);
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
    }

    public static string EvidenceName(EvidenceLevel level) => level switch
    {
        EvidenceLevel.ModelOnly => "modelOnly",
        EvidenceLevel.OneHuman => "oneHuman",
        EvidenceLevel.TwoHumans => "twoHumans",
        EvidenceLevel.Adjudicated => "adjudicated",
        _ => "none",
    };

    public static AnnotationResponse ToResponse(Annotation a, IReadOnlyDictionary<Guid, string> names, bool canDelete, bool canEdit) => new(
        a.Id, a.SolutionId, a.Start, a.End, a.Quote, a.ErrorType, a.Severity.ToString().ToLowerInvariant(), a.Comment,
        a.Origin.ToString().ToLowerInvariant(), a.Review.ToString().ToLowerInvariant(), a.AuthorId,
        a.AuthorId is { } id ? names.GetValueOrDefault(id) : null, a.CreatedAt, canDelete, canEdit, a.RowVersion);

    public static HumanGradeResponse ToResponse(HumanGrade g, IReadOnlyDictionary<Guid, string> names) => new(
        g.Id, g.SolutionId, g.GraderId, names.GetValueOrDefault(g.GraderId, ""), g.RubricId, g.Points,
        g.Items.Select(i => new ItemAwardDto(i.RubricItemId, i.Points, i.Comment)).ToList(), g.Comment, g.GivenBlind, g.CreatedAt, g.UpdatedAt,
        g.RowVersion);

    public static AdjudicationResponse ToResponse(Adjudication a, IReadOnlyDictionary<Guid, string> names) => new(
        a.Id, a.SolutionId, a.Points, a.Rationale, a.AdjudicatorId, names.GetValueOrDefault(a.AdjudicatorId, ""),
        a.BasedOn.Select(b => new GradeReferenceDto(b.Kind.ToString().ToLowerInvariant(), b.GradeId)).ToList(), a.CreatedAt, a.UpdatedAt,
        a.RowVersion);

    // The JSON PostgreSQL returns (snake_case). Kept private: the wire contract is Contracts.SolutionResponse.
    // A part a read did not select stays at its default (null, zero).
    private sealed record Row(
        Guid Id, Guid ProjectId, Guid ProblemId, string? Author, string? ExternalId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
        bool BlindGrading, bool HideAuthors, string? Role, ProblemRow? Problem, RubricRow? Rubric, List<GradeRow> Grades,
        List<AnnotationRow>? Annotations, AdjudicationRow? Adjudication, int ValidModelGrades, Guid? PreviousId, Guid? NextId);

    private sealed record ProblemRow(Guid Id, string Title, string Statement, int MaxPoints);

    private sealed record RubricRow(Guid Id, Guid ProblemId, int Version, string Origin, string Status, string ZeroCredit,
        List<DeductionRow>? Deductions, string Notes, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? ApprovedAt,
        long RowVersion, List<RubricItemRow> Items)
    {
        public RubricResponse ToResponse() => new(Id, ProblemId, Version, Origin.ToLowerInvariant(), Status.ToLowerInvariant(),
            Items.Select(i => new RubricItemResponse(i.Id, i.Ordinal, i.Title, i.Points, i.Description)).ToList(), Items.Sum(i => i.Points),
            ZeroCredit, (Deductions ?? []).Select(d => new DeductionDto(d.Description, d.Points)).ToList(), Notes, CreatedAt, UpdatedAt,
            ApprovedAt, (uint)RowVersion);
    }

    private sealed record DeductionRow(string Description, decimal Points);

    private sealed record RubricItemRow(Guid Id, int Ordinal, string Title, decimal Points, string Description);

    private sealed record GradeRow(Guid Id, Guid GraderId, string GraderName, Guid? RubricId, decimal Points, string Comment, bool GivenBlind,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long RowVersion, List<GradeItemRow> Items)
    {
        public HumanGradeResponse ToResponse(Guid solutionId) => new(Id, solutionId, GraderId, GraderName, RubricId, Points,
            Items.Select(i => new ItemAwardDto(i.RubricItemId, i.Points, i.Comment)).ToList(), Comment, GivenBlind, CreatedAt, UpdatedAt,
            (uint)RowVersion);
    }

    private sealed record GradeItemRow(Guid RubricItemId, decimal Points, string Comment);

    private sealed record AnnotationRow(Guid Id, int Start, int End, string Quote, string ErrorType, string Severity, string Comment, string Origin,
        string Review, Guid? AuthorId, string? AuthorName, DateTimeOffset CreatedAt, long RowVersion)
    {
        public AnnotationResponse ToResponse(Guid solutionId, bool canDelete, bool canEdit) =>
            new(Id, solutionId, Start, End, Quote, ErrorType, Severity, Comment, Origin, Review, AuthorId, AuthorName, CreatedAt, canDelete, canEdit,
                (uint)RowVersion);
    }

    private sealed record AdjudicationRow(Guid Id, decimal Points, string Rationale, Guid AdjudicatorId, string AdjudicatorName,
        List<BasedOnRow>? BasedOn, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long RowVersion)
    {
        public AdjudicationResponse ToResponse(Guid solutionId) => new(Id, solutionId, Points, Rationale, AdjudicatorId, AdjudicatorName,
            (BasedOn ?? []).Select(b => new GradeReferenceDto(b.Kind, b.GradeId)).ToList(), CreatedAt, UpdatedAt, (uint)RowVersion);
    }

    // Stored by Domain/Persistence/JsonColumn in camelCase, not snake_case.
    private sealed record BasedOnRow(string Kind, [property: System.Text.Json.Serialization.JsonPropertyName("gradeId")] Guid GradeId);
}
