namespace GradingPortal.Domain.Jobs;

/// <summary>
/// A kind of background job: the Api schedules it by these names (without referencing the Worker), a Worker runs it.
/// <see cref="TypeName"/> is the Worker class Quartz instantiates; a Worker test checks that it resolves.
/// </summary>
/// <param name="Name">Stable job name, also the prefix of each job's key.</param>
/// <param name="TypeName">Assembly-qualified name of the Worker's job class.</param>
/// <param name="IdKey">The job-data key holding the id of the record the job works on.</param>
public sealed record JobContract(string Name, string TypeName, string IdKey);

/// <summary>The job kinds of GradingPortal and the settings every Quartz host shares.</summary>
public static class JobContracts
{
    /// <summary>All Api and Worker processes join one Quartz scheduler (cluster) of this name.</summary>
    public const string SchedulerName = "GradingPortal";

    /// <summary>Quartz tables are created by the migrator under this prefix.</summary>
    public const string TablePrefix = "qrtz_";

    public const string Group = "gradingportal";

    /// <summary>Processes one uploaded import file.</summary>
    public static readonly JobContract Import = new("import", "GradingPortal.Worker.Imports.ImportJob, GradingPortal.Worker", "importId");

    /// <summary>Plans a grading run: creates its items and per-problem preparation, then schedules the problem jobs.</summary>
    public static readonly JobContract StartRun = new("start-run", "GradingPortal.Worker.Grading.StartRunJob, GradingPortal.Worker", "runId");

    /// <summary>Prepares one problem of a run (clusters, analyses, rubrics), then schedules its solutions.</summary>
    public static readonly JobContract PrepareProblem = new("prepare-problem", "GradingPortal.Worker.Grading.PrepareProblemJob, GradingPortal.Worker", "runProblemId");

    /// <summary>
    /// Grades the solutions of one ready problem of a run: a few of these run per problem (keyed by run problem and slice
    /// number, see <see cref="SliceKey"/>), each claiming the problem's next open solution until none is left.
    /// </summary>
    public static readonly JobContract GradeSlice = new("grade-slice", "GradingPortal.Worker.Grading.GradeSliceJob, GradingPortal.Worker", "runProblemId");

    /// <summary>The job-data key holding a slice job's number (0-based) among its problem's slices.</summary>
    public const string SliceKey = "slice";
}
