using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Grading;

/// <summary>How one attempt of a model call ended.</summary>
public enum StageCallStatus
{
    /// <summary>Started and not finished (its process may have died): never reused.</summary>
    InFlight = 0,
    /// <summary>Answered with output that parsed and validated; <see cref="StageCall.Parsed"/> holds it and later attempts reuse it.</summary>
    Succeeded = 1,
    /// <summary>Answered, but the output did not parse or validate (kept raw).</summary>
    Invalid = 2,
    /// <summary>HTTP error, timeout, truncated output, refusal, an unexpected error...</summary>
    Failed = 3,
    /// <summary>
    /// Interrupted on purpose before the model answered: its run was cancelled, or its Worker stopped (the item is then
    /// handed back and graded again elsewhere). Never reused.
    /// </summary>
    Cancelled = 4,
}

/// <summary>
/// One attempt of one model call made by a grading stage, stored whole: which prompt (name + SHA-256), which profile
/// (snapshot without key), the request messages, the raw response, the parsed result, tokens, latency, cost and error.
/// <see cref="CallKey"/> names the logical call (e.g. run item + stage + sample); a succeeded call with the same key is
/// reused instead of repeated, which makes jobs safe to run twice.
/// </summary>
public sealed class StageCall
{
    private StageCall()
    {
    }

    public StageCall(string callKey, int attempt, Guid projectId, Guid? runId, Guid? runItemId, Guid problemId, Guid? solutionId, string stage,
        string promptName, string promptSha256, Guid modelProfileId, string profileSnapshot, string requestMessages, DateTimeOffset startedAt)
    {
        Id = Ids.New();
        CallKey = callKey;
        Attempt = attempt;
        ProjectId = projectId;
        RunId = runId;
        RunItemId = runItemId;
        ProblemId = problemId;
        SolutionId = solutionId;
        Stage = stage;
        PromptName = promptName;
        PromptSha256 = promptSha256;
        ModelProfileId = modelProfileId;
        ProfileSnapshot = profileSnapshot;
        RequestMessages = requestMessages;
        StartedAt = startedAt;
        Status = StageCallStatus.InFlight;
    }

    public Guid Id { get; private set; }
    /// <summary>The logical call this attempt belongs to; unique together with <see cref="Attempt"/>.</summary>
    public string CallKey { get; private set; } = "";
    public int Attempt { get; private set; }
    public Guid ProjectId { get; private set; }
    public Guid? RunId { get; private set; }
    public Guid? RunItemId { get; private set; }
    public Guid ProblemId { get; private set; }
    public Guid? SolutionId { get; private set; }
    /// <summary>Set when the call produced a per-problem or per-cluster artifact.</summary>
    public Guid? ArtifactId { get; set; }
    /// <summary>Set on the final grading call(s) once the grade is stored.</summary>
    public Guid? ModelGradeId { get; set; }
    public string Stage { get; private set; } = "";
    /// <summary>Sample index for the grading stage when a run takes several samples per solution.</summary>
    public int Sample { get; set; }
    /// <summary>Prompt file name without extension, e.g. <c>grade-with-rubric.v1</c>.</summary>
    public string PromptName { get; private set; } = "";
    public string PromptSha256 { get; private set; } = "";
    public Guid ModelProfileId { get; private set; }
    public string ProfileSnapshot { get; private set; } = "{}";
    /// <summary>The chat messages sent, as JSON (<c>[{role, content}]</c>) plus the response format asked for.</summary>
    public string RequestMessages { get; private set; } = "[]";
    /// <summary>The response body text exactly as received (null when nothing came back).</summary>
    public string? RawResponse { get; set; }
    /// <summary>The validated, parsed output as JSON (Succeeded only).</summary>
    public string? Parsed { get; set; }
    public StageCallStatus Status { get; set; }
    public string? Error { get; set; }
    public string? FinishReason { get; set; }
    public long InputTokens { get; set; }
    public long CachedInputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long ReasoningTokens { get; set; }
    public int LatencyMs { get; set; }
    public decimal Cost { get; set; }
    public DateTimeOffset StartedAt { get; private set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

/// <summary>What a per-problem artifact holds.</summary>
public static class ArtifactKinds
{
    /// <summary>Clusters of the reference solutions with one representative each (stage a).</summary>
    public const string Clusters = "clusters";
    /// <summary>Analysis of one cluster's representative (stage c).</summary>
    public const string Analysis = "analysis";
    /// <summary>A derived rubric for one cluster and design (stage d); the rubric itself is a <see cref="Rubrics.Rubric"/> version.</summary>
    public const string Rubric = "rubric";
}

/// <summary>
/// A per-problem or per-cluster result of a preparation stage, stored with its provenance and reused by every run and
/// solution whose cache key matches (same problem content, references, stage prompt, model and design).
/// </summary>
public sealed class GradingArtifact
{
    private GradingArtifact()
    {
    }

    public GradingArtifact(Guid projectId, Guid problemId, string kind, string cacheKey, int? clusterIndex, string content, Guid? runId,
        Guid? stageCallId, Guid? rubricId, DateTimeOffset createdAt)
    {
        Id = Ids.New();
        ProjectId = projectId;
        ProblemId = problemId;
        Kind = kind;
        CacheKey = cacheKey;
        ClusterIndex = clusterIndex;
        Content = content;
        RunId = runId;
        StageCallId = stageCallId;
        RubricId = rubricId;
        CreatedAt = createdAt;
    }

    public Guid Id { get; private set; }
    public Guid ProjectId { get; private set; }
    public Guid ProblemId { get; private set; }
    public string Kind { get; private set; } = "";
    /// <summary>Hash of everything the artifact depends on; unique per problem and kind.</summary>
    public string CacheKey { get; private set; } = "";
    public int? ClusterIndex { get; private set; }
    /// <summary>The artifact as JSON (validated stage output plus anything derived in code).</summary>
    public string Content { get; private set; } = "{}";
    /// <summary>The run that computed it first.</summary>
    public Guid? RunId { get; private set; }
    public Guid? StageCallId { get; private set; }
    /// <summary>For <see cref="ArtifactKinds.Rubric"/>: the rubric version it created.</summary>
    public Guid? RubricId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
}

/// <summary>One request start against a profile, for the requests-per-minute window shared by all Workers.</summary>
public sealed class ModelRequestStart
{
    public long Id { get; set; }
    public Guid ModelProfileId { get; set; }
    public DateTimeOffset At { get; set; }
}
