using GradingPortal.Domain.Grading;

namespace GradingPortal.Grading.Tests;

public sealed class WorkflowCatalogTests
{
    [Fact]
    public void Catalog_EveryWorkflowOfTheMethod_IsDefinedWithOneFinalGradingStage()
    {
        Workflows.All.Select(w => w.Name).ShouldBe(["absolute", "reference", "official-rubric", "three-stage", "five-stage", "single-call-judge"]);
        foreach (var workflow in Workflows.All)
        {
            workflow.Stages.Count(s => s.Stage == Stages.Grade).ShouldBe(1, workflow.Name);
            workflow.Stages[^1].Stage.ShouldBe(Stages.Grade, workflow.Name);
        }
        Workflows.Find(Workflows.FiveStage)!.RubricDesigns.ShouldBe(["approachability", "milestone", "hybrid", "plain"]);
    }

    [Fact]
    public void CreateRun_RubricDesignOnAWorkflowWithoutRubric_IsAFieldError()
    {
        var error = Should.Throw<GradingPortal.Domain.Common.DomainValidationException>(() => GradingRun.Create(Guid.NewGuid(),
            new GradingRunSettings(Workflows.Absolute, RubricDesigns.Milestone, Guid.NewGuid(), 1, Aggregations.Median, true), "{}", "{}", "{}",
            null, DateTimeOffset.UtcNow));
        error.Errors.Keys.ShouldBe(["rubricDesign", "requireRubricApproval"], ignoreOrder: true);
    }

    [Fact]
    public void CreateRun_FiveStageWithoutDesign_DefaultsToApproachability()
    {
        var run = GradingRun.Create(Guid.NewGuid(), new GradingRunSettings(Workflows.FiveStage, null, Guid.NewGuid(), 3, Aggregations.Median, false),
            "{}", "{}", "{}", null, DateTimeOffset.UtcNow);
        run.RubricDesign.ShouldBe(RubricDesigns.Approachability);
        run.Status.ShouldBe(GradingRunStatus.Queued);
    }
}
