using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Grading;

/// <summary>Where a run stands. Terminal: <see cref="Completed"/>, <see cref="Cancelled"/>, <see cref="Failed"/>.</summary>
public enum GradingRunStatus
{
    /// <summary>Created; the Worker has not planned it yet.</summary>
    Queued = 0,
    /// <summary>Items planned; per-problem artifacts (clusters, analyses, rubrics) are being derived.</summary>
    Preparing = 1,
    /// <summary>Derived rubrics wait for a person to approve them; approving resumes the run.</summary>
    AwaitingRubricApproval = 2,
    /// <summary>Solutions are being graded.</summary>
    Running = 3,
    /// <summary>Every item is graded, needs attention or failed.</summary>
    Completed = 4,
    Cancelled = 5,
    /// <summary>The run could not proceed at all (e.g. its profile was deleted); items keep their own state.</summary>
    Failed = 6,
}

/// <summary>
/// The settings a run is created with (validated by <see cref="GradingRun.Create"/>). <c>Prompts</c> optionally picks a
/// prompt (stage → prompt name) among a stage's choices; stages not named use the workflow's default.
/// </summary>
public sealed record GradingRunSettings(string Workflow, string? RubricDesign, Guid ModelProfileId, int Samples, string Aggregation,
    bool RequireRubricApproval, IReadOnlyDictionary<string, string>? Prompts = null);

/// <summary>
/// A request to grade a set of solutions with one workflow configuration and one model profile. Items (one per
/// solution) and per-problem preparation carry the progress; stage calls carry tokens and cost.
/// </summary>
public sealed class GradingRun : AuditedEntity
{
    public const int MaxSamples = 15;

    private GradingRun()
    {
    }

    public Guid ProjectId { get; private set; }
    public string Workflow { get; private set; } = "";
    /// <summary>For <c>five-stage</c> only (default <c>approachability</c>).</summary>
    public string? RubricDesign { get; private set; }
    public Guid ModelProfileId { get; private set; }
    /// <summary>The profile as it was when the run was created (JSON of <see cref="Models.ModelProfileSnapshot"/>; never a key).</summary>
    public string ProfileSnapshot { get; private set; } = "{}";
    public int Samples { get; private set; } = 1;
    public string Aggregation { get; private set; } = Aggregations.Median;
    public bool RequireRubricApproval { get; private set; }
    /// <summary>
    /// The prompt of every stage of the workflow, fixed at creation: the Worker grades with these even if the workflow's
    /// defaults change while the run exists.
    /// </summary>
    public List<RunPrompt> Prompts { get; private set; } = [];
    /// <summary>The resolved configuration (stages and prompt names) as JSON; prompt hashes are added when the Worker starts it.</summary>
    public string Configuration { get; private set; } = "{}";
    /// <summary>What was asked for: <c>{"problemIds":[...]}</c> or <c>{"solutionIds":[...]}</c>.</summary>
    public string Selection { get; private set; } = "{}";
    public GradingRunStatus Status { get; private set; }
    public string? Error { get; private set; }
    public Guid? CreatedById { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? StartedAt { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }
    public uint RowVersion { get; private set; }

    public bool IsTerminal => Status is GradingRunStatus.Completed or GradingRunStatus.Cancelled or GradingRunStatus.Failed;

    public WorkflowDefinition Definition => Workflows.Find(Workflow) ?? throw new InvalidOperationException($"Unknown workflow '{Workflow}'.");

    /// <summary>The prompt this run uses for <paramref name="stage"/> (from <see cref="Prompts"/>).</summary>
    public string PromptOf(string stage) => Prompts.FirstOrDefault(p => p.Stage == stage)?.Prompt
        ?? throw new InvalidOperationException($"Run {Id} has no prompt for the {stage} stage.");

    /// <summary>Validates the settings and creates a queued run.</summary>
    public static GradingRun Create(Guid projectId, GradingRunSettings settings, string profileSnapshot, string configuration, string selection,
        Guid? createdById, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        var definition = Workflows.Find(settings.Workflow);
        errors.Require(definition is not null, "workflow", $"Unknown workflow; use one of {string.Join(", ", Workflows.All.Select(w => w.Name))}.");
        var design = settings.RubricDesign;
        List<RunPrompt> prompts = [];
        if (definition is not null)
        {
            prompts = definition.ResolvePrompts(settings.Prompts, errors);
            if (definition.RubricDesigns.Count == 0)
            {
                errors.Require(design is null, "rubricDesign", $"The {definition.Name} workflow takes no rubric design.");
            }
            else
            {
                design ??= definition.RubricDesigns[0];
                errors.Require(definition.RubricDesigns.Contains(design), "rubricDesign",
                    $"Rubric design is one of {string.Join(", ", definition.RubricDesigns)}.");
            }
            errors.Require(!settings.RequireRubricApproval || definition.Has(Stages.DeriveRubric), "requireRubricApproval",
                $"The {definition.Name} workflow derives no rubric to approve.");
        }
        errors.Require(settings.Samples >= 1 && settings.Samples <= MaxSamples, "samples", $"Samples per solution is between 1 and {MaxSamples}.");
        errors.Require(Aggregations.All.Contains(settings.Aggregation), "aggregation", $"Aggregation is one of {string.Join(", ", Aggregations.All)}.");
        errors.ThrowIfAny();
        return new GradingRun
        {
            Id = Ids.New(),
            ProjectId = projectId,
            Workflow = settings.Workflow,
            RubricDesign = design,
            ModelProfileId = settings.ModelProfileId,
            ProfileSnapshot = profileSnapshot,
            Samples = settings.Samples,
            Aggregation = settings.Aggregation,
            RequireRubricApproval = settings.RequireRubricApproval,
            Prompts = prompts,
            Configuration = configuration,
            Selection = selection,
            Status = GradingRunStatus.Queued,
            CreatedById = createdById,
            CreatedAt = now,
        };
    }

    /// <summary>
    /// The Worker has planned the items and starts preparing problems. Planning happens once, when the run has no items
    /// yet: normally from <see cref="GradingRunStatus.Queued"/>, but any unfinished run that was never planned (e.g. one
    /// reopened by a retry) is planned the same way.
    /// </summary>
    public void StartPreparing(string configuration, DateTimeOffset now)
    {
        if (IsTerminal)
        {
            return;
        }
        Configuration = configuration;
        Status = GradingRunStatus.Preparing;
        StartedAt ??= now;
        MarkAuditAction("started");
    }

    public void AwaitRubricApproval()
    {
        if (Status is GradingRunStatus.Preparing or GradingRunStatus.Running)
        {
            Status = GradingRunStatus.AwaitingRubricApproval;
            MarkAuditAction("awaitingRubricApproval");
        }
    }

    /// <summary>Grading of solutions is under way (possibly while other problems are still being prepared).</summary>
    public void MarkRunning()
    {
        if (Status is GradingRunStatus.Queued or GradingRunStatus.Preparing or GradingRunStatus.AwaitingRubricApproval)
        {
            Status = GradingRunStatus.Running;
            MarkAuditAction("running");
        }
    }

    public void Complete(DateTimeOffset now)
    {
        if (!IsTerminal)
        {
            Status = GradingRunStatus.Completed;
            FinishedAt = now;
            MarkAuditAction("completed");
        }
    }

    /// <summary>
    /// Reopens a finished run whose failed items are being retried. A run that stopped before it was ever planned (it
    /// failed before the Worker created its items, so it never started) goes back to <see cref="GradingRunStatus.Queued"/>
    /// to be planned afresh; any other goes back to running.
    /// </summary>
    public void Reopen()
    {
        if (Status is GradingRunStatus.Completed or GradingRunStatus.Failed)
        {
            Status = StartedAt is null ? GradingRunStatus.Queued : GradingRunStatus.Running;
            FinishedAt = null;
            Error = null;
            MarkAuditAction("retried");
        }
    }

    public void Fail(string error, DateTimeOffset now)
    {
        if (!IsTerminal)
        {
            Status = GradingRunStatus.Failed;
            Error = error;
            FinishedAt = now;
            MarkAuditAction("failed");
        }
    }

    /// <summary>Stops the run: pending items are cancelled; calls already made are kept.</summary>
    public bool Cancel(DateTimeOffset now)
    {
        if (IsTerminal)
        {
            return false;
        }
        Status = GradingRunStatus.Cancelled;
        FinishedAt = now;
        MarkAuditAction("cancelled");
        return true;
    }

    /// <summary>
    /// Stops the run because its profile's spending cap is reached: it ends <see cref="GradingRunStatus.Cancelled"/> (calls
    /// in flight are interrupted and unfinished items cancelled, as when a person cancels it) with <paramref name="reason"/>
    /// as its error, so the run says why. Like any cancelled run it is not resumed; a new run takes what is left.
    /// </summary>
    public bool StopAtSpendingCap(string reason, DateTimeOffset now)
    {
        if (IsTerminal)
        {
            return false;
        }
        Status = GradingRunStatus.Cancelled;
        Error = reason;
        FinishedAt = now;
        MarkAuditAction("stoppedAtSpendingCap");
        return true;
    }

    internal override string AuditEntityType => "gradingRun";
    internal override Guid? AuditProjectId => ProjectId;
    internal override object AuditSnapshot() => new
    {
        Id, Workflow, RubricDesign, ModelProfileId, Samples, Aggregation, RequireRubricApproval, Prompts, Status = Status.ToString(), Error,
    };
}

/// <summary>Preparation state of one problem within a run (clusters, analyses and rubrics it needs).</summary>
public enum RunProblemStatus
{
    Pending = 0,
    Preparing = 1,
    /// <summary>Derived rubrics are drafts waiting for approval.</summary>
    AwaitingApproval = 2,
    /// <summary>Its solutions can be graded.</summary>
    Ready = 3,
    /// <summary>Preparation failed (e.g. no reference solution for a workflow that needs one); its items fail with the reason.</summary>
    Failed = 4,
}

/// <summary>One problem of a run: the unit of preparation work (a Worker job per problem).</summary>
public sealed class GradingRunProblem
{
    private GradingRunProblem()
    {
    }

    public GradingRunProblem(Guid runId, Guid problemId)
    {
        Id = Ids.New();
        RunId = runId;
        ProblemId = problemId;
    }

    public Guid Id { get; private set; }
    public Guid RunId { get; private set; }
    public Guid ProblemId { get; private set; }
    public RunProblemStatus Status { get; set; }
    public string? Error { get; set; }
    public DateTimeOffset? UpdatedAt { get; set; }
}

/// <summary>Progress of one solution in a run.</summary>
public enum RunItemStatus
{
    Pending = 0,
    Running = 1,
    /// <summary>A valid grade is stored.</summary>
    Graded = 2,
    /// <summary>The model's output failed validation; kept raw on a NeedsAttention model grade.</summary>
    NeedsAttention = 3,
    /// <summary>Calls failed after their retries (see <see cref="GradingRunItem.LastError"/>); retry-failed picks these up.</summary>
    Failed = 4,
    Cancelled = 5,
}

/// <summary>One solution of a run: the unit of grading work (a Worker job per item).</summary>
public sealed class GradingRunItem
{
    private GradingRunItem()
    {
    }

    public GradingRunItem(Guid runId, Guid projectId, Guid problemId, Guid solutionId)
    {
        Id = Ids.New();
        RunId = runId;
        ProjectId = projectId;
        ProblemId = problemId;
        SolutionId = solutionId;
    }

    public Guid Id { get; private set; }
    public Guid RunId { get; private set; }
    public Guid ProjectId { get; private set; }
    public Guid ProblemId { get; private set; }
    public Guid SolutionId { get; private set; }
    public RunItemStatus Status { get; set; }
    /// <summary>How many times a Worker started this item.</summary>
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public Guid? ModelGradeId { get; set; }
    /// <summary>The reference cluster the solution was matched to (three- and five-stage).</summary>
    public int? ClusterIndex { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public uint RowVersion { get; private set; }

    public bool IsTerminal => Status is RunItemStatus.Graded or RunItemStatus.NeedsAttention or RunItemStatus.Failed or RunItemStatus.Cancelled;
}
