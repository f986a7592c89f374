using System.Text.Json;

namespace GradingPortal.Web.Api;

// Web's copies of the Api's model-profile, grading-run and model-grade contracts. Keys only ever travel inward.

public sealed record ModelPricesDto(decimal Input, decimal CachedInput, decimal Output);

public sealed record StartGradingRunRequest(Guid ProjectId, IReadOnlyList<Guid>? ProblemIds, IReadOnlyList<Guid>? SolutionIds, string? Workflow,
    string? RubricDesign, Guid ModelProfileId, int? Samples, string? Aggregation, bool RequireRubricApproval,
    IReadOnlyDictionary<string, string>? Prompts = null);

public sealed record RunItemCounts(int Total, int Pending, int Running, int Graded, int NeedsAttention, int Failed, int Cancelled)
{
    public int Finished => Graded + NeedsAttention + Failed + Cancelled;
}

public sealed record TokenCounts(long Input, long CachedInput, long Output, long Reasoning);

public sealed record RunProblemResponse(Guid ProblemId, string Title, string Status, string? Error, int Solutions);

public sealed record RunFailureResponse(Guid ItemId, Guid SolutionId, Guid ProblemId, string Status, string? Error, int Attempts);

public sealed record PendingRubricResponse(Guid RubricId, Guid ProblemId, int Version, string? ApproachKey);

public sealed record GradingRunSummaryResponse(Guid Id, Guid ProjectId, string Workflow, string? RubricDesign, Guid ModelProfileId, string ProfileName,
    string Model, int Samples, string Status, RunItemCounts Counts, decimal Cost, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt);

public sealed record GradingRunResponse(Guid Id, Guid ProjectId, string Workflow, string? RubricDesign, Guid ModelProfileId, string ProfileName,
    string Model, int Samples, string Aggregation, bool RequireRubricApproval, string Status, string? Error, RunItemCounts Counts,
    IReadOnlyList<RunProblemResponse> Problems, TokenCounts Tokens, int Calls, decimal Cost, IReadOnlyList<RunFailureResponse> Failures,
    IReadOnlyList<PendingRubricResponse> RubricsAwaitingApproval, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    IReadOnlyList<RunPromptResponse>? Prompts = null)
{
    public bool IsFinished => Status is "completed" or "cancelled" or "failed";
}

public sealed record StageEstimateResponse(string Stage, string Prompt, string Per, int Calls, long InputTokens, long OutputTokens, decimal Cost);

public sealed record GradingRunEstimateResponse(int Problems, int Solutions, IReadOnlyList<StageEstimateResponse> Stages, int Calls, long InputTokens,
    long OutputTokens, decimal Cost, string Note, string? SpendingCapProblem = null);

public sealed record WorkflowResponse(string Name, string Title, IReadOnlyList<string> Stages, IReadOnlyList<string> RubricDesigns, bool NeedsReference,
    bool NeedsOfficialRubric, bool DerivesRubric, IReadOnlyList<StagePromptsResponse>? Prompts = null)
{
    /// <summary>The prompts the grading stage may use (default first); one entry when there is nothing to choose.</summary>
    public IReadOnlyList<PromptChoiceResponse> GradePrompts => Prompts?.FirstOrDefault(p => p.Stage == "grade")?.Choices ?? [];
}

public sealed record StagePromptsResponse(string Stage, string Default, IReadOnlyList<PromptChoiceResponse> Choices);

public sealed record PromptChoiceResponse(string Name, string Description);

public sealed record RunPromptResponse(string Stage, string Prompt);

public sealed record ModelProfileChoiceResponse(Guid Id, string Name, string Model, ModelPricesDto Prices, decimal? DailySpendingCap = null,
    decimal? RunSpendingCap = null);

public sealed record GradingRunOptionsResponse(IReadOnlyList<WorkflowResponse> Workflows, IReadOnlyList<string> Aggregations, int MaxSamples,
    IReadOnlyList<ModelProfileChoiceResponse> Profiles);

public sealed record ModelGradeItemResponse(Guid? RubricItemId, string Title, decimal Points, decimal? MaxPoints, string Reason);

public sealed record ModelFindingResponse(Guid Id, string? ErrorType, string Category, string Severity, string Quote, string Location,
    string Explanation, int? Start, int? End, string SpanMatch, double SpanConfidence, string Review);

public sealed record StageCallResponse(Guid Id, string Stage, int Sample, int Attempt, string PromptName, string PromptSha256, string Status,
    string? Error, string? FinishReason, TokenCounts Tokens, int LatencyMs, decimal Cost, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt,
    JsonElement RequestMessages, string? RawResponse, JsonElement? Parsed);

public sealed record ModelGradeResponse(Guid Id, Guid SolutionId, Guid? RunId, string Source, string Model, Guid? RubricId, decimal? Points,
    int MaxPoints, string Status, string StatusReason, string Summary, string Rationale, DateTimeOffset CreatedAt,
    IReadOnlyList<ModelGradeItemResponse> Items, IReadOnlyList<ModelFindingResponse> Findings, string? RawOutput,
    IReadOnlyList<StageCallResponse>? StageCalls);

public sealed record ReviewFindingRequest(bool Accept);
