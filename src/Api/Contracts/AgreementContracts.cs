namespace GradingPortal.Api.Contracts;

// Agreement between model graders and people (docs/evaluation-metrics.md). Every figure is aggregated over solutions;
// no response names a solution or a person.

/// <summary>
/// One figure with its 95% bootstrap interval. <c>value</c> is null where the metric is undefined (e.g. a correlation
/// without variance); <c>low</c> and <c>high</c> are null with it. <c>n</c> counts the solutions the figure rests on.
/// </summary>
public sealed record MetricDto(double? Value, double? Low, double? High, int N);

/// <summary>
/// Who is measured: a grading run (<c>kind</c> = <c>run</c>, <c>id</c> = the run's id) or a source of imported model
/// grades (<c>kind</c> = <c>imported</c>, <c>id</c> derived from source and model, stable across requests).
/// </summary>
public sealed record AgreementGraderDto(
    string Kind,
    Guid Id,
    string Label,
    string? Workflow,
    string? RubricDesign,
    string Model,
    string? Source,
    int? Samples);

/// <summary>What a grader cost: the run's recorded model cost, and that divided by the solutions it scored. Null for imported grades.</summary>
public sealed record AgreementCostDto(decimal? Total, decimal? PerSolution);

/// <summary>The grader's mean score over the solutions the reference gave one score.</summary>
public sealed record CalibrationRowDto(decimal Human, int N, double? MeanModel);

/// <summary>Counts; rows are the reference's categories, columns the grader's, both in <c>labels</c> order.</summary>
public sealed record ConfusionDto(IReadOnlyList<string> Labels, IReadOnlyList<IReadOnlyList<int>> Counts);

/// <summary>One grader measured against the human reference on the solutions both scored.</summary>
public sealed record AgreementGraderResult(
    AgreementGraderDto Grader,
    int N,
    IReadOnlyDictionary<string, MetricDto> Metrics,
    AgreementCostDto Cost,
    IReadOnlyList<CalibrationRowDto> Calibration,
    ConfusionDto Confusion);

/// <summary>The same metrics between the first and the second person on solutions graded by two or more people.</summary>
public sealed record HumanCeilingDto(int N, IReadOnlyDictionary<string, MetricDto> Metrics);

/// <summary>
/// Agreement of every grader of a project with people. <c>threshold</c> is the pass mark of the binary view; null means
/// each problem's maximum minus one.
/// </summary>
public sealed record AgreementResponse(
    string HumanSource,
    decimal? Threshold,
    IReadOnlyList<AgreementGraderResult> Graders,
    HumanCeilingDto HumanCeiling);

/// <summary>Agreement on one problem.</summary>
public sealed record ProblemAgreementDto(
    Guid ProblemId,
    string Title,
    int MaxPoints,
    IReadOnlyList<AgreementGraderResult> Graders,
    HumanCeilingDto HumanCeiling);

/// <summary>Agreement per problem, problems in the order they were created.</summary>
public sealed record ProblemAgreementResponse(string HumanSource, decimal? Threshold, IReadOnlyList<ProblemAgreementDto> Problems);

/// <summary>
/// One rubric item for one grader: over the solutions where both the grader and the reference awarded the item, the
/// mean award of each side and how many solutions that is.
/// </summary>
public sealed record RubricItemAgreementDto(
    Guid RubricItemId,
    Guid ProblemId,
    string Title,
    decimal MaxPoints,
    int N,
    MetricDto MeanModel,
    MetricDto MeanHuman,
    MetricDto Bias);

/// <summary>Per-rubric-item awards of one grader against people.</summary>
public sealed record GraderRubricItemsDto(AgreementGraderDto Grader, IReadOnlyList<RubricItemAgreementDto> Items);

/// <summary>Per-rubric-item agreement of every grader that awards rubric items.</summary>
public sealed record RubricItemAgreementResponse(string HumanSource, IReadOnlyList<GraderRubricItemsDto> Graders);

/// <summary>
/// One solution behind an agreement figure: the human reference and the grader's score (for the human ceiling: the
/// first and the second person's grade), <c>difference</c> = <c>model</c> − <c>human</c>, and the whole-point categories
/// the confusion matrix counts it under.
/// </summary>
public sealed record AgreementPairDto(
    Guid SolutionId,
    Guid ProblemId,
    string ProblemTitle,
    int MaxPoints,
    string? Author,
    string? ExternalId,
    decimal Human,
    decimal Model,
    decimal Difference,
    int HumanCategory,
    int ModelCategory);

/// <summary>
/// A page of the solutions behind a grader's figures (or the human ceiling's when <c>ceiling</c> is true), largest
/// disagreement first. <c>total</c> counts every pair that matches the filters.
/// </summary>
public sealed record AgreementPairsResponse(
    string HumanSource,
    AgreementGraderDto? Grader,
    bool Ceiling,
    int Page,
    int PageSize,
    int Total,
    IReadOnlyList<AgreementPairDto> Items);
