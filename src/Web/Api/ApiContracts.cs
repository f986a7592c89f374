using System.Text.Json;

namespace GradingPortal.Web.Api;

// Web's own copies of the Api's v1 contract (Web references no project of ours). JSON is camelCase, enums are camelCase
// strings. Fields Web does not use are left out; System.Text.Json ignores unknown members, so Api additions never break
// Web. A few optional members are read when present (marked below) so Web shows them as soon as Api sends them.

public sealed record LoginRequest(string Email, string Password);

public sealed record RefreshRequest(string RefreshToken);

public sealed record TokenPairResponse(string TokenType, string AccessToken, int ExpiresIn, string RefreshToken);

public sealed record MeResponse(Guid Id, string Email, string DisplayName, bool IsAdmin);

public sealed record ChangePasswordRequest(string CurrentPassword, string NewPassword);

public sealed record LogoutRequest(string RefreshToken);

public sealed record CreateProjectRequest(string Name, string? Description, int? MaxPoints, bool UsesLabels, bool BlindGrading, bool HideAuthors,
    IReadOnlyList<string>? CustomErrorTypes);

public sealed record ErrorTypeResponse(string Id, string Label, bool Custom);

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
    uint RowVersion);

public sealed record ReferenceSolutionInput(string Text, string? Source);

public sealed record RubricItemInput(string Title, decimal Points, string? Description);

public sealed record DeductionDto(string Description, decimal Points);

public sealed record RubricInput(IReadOnlyList<RubricItemInput>? Items, string? ZeroCredit, IReadOnlyList<DeductionDto>? Deductions = null, string? Notes = null);

public sealed record UpdateRubricRequest(IReadOnlyList<RubricItemInput>? Items, string? ZeroCredit, IReadOnlyList<DeductionDto>? Deductions, string? Notes,
    uint? RowVersion);

public sealed record CreateProblemRequest(string Title, string Statement, int? MaxPoints, string? Source, string? ExternalId,
    IReadOnlyList<ReferenceSolutionInput>? ReferenceSolutions, RubricInput? Rubric, string? MarkingScheme = null);

public sealed record UpdateProblemRequest(string? Title, string? Statement, int? MaxPoints, string? Source, string? ExternalId, string? MarkingScheme,
    IReadOnlyList<ReferenceSolutionInput>? ReferenceSolutions, uint? RowVersion);

public sealed record ReferenceSolutionResponse(Guid Id, int Ordinal, string Text, string Source);

public sealed record RubricItemResponse(Guid Id, int Ordinal, string Title, decimal Points, string Description);

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

public sealed record ProblemCounts(int Solutions, int Graded, int DoubleGraded, int Adjudicated, int Annotated);

public sealed record ProblemSummaryResponse(Guid Id, string Title, int MaxPoints, string Source, string? ExternalId, ProblemCounts Counts,
    DateTimeOffset CreatedAt);

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

public sealed record CreateSolutionRequest(string Text, string? Author, string? ExternalId);

public sealed record SolutionProblemResponse(Guid Id, string Title, string Statement, int MaxPoints);

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
    DateTimeOffset CreatedAt);

public sealed record CreateAnnotationRequest(int Start, int End, string? Quote, string? ErrorType, string? Severity, string? Comment);

public sealed record ItemAwardDto(Guid RubricItemId, decimal Points, string? Comment);

public sealed record SubmitHumanGradeRequest(decimal Points, IReadOnlyList<ItemAwardDto>? Items, string? Comment, uint? RowVersion);

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

public sealed record GradeReferenceDto(string Kind, Guid GradeId);

public sealed record AdjudicateRequest(decimal Points, string? Rationale, IReadOnlyList<GradeReferenceDto>? BasedOn, uint? RowVersion);

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
/// What the caller may do. <c>HiddenGradeCount</c> is optional: Web shows "N other grades hidden" when Api sends it and
/// a count-free notice otherwise (see docs/web-needs.md).
/// </summary>
public sealed record SolutionPermissions(string Role, bool CanAnnotate, bool CanGrade, bool CanAdjudicate, bool OthersGradesHidden, bool AuthorHidden,
    int? HiddenGradeCount = null);

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
    Guid? NextSolutionId,
    int? HiddenGradeCount = null);

public sealed record AuditEventResponse(long Id, DateTimeOffset At, Guid? ActorId, string ActorName, string EntityType, Guid EntityId, string Action,
    JsonElement Data);
