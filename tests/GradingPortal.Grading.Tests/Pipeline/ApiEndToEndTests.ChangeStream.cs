using GradingPortal.Testing;

namespace GradingPortal.Grading.Tests.Pipeline;

public sealed partial class ApiEndToEndTests
{
    /// <summary>
    /// The Worker writes a model grade in its own process; the Api learns of it only through the database's notice
    /// (ADR 022), and an open change stream of the solution says so.
    /// </summary>
    [Fact]
    public async Task ModelGrade_WrittenByTheWorker_ReachesTheSolutionsChangeStream()
    {
        var ct = TestContext.Current.CancellationToken;
        var admin = await fixture.Api.AdminAsync();
        var profile = await GradingApi.NewProfileAsync(admin, fixture.Fake.BaseUrl, $"sk-e2e-{Guid.NewGuid():N}");
        var project = await GradingApi.NewProjectAsync(admin);
        var (problemId, _) = await GradingApi.NewProblemAsync(admin, project.Id, references: 1);
        var solutionId = (await GradingApi.NewSolutionsAsync(admin, problemId, ["A complete proof. [points 7]"])).Single();
        // A client of its own: the admin client buffers every answer to record it, which a stream never finishes.
        using var follower = fixture.Api.CreateClient();
        follower.DefaultRequestHeaders.Authorization = admin.DefaultRequestHeaders.Authorization;
        await using var stream = await ChangeStream.OpenAsync(follower, solutionId, ct);

        var started = await GradingApi.StartRunAsync(admin, project.Id, profile.Id, [problemId], workflow: "absolute");
        var run = await GradingApi.WaitForRunAsync(admin, started.Id, fixture, "completed", "failed", "cancelled");
        run.Status.ShouldBe("completed");

        var change = await stream.NextAsync(TimeSpan.FromSeconds(5));
        change.ShouldNotBeNull();
        change.Value.EventType.ShouldBe("changed");
        // An admin may see everyone's work, so the event names the kinds that changed after the solution's id.
        var parts = change.Value.Data.Split(' ');
        parts[0].ShouldBe(solutionId.ToString());
        parts[1].Split(',').ShouldContain("modelGrades");
    }
}
