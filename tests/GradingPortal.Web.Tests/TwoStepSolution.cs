namespace GradingPortal.Web.Tests;

/// <summary>
/// A project of the site admin with one problem (two rubric items of 3 and 4 points) and one short proof, made through
/// the Api: what the solution page's live-update tests start from.
/// </summary>
internal sealed record TwoStepSolution(ApiClient Admin, Guid ProjectId, Guid SolutionId, Guid[] ItemIds)
{
    public const string ProofText = "By step one and step two, $P$ holds.";

    /// <param name="name">The project's name starts with it, so a failure report says which class made it.</param>
    public static async Task<TwoStepSolution> CreateAsync(Uri apiUrl, string name, bool blind, CancellationToken ct)
    {
        var admin = await ApiClient.SignInAsync(apiUrl, PortalHosts.AdminEmail, PortalHosts.AdminPassword, ct);
        var project = await admin.PostAsync("/api/projects", new { name = $"{name} {Guid.NewGuid():N}"[..16], blindGrading = blind }, ct);
        var projectId = project.GetProperty("id").GetGuid();
        var problem = await admin.PostAsync($"/api/projects/{projectId}/problems", new
        {
            title = "Two steps",
            statement = "Prove $P$.",
            rubric = new { items = new[] { new { title = "Step one", points = 3m }, new { title = "Step two", points = 4m } } },
        }, ct);
        var items = problem.GetProperty("currentRubric").GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToArray();
        var solution = await admin.PostAsync($"/api/problems/{problem.GetProperty("id").GetGuid()}/solutions",
            new { text = ProofText, author = "model-x" }, ct);
        return new TwoStepSolution(admin, projectId, solution.GetProperty("id").GetGuid(), items);
    }
}
