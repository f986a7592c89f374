namespace GradingPortal.Api.Contracts;

// Request and response shapes of the v1 REST contract. JSON is camelCase; enums travel as camelCase strings.
// Points are numbers with at most one decimal (.5 steps). rowVersion is the optimistic-concurrency token: send back
// the value you read; a stale value gets 409 and nothing is overwritten. Edits (IVersionedEdit) must send it.

/// <summary>An edit of a versioned resource: it carries the <c>rowVersion</c> its author read, and is refused without one.</summary>
public interface IVersionedEdit
{
    uint? RowVersion { get; }
}

/// <summary>Credentials for <c>POST /api/auth/login</c>.</summary>
public sealed record LoginRequest(string Email, string Password);

/// <summary>A refresh token obtained from login or a previous refresh.</summary>
public sealed record RefreshRequest(string RefreshToken);

/// <summary>The signed-in caller.</summary>
public sealed record MeResponse(Guid Id, string Email, string DisplayName, bool IsAdmin);

/// <summary>An admin creates a user.</summary>
public sealed record CreateUserRequest(string Email, string Password, string? DisplayName, bool IsAdmin = false);

/// <summary>A user as admins see them; <c>disabledAt</c> is set while the account is disabled.</summary>
public sealed record UserResponse(Guid Id, string Email, string DisplayName, bool IsAdmin, DateTimeOffset CreatedAt, DateTimeOffset? DisabledAt);

/// <summary>A page of users in the order asked for; <c>total</c> counts every user that matches the search.</summary>
public sealed record UserPageResponse(int Page, int PageSize, int Total, IReadOnlyList<UserResponse> Items);

/// <summary>An admin changes a user's rights: omitted fields stay as they are.</summary>
public sealed record UpdateUserRequest(bool? IsAdmin, bool? Disabled);

/// <summary>An admin sets a new password for a user (who then signs in with it).</summary>
public sealed record ResetPasswordRequest(string NewPassword);

/// <summary>A signed-in person changes their own password.</summary>
public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword);

/// <summary>Ends the session the refresh token belongs to.</summary>
public sealed record LogoutRequest(string RefreshToken);

/// <summary>Names a new personal API token; without <c>expiresAt</c> it works until revoked.</summary>
public sealed record CreateTokenRequest(string Name, DateTimeOffset? ExpiresAt = null);

/// <summary>A newly created token: <c>token</c> is the secret, shown only in this response.</summary>
public sealed record CreatedTokenResponse(Guid Id, string Name, string Token, string Hint, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>A token as listed later (never with its secret). A token past <c>expiresAt</c> is listed but refused.</summary>
public sealed record TokenResponse(Guid Id, string Name, string Hint, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? ExpiresAt);

/// <summary>
/// Creates a project; the caller becomes its Admin. <c>requiredHumanGrades</c> (default 1, at most 10): how many people
/// should grade each solution independently; the review queue hands solutions out until they have.
/// </summary>
public sealed record CreateProjectRequest(
    string Name,
    string? Description,
    int? MaxPoints,
    bool UsesLabels = false,
    bool BlindGrading = false,
    bool HideAuthors = false,
    IReadOnlyList<string>? CustomErrorTypes = null,
    int? RequiredHumanGrades = null);

/// <summary>Changes project settings; omitted fields keep their values; rowVersion is required.</summary>
public sealed record UpdateProjectRequest(
    string? Name,
    string? Description,
    int? MaxPoints,
    bool? UsesLabels,
    bool? BlindGrading,
    bool? HideAuthors,
    IReadOnlyList<string>? CustomErrorTypes,
    uint? RowVersion,
    int? RequiredHumanGrades = null) : IVersionedEdit;

/// <summary>An error type usable in annotations of a project.</summary>
public sealed record ErrorTypeResponse(string Id, string Label, bool Custom);

/// <summary>A project with the caller's role in it.</summary>
public sealed record ProjectResponse(
    Guid Id,
    string Name,
    string Description,
    int MaxPoints,
    bool UsesLabels,
    bool BlindGrading,
    bool HideAuthors,
    IReadOnlyList<string> CustomErrorTypes,
    IReadOnlyList<ErrorTypeResponse> ErrorTypes,
    string MyRole,
    int ProblemCount,
    int SolutionCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    uint RowVersion,
    int RequiredHumanGrades);

/// <summary>A member of a project.</summary>
public sealed record MemberResponse(Guid UserId, string Email, string DisplayName, string Role, DateTimeOffset AddedAt);

/// <summary>Grants or changes a member's role: viewer, grader, adjudicator or admin.</summary>
public sealed record SetMemberRequest(string Role);

/// <summary>A reference solution as given on create.</summary>
public sealed record ReferenceSolutionInput(string Text, string? Source);

/// <summary>A rubric item on input.</summary>
public sealed record RubricItemInput(string Title, decimal Points, string? Description);

/// <summary>A deduction on input or output.</summary>
public sealed record DeductionDto(string Description, decimal Points);

/// <summary>Rubric content: items summing to the problem's max points, what earns zero, deductions.</summary>
public sealed record RubricInput(IReadOnlyList<RubricItemInput>? Items, string? ZeroCredit, IReadOnlyList<DeductionDto>? Deductions = null,
    string? Notes = null);

/// <summary>Edits a draft rubric; rowVersion is required.</summary>
public sealed record UpdateRubricRequest(IReadOnlyList<RubricItemInput>? Items, string? ZeroCredit, IReadOnlyList<DeductionDto>? Deductions,
    string? Notes, uint? RowVersion) : IVersionedEdit;

/// <summary>Approves a draft rubric (optionally guarding against a concurrent edit).</summary>
public sealed record ApproveRubricRequest(uint? RowVersion);

/// <summary>Creates a problem; a given rubric becomes the official, approved version 1.</summary>
public sealed record CreateProblemRequest(
    string Title,
    string Statement,
    int? MaxPoints,
    string? Source,
    string? ExternalId,
    IReadOnlyList<ReferenceSolutionInput>? ReferenceSolutions,
    RubricInput? Rubric,
    string? MarkingScheme = null);

/// <summary>Changes a problem; omitted fields keep their values; referenceSolutions, when given, replaces the list; rowVersion is required.</summary>
public sealed record UpdateProblemRequest(
    string? Title,
    string? Statement,
    int? MaxPoints,
    string? Source,
    string? ExternalId,
    string? MarkingScheme,
    IReadOnlyList<ReferenceSolutionInput>? ReferenceSolutions,
    uint? RowVersion) : IVersionedEdit;

/// <summary>A reference solution.</summary>
public sealed record ReferenceSolutionResponse(Guid Id, int Ordinal, string Text, string Source);

/// <summary>A rubric item.</summary>
public sealed record RubricItemResponse(Guid Id, int Ordinal, string Title, decimal Points, string Description);

/// <summary>A rubric version.</summary>
public sealed record RubricResponse(
    Guid Id,
    Guid ProblemId,
    int Version,
    string Origin,
    string Status,
    IReadOnlyList<RubricItemResponse> Items,
    decimal TotalPoints,
    string ZeroCredit,
    IReadOnlyList<DeductionDto> Deductions,
    string Notes,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ApprovedAt,
    uint RowVersion);

/// <summary>Grading status counts of a problem's solutions.</summary>
public sealed record ProblemCounts(int Solutions, int Graded, int DoubleGraded, int Adjudicated, int Annotated);

/// <summary>A problem in a list.</summary>
public sealed record ProblemSummaryResponse(Guid Id, string Title, int MaxPoints, string Source, string? ExternalId, ProblemCounts Counts,
    DateTimeOffset CreatedAt);

/// <summary>A page of a project's problems; <c>total</c> counts every problem that passes the search.</summary>
public sealed record ProblemPageResponse(int Page, int PageSize, int Total, IReadOnlyList<ProblemSummaryResponse> Items);

/// <summary>A problem with its references and rubric versions.</summary>
public sealed record ProblemResponse(
    Guid Id,
    Guid ProjectId,
    string Title,
    string Statement,
    int MaxPoints,
    string Source,
    string? ExternalId,
    string? MarkingScheme,
    IReadOnlyList<ReferenceSolutionResponse> ReferenceSolutions,
    RubricResponse? CurrentRubric,
    IReadOnlyList<RubricResponse> Rubrics,
    ProblemCounts Counts,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    uint RowVersion);

/// <summary>Adds a solution to a problem. <c>author</c> is a model name, "human", or omitted (anonymous).</summary>
public sealed record CreateSolutionRequest(string Text, string? Author, string? ExternalId);

/// <summary>A solution in a list.</summary>
public sealed record SolutionSummaryResponse(
    Guid Id,
    Guid ProblemId,
    string? Author,
    string? ExternalId,
    int Length,
    string Excerpt,
    int HumanGrades,
    int Annotations,
    decimal? MyPoints,
    decimal? AdjudicatedPoints,
    DateTimeOffset CreatedAt);

/// <summary>
/// A page of solutions in a stable order; <c>next</c> is the link to the following page, null at the end. <c>total</c>
/// counts every solution that passes the filters; <c>page</c> is null when the page was asked for with <c>after</c>.
/// </summary>
public sealed record SolutionPageResponse(IReadOnlyList<SolutionSummaryResponse> Items, string? Next, int Total, int? Page, int PageSize);

/// <summary>The problem a solution answers, as the solution page needs it.</summary>
public sealed record SolutionProblemResponse(Guid Id, string Title, string Statement, int MaxPoints);

/// <summary>An annotation on a solution; <c>canDelete</c> says whether the caller may delete it.</summary>
public sealed record AnnotationResponse(
    Guid Id,
    Guid SolutionId,
    int Start,
    int End,
    string Quote,
    string ErrorType,
    string Severity,
    string Comment,
    string Origin,
    string Review,
    Guid? AuthorId,
    string? AuthorName,
    DateTimeOffset CreatedAt,
    bool CanDelete,
    bool CanEdit,
    uint RowVersion);

/// <summary>Changes a person's own annotation: type, severity and comment (the span stays). <c>rowVersion</c> is the one read.</summary>
public sealed record UpdateAnnotationRequest(string? ErrorType, string? Severity, string? Comment, uint? RowVersion);

/// <summary>Marks an error span. <c>quote</c> must equal the text at [start, end) (UTF-16 offsets).</summary>
public sealed record CreateAnnotationRequest(int Start, int End, string? Quote, string? ErrorType, string? Severity, string? Comment);

/// <summary>A person's award for one rubric item.</summary>
public sealed record ItemAwardDto(Guid RubricItemId, decimal Points, string? Comment);

/// <summary>Submits (or, with the current rowVersion, revises) the caller's grade of a solution.</summary>
public sealed record SubmitHumanGradeRequest(decimal Points, IReadOnlyList<ItemAwardDto>? Items, string? Comment, uint? RowVersion);

/// <summary>A person's grade.</summary>
public sealed record HumanGradeResponse(
    Guid Id,
    Guid SolutionId,
    Guid GraderId,
    string GraderName,
    Guid? RubricId,
    decimal Points,
    IReadOnlyList<ItemAwardDto> Items,
    string Comment,
    bool GivenBlind,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    uint RowVersion);

/// <summary>A grade an adjudication rests on.</summary>
public sealed record GradeReferenceDto(string Kind, Guid GradeId);

/// <summary>Sets the final grade. Revising an existing adjudication needs its current rowVersion.</summary>
public sealed record AdjudicateRequest(decimal Points, string? Rationale, IReadOnlyList<GradeReferenceDto>? BasedOn, uint? RowVersion);

/// <summary>The final grade of a solution.</summary>
public sealed record AdjudicationResponse(
    Guid Id,
    Guid SolutionId,
    decimal Points,
    string Rationale,
    Guid AdjudicatorId,
    string AdjudicatorName,
    IReadOnlyList<GradeReferenceDto> BasedOn,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    uint RowVersion);

/// <summary>
/// What the caller may do on a solution and what blind mode hides from them (<c>hiddenGradeCount</c>: other people's
/// grades held back until the caller submits their own).
/// </summary>
public sealed record SolutionPermissions(string Role, bool CanAnnotate, bool CanGrade, bool CanAdjudicate, bool OthersGradesHidden,
    bool AuthorHidden, int HiddenGradeCount);

/// <summary>A solution with everything the caller may see of it.</summary>
public sealed record SolutionResponse(
    Guid Id,
    Guid ProjectId,
    Guid ProblemId,
    SolutionProblemResponse Problem,
    string Text,
    string? Author,
    string? ExternalId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    RubricResponse? Rubric,
    IReadOnlyList<AnnotationResponse> Annotations,
    IReadOnlyList<HumanGradeResponse> HumanGrades,
    HumanGradeResponse? MyGrade,
    AdjudicationResponse? Adjudication,
    string EvidenceLevel,
    SolutionPermissions Permissions,
    Guid? PreviousSolutionId,
    Guid? NextSolutionId);

/// <summary>
/// What a grade or an adjudication can change on a solution, as the caller may see it (the same blind rules as the whole
/// solution): no text, annotations or rubric, so an open page can follow a grade given elsewhere without reading those.
/// </summary>
public sealed record SolutionGradingResponse(
    Guid SolutionId,
    IReadOnlyList<HumanGradeResponse> HumanGrades,
    HumanGradeResponse? MyGrade,
    AdjudicationResponse? Adjudication,
    string EvidenceLevel,
    SolutionPermissions Permissions);

/// <summary>One entry of a solution's audit trail.</summary>
public sealed record AuditEventResponse(long Id, DateTimeOffset At, Guid? ActorId, string ActorName, string EntityType, Guid EntityId,
    string Action, System.Text.Json.JsonElement Data);
