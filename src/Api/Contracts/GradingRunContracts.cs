namespace GradingPortal.Api.Contracts;

// Model profiles, grading runs and model grades. API keys travel only inward (create/patch); no response carries one.

/// <summary>Prices per million tokens (input, cached input, output), in whatever currency the admin bills in.</summary>
public sealed record ModelPricesDto(decimal Input, decimal CachedInput, decimal Output);

/// <summary>
/// Creates a model profile (global administrators). Give the key as <c>apiKey</c> (stored encrypted, never shown again)
/// or as <c>apiKeyVariable</c> (<c>GP_MODEL_KEY_&lt;NAME&gt;</c>: the environment variable of that name, else the setting
/// <c>ModelKeys:&lt;NAME&gt;</c>, read by the Api and the Workers), or neither for local servers that need no key.
/// <c>structuredOutput</c> is <c>jsonSchema</c> (default) or <c>jsonMode</c>. <c>allowedProjectIds</c> lists the projects
/// whose Adjudicators and Admins may run the profile (none by default; site administrators may always run it).
/// <c>dailySpendingCap</c> (per UTC day, all runs together) and <c>runSpendingCap</c> are in the currency of the prices.
/// </summary>
public sealed record CreateModelProfileRequest(
    string? Name,
    string? BaseUrl,
    string? Model,
    string? ApiKey,
    string? ApiKeyVariable,
    double? Temperature,
    string? ReasoningEffort,
    int? MaxOutputTokens,
    int? TimeoutSeconds,
    int? MaxConcurrency,
    int? RequestsPerMinute,
    ModelPricesDto? Prices,
    string? StructuredOutput,
    IReadOnlyList<Guid>? AllowedProjectIds = null,
    decimal? DailySpendingCap = null,
    decimal? RunSpendingCap = null);

/// <summary>
/// Changes a model profile: only the fields given change. A new <c>apiKey</c> replaces the key source (stored key or
/// variable), and so does a new <c>apiKeyVariable</c>. To remove a value, name it in <c>clear</c>: <c>apiKey</c> removes
/// the key source entirely (stored key and variable), and <c>temperature</c>, <c>reasoningEffort</c>,
/// <c>maxOutputTokens</c>, <c>requestsPerMinute</c>, <c>dailySpendingCap</c>, <c>runSpendingCap</c> go back to the endpoint's
/// defaults / no limit. <c>allowedProjectIds</c>, when given, replaces the whole list. <c>rowVersion</c> (from the profile's
/// last response) is required: an edit based on an older version gets 409.
/// </summary>
public sealed record UpdateModelProfileRequest(
    string? Name,
    string? BaseUrl,
    string? Model,
    string? ApiKey,
    string? ApiKeyVariable,
    double? Temperature,
    string? ReasoningEffort,
    int? MaxOutputTokens,
    int? TimeoutSeconds,
    int? MaxConcurrency,
    int? RequestsPerMinute,
    ModelPricesDto? Prices,
    string? StructuredOutput,
    IReadOnlyList<string>? Clear,
    uint? RowVersion,
    IReadOnlyList<Guid>? AllowedProjectIds = null,
    decimal? DailySpendingCap = null,
    decimal? RunSpendingCap = null) : IVersionedEdit;

/// <summary>
/// A model profile. Never contains the key: <c>hasStoredKey</c> says one is stored, <c>apiKeyVariable</c> names a variable.
/// <c>keyProblem</c> says why the key cannot be used (a variable name no longer allowed), else null.
/// </summary>
public sealed record ModelProfileResponse(
    Guid Id,
    string Name,
    string BaseUrl,
    string Model,
    bool HasStoredKey,
    string? ApiKeyVariable,
    double? Temperature,
    string? ReasoningEffort,
    int? MaxOutputTokens,
    int TimeoutSeconds,
    int MaxConcurrency,
    int? RequestsPerMinute,
    ModelPricesDto Prices,
    string StructuredOutput,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    uint RowVersion,
    IReadOnlyList<Guid> AllowedProjectIds,
    decimal? DailySpendingCap,
    decimal? RunSpendingCap,
    string? KeyProblem);

/// <summary>The outcome of a small real chat call to the profile's endpoint. <c>error</c> never contains the key.</summary>
public sealed record ModelProfileTestResponse(bool Ok, int LatencyMs, string Model, string? Error);

/// <summary>
/// Starts a grading run. Give exactly one of <c>problemIds</c> (every solution of those problems) or <c>solutionIds</c>.
/// <c>rubricDesign</c> is for <c>five-stage</c> only (default <c>approachability</c>); <c>samples</c> (default 1) grades
/// each solution that many times and <c>aggregation</c> (default <c>median</c>) combines them. <c>prompts</c> optionally
/// picks a prompt per stage (<c>{"grade": "grade-with-rubric.v1"}</c>) among the choices <c>GET /api/grading-runs/options</c>
/// lists; stages not named use the workflow's default. The run keeps the prompts it was created with.
/// </summary>
public sealed record StartGradingRunRequest(
    Guid ProjectId,
    IReadOnlyList<Guid>? ProblemIds,
    IReadOnlyList<Guid>? SolutionIds,
    string? Workflow,
    string? RubricDesign,
    Guid ModelProfileId,
    int? Samples,
    string? Aggregation,
    bool RequireRubricApproval = false,
    IReadOnlyDictionary<string, string>? Prompts = null);

/// <summary>How many items of a run are in each state.</summary>
public sealed record RunItemCounts(int Total, int Pending, int Running, int Graded, int NeedsAttention, int Failed, int Cancelled);

/// <summary>Tokens spent by a run's calls (cached input is part of input; reasoning is part of output).</summary>
public sealed record TokenCounts(long Input, long CachedInput, long Output, long Reasoning);

/// <summary>Preparation of one problem in a run (clusters, analyses, rubrics).</summary>
public sealed record RunProblemResponse(Guid ProblemId, string Title, string Status, string? Error, int Solutions);

/// <summary>A run item that failed, with its reason.</summary>
public sealed record RunFailureResponse(Guid ItemId, Guid SolutionId, Guid ProblemId, string Status, string? Error, int Attempts, string? Author,
    string? ExternalId);

/// <summary>A derived rubric of this run that waits for a person's approval.</summary>
public sealed record PendingRubricResponse(Guid RubricId, Guid ProblemId, int Version, string? ApproachKey);

/// <summary>What the run was asked to grade.</summary>
public sealed record RunSelectionResponse(IReadOnlyList<Guid>? ProblemIds, IReadOnlyList<Guid>? SolutionIds);

/// <summary>A page of a project's runs in the order asked for; <c>total</c> counts every run that matches the filters.</summary>
public sealed record GradingRunPageResponse(int Page, int PageSize, int Total, IReadOnlyList<GradingRunSummaryResponse> Items);

/// <summary>A page of a run's failed items and items that need attention; <c>total</c> counts every one that matches the filters.</summary>
public sealed record RunFailurePageResponse(int Page, int PageSize, int Total, IReadOnlyList<RunFailureResponse> Items);

/// <summary>A run in a project's list.</summary>
public sealed record GradingRunSummaryResponse(
    Guid Id,
    Guid ProjectId,
    string Workflow,
    string? RubricDesign,
    Guid ModelProfileId,
    string ProfileName,
    string Model,
    int Samples,
    string Status,
    RunItemCounts Counts,
    decimal Cost,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt);

/// <summary>
/// A run with its progress: item counts, per-problem preparation, tokens and cost summed over its stage calls, the first
/// failures with their reasons, and derived rubrics waiting for approval.
/// </summary>
public sealed record GradingRunResponse(
    Guid Id,
    Guid ProjectId,
    string Workflow,
    string? RubricDesign,
    Guid ModelProfileId,
    string ProfileName,
    string Model,
    int Samples,
    string Aggregation,
    bool RequireRubricApproval,
    RunSelectionResponse Selection,
    string Status,
    string? Error,
    RunItemCounts Counts,
    IReadOnlyList<RunProblemResponse> Problems,
    TokenCounts Tokens,
    int Calls,
    decimal Cost,
    IReadOnlyList<RunFailureResponse> Failures,
    IReadOnlyList<PendingRubricResponse> RubricsAwaitingApproval,
    IReadOnlyList<RunPromptResponse> Prompts,
    Guid? CreatedById,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt);

/// <summary>The prompt (file name without extension, e.g. <c>grade-with-rubric.v3</c>) one stage of a run uses, fixed when the run was created.</summary>
public sealed record RunPromptResponse(string Stage, string Prompt);

/// <summary>The estimated calls, tokens and cost of one stage of a run.</summary>
public sealed record StageEstimateResponse(string Stage, string Prompt, string Per, int Calls, long InputTokens, long OutputTokens, decimal Cost);

/// <summary>
/// What a run would cost, before starting it. An estimate: tokens are text lengths / 4 plus allowances for instructions
/// and answers; clusters are bounded by the number of reference solutions; prompt caching and reasoning tokens are ignored.
/// <c>spendingCapProblem</c> says why starting it would be refused (the cost exceeds the profile's per-run cap or what is
/// left of its daily cap), else null.
/// </summary>
public sealed record GradingRunEstimateResponse(
    int Problems,
    int Solutions,
    IReadOnlyList<StageEstimateResponse> Stages,
    int Calls,
    long InputTokens,
    long OutputTokens,
    decimal Cost,
    string Note,
    string? SpendingCapProblem = null);

/// <summary>
/// What a run can be started with: the workflows, aggregations and the live model profiles the caller may run in the
/// project asked about (none for Viewers and Graders, and none without a project unless the caller is a site administrator).
/// </summary>
public sealed record GradingRunOptionsResponse(
    IReadOnlyList<WorkflowResponse> Workflows,
    IReadOnlyList<string> Aggregations,
    int MaxSamples,
    IReadOnlyList<ModelProfileChoiceResponse> Profiles);

/// <summary>A grading workflow, its stages and the prompts each stage may use (<c>prompts</c> of a new run).</summary>
public sealed record WorkflowResponse(string Name, string Title, IReadOnlyList<string> Stages, IReadOnlyList<string> RubricDesigns,
    bool NeedsReference, bool NeedsOfficialRubric, bool DerivesRubric, IReadOnlyList<StagePromptsResponse> Prompts);

/// <summary>The prompts one stage of a workflow may use: the default and every choice (the default among them).</summary>
public sealed record StagePromptsResponse(string Stage, string Default, IReadOnlyList<PromptChoiceResponse> Choices);

/// <summary>One prompt a stage may use, with what its layout means for cost and caching.</summary>
public sealed record PromptChoiceResponse(string Name, string Description);

/// <summary>A model profile as someone who may start a run with it sees it, with its spending caps.</summary>
public sealed record ModelProfileChoiceResponse(Guid Id, string Name, string Model, ModelPricesDto Prices, decimal? DailySpendingCap = null,
    decimal? RunSpendingCap = null);

/// <summary>A model's award for one rubric item.</summary>
public sealed record ModelGradeItemResponse(Guid? RubricItemId, string Title, decimal Points, decimal? MaxPoints, string Reason);

/// <summary>An error a model reported, with the span the portal located for its quote (null when it could not be placed).</summary>
public sealed record ModelFindingResponse(
    Guid Id,
    string? ErrorType,
    string Category,
    string Severity,
    string Quote,
    string Location,
    string Explanation,
    int? Start,
    int? End,
    string SpanMatch,
    double SpanConfidence,
    string Review,
    Guid? ReviewedById,
    DateTimeOffset? ReviewedAt);

/// <summary>One attempt of one model call behind a grade, stored whole.</summary>
public sealed record StageCallResponse(
    Guid Id,
    string Stage,
    int Sample,
    int Attempt,
    string PromptName,
    string PromptSha256,
    string Status,
    string? Error,
    string? FinishReason,
    TokenCounts Tokens,
    int LatencyMs,
    decimal Cost,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    System.Text.Json.JsonElement RequestMessages,
    string? RawResponse,
    System.Text.Json.JsonElement? Parsed);

/// <summary>
/// A model's verdict on a solution. <c>status</c>: valid, needsAttention (kept raw with <c>statusReason</c>, never
/// counted) or unscored. <c>stageCalls</c> and <c>rawOutput</c> are filled by <c>GET /api/model-grades/{id}</c> only.
/// </summary>
public sealed record ModelGradeResponse(
    Guid Id,
    Guid SolutionId,
    Guid? RunId,
    string Source,
    string Model,
    Guid? RubricId,
    decimal? Points,
    int MaxPoints,
    string Status,
    string StatusReason,
    string Summary,
    string Rationale,
    System.Text.Json.JsonElement Provenance,
    DateTimeOffset CreatedAt,
    IReadOnlyList<ModelGradeItemResponse> Items,
    IReadOnlyList<ModelFindingResponse> Findings,
    string? RawOutput,
    IReadOnlyList<StageCallResponse>? StageCalls);

/// <summary>A person agrees (<c>accept: true</c>) or disagrees with a model's finding.</summary>
public sealed record ReviewFindingRequest(bool Accept);
