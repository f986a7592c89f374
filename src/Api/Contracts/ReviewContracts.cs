namespace GradingPortal.Api.Contracts;

// The review queue, gold items and the partial-credit audit (docs/evaluation-metrics.md).

/// <summary>Why a solution is in the queue: a stable <c>code</c> for programs and a sentence for people.</summary>
public sealed record ReviewReasonDto(string Code, string Message);

/// <summary>
/// A solution to look at next. <c>riskScore</c> is the sum of the weights of its reasons; it and the detailed reasons are
/// null/withheld where blind grading hides the grades they come from (the reasons then read <c>review-recommended</c>).
/// <c>gold</c> is given to Adjudicators and Admins only. <c>author</c> is null where the project hides authors from the caller.
/// </summary>
public sealed record ReviewQueueItemDto(
    Guid SolutionId,
    Guid ProblemId,
    string ProblemTitle,
    int? RiskScore,
    IReadOnlyList<ReviewReasonDto> Reasons,
    bool? Gold,
    string? Author,
    string? ExternalId);

/// <summary>A page of the caller's review queue, riskiest first. <c>total</c> counts every item of the queue.</summary>
public sealed record ReviewQueueResponse(int Page, int PageSize, int Total, int RequiredHumanGrades, IReadOnlyList<ReviewQueueItemDto> Items);

/// <summary>
/// One grader's progress: solutions they graded, solutions still waiting for their grade, and the two together.
/// </summary>
public sealed record GraderProgressDto(Guid GraderId, string Name, string Role, int Graded, int Remaining, int Assigned);

/// <summary>The project's side of the progress: how many solutions have all the grades they need, and how many grades are missing.</summary>
public sealed record ReviewTotalsDto(int Solutions, int Complete, int GradesNeeded);

/// <summary>
/// Progress through the review queue. Adjudicators and Admins see every grader and the totals; a Grader sees their own row.
/// </summary>
public sealed record ReviewProgressResponse(int RequiredHumanGrades, ReviewTotalsDto? Totals, IReadOnlyList<GraderProgressDto> Graders);

/// <summary>Marks a solution as gold, with an optional note for other Adjudicators.</summary>
public sealed record MarkGoldRequest(string? Note);

/// <summary>One change of a gold item: <c>marked</c> or <c>unmarked</c>, by whom and when.</summary>
public sealed record GoldChangeDto(string Action, Guid? ActorId, string ActorName, DateTimeOffset At, string Note);

/// <summary>A gold item: the solution, whether it is gold now, the adjudicated points it is checked against, and its history.</summary>
public sealed record GoldItemResponse(
    Guid SolutionId,
    Guid ProblemId,
    bool Active,
    decimal? AdjudicatedPoints,
    string Note,
    Guid MarkedById,
    DateTimeOffset MarkedAt,
    Guid? UnmarkedById,
    DateTimeOffset? UnmarkedAt,
    IReadOnlyList<GoldChangeDto> History);

/// <summary>A grader's agreement with the adjudicated points of gold solutions over one period (or overall).</summary>
public sealed record GoldPeriodDto(DateTimeOffset Start, int N, double Mae, double Exact);

/// <summary>One grader on gold solutions: overall and per period, oldest period first.</summary>
public sealed record GoldGraderDto(Guid GraderId, string Name, int N, double Mae, double Exact, IReadOnlyList<GoldPeriodDto> Periods);

/// <summary>Each grader's agreement on gold solutions over time; periods are UTC days, ISO weeks (from Monday) or months.</summary>
public sealed record GoldAgreementResponse(string Bucket, int GoldSolutions, IReadOnlyList<GoldGraderDto> Graders);

/// <summary>One person's award for the rubric item, with their comment on it.</summary>
public sealed record PersonAwardDto(Guid GraderId, string Name, decimal Points, string Comment);

/// <summary>A rubric item as the audit names it.</summary>
public sealed record AuditRubricItemDto(Guid Id, string Title, decimal MaxPoints);

/// <summary>
/// One model grader's award for one rubric item of one solution, beside every person's. <c>reference</c> is people's
/// award under <c>humanSource</c> (the first person's for <c>first</c>, else their mean); <c>disagreement</c> is
/// |model − reference|. <c>author</c> is null where the project hides authors from the caller.
/// </summary>
public sealed record PartialCreditRowDto(
    Guid SolutionId,
    Guid ProblemId,
    string ProblemTitle,
    AuditRubricItemDto RubricItem,
    AgreementGraderDto Grader,
    Guid ModelGradeId,
    decimal ModelPoints,
    string ModelReason,
    IReadOnlyList<PersonAwardDto> People,
    decimal Reference,
    decimal Disagreement,
    string? Author,
    string? ExternalId);

/// <summary>A page of the partial-credit audit, largest disagreement first; <c>total</c> counts every row that matches.</summary>
public sealed record PartialCreditAuditResponse(string HumanSource, int Page, int PageSize, int Total, IReadOnlyList<PartialCreditRowDto> Rows);
