using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace GradingPortal.Api.Tests;

/// <summary>
/// A fresh project created by the first (global) admin, with one member of every role and one outsider, plus helpers
/// that create problems and solutions in it. Users are shared per <see cref="ApiFactory"/>; projects are per test.
/// </summary>
internal sealed class ProjectScenario
{
    public const string ProofText = "Let n be even. Then n^2 is even, hence the claim holds for every n.\n\nThis finishes the proof.";

    public static readonly object SevenPointRubric = new
    {
        items = new object[]
        {
            new { title = "Key lemma", points = 3, description = "States and proves the parity lemma." },
            new { title = "Finish", points = 4, description = "Concludes for every n." },
        },
        zeroCredit = "Only restating the problem.",
    };

    private ProjectScenario(ApiFactory api, HttpClient admin, JsonElement project)
    {
        Api = api;
        Admin = admin;
        Project = project;
    }

    public ApiFactory Api { get; }
    /// <summary>The first admin (global administrator), who created the project and is its Admin member.</summary>
    public HttpClient Admin { get; }
    public JsonElement Project { get; }
    public Guid ProjectId => Project.Id();
    public required TestUser Viewer { get; init; }
    public required TestUser Grader { get; init; }
    public required TestUser OtherGrader { get; init; }
    public required TestUser Adjudicator { get; init; }
    public required TestUser ProjectAdmin { get; init; }
    /// <summary>Signed in, but not a member of this project.</summary>
    public required TestUser Outsider { get; init; }
    /// <summary>A second global administrator who is not a member: acts as Admin anyway.</summary>
    public required TestUser GlobalAdmin { get; init; }

    /// <summary>The current rowVersion of a project, problem or rubric (read as the first admin), for an edit to send.</summary>
    public async Task<uint> RowVersionAsync(string url) => (await Admin.GetAsync(url).ExpectAsync(HttpStatusCode.OK)).RowVersion();

    public static async Task<ProjectScenario> CreateAsync(ApiFactory api, bool blindGrading = false, bool hideAuthors = false,
        string[]? customErrorTypes = null)
    {
        var admin = await api.AdminAsync();
        var project = await admin.PostAsJsonAsync("/api/projects", new
        {
            name = $"Project {Guid.NewGuid():N}"[..20],
            description = "A test campaign",
            blindGrading,
            hideAuthors,
            customErrorTypes = customErrorTypes ?? [],
        }).ExpectAsync(HttpStatusCode.Created);
        var scenario = new ProjectScenario(api, admin, project)
        {
            Viewer = await api.UserAsync("Vera Viewer"),
            Grader = await api.UserAsync("Greta Grader"),
            OtherGrader = await api.UserAsync("Otto Grader"),
            Adjudicator = await api.UserAsync("Ada Adjudicator"),
            ProjectAdmin = await api.UserAsync("Paula Admin"),
            Outsider = await api.UserAsync("Nina Outsider"),
            GlobalAdmin = await api.UserAsync("Gil Global", isAdmin: true),
        };
        await scenario.SetRoleAsync(scenario.Viewer, "viewer");
        await scenario.SetRoleAsync(scenario.Grader, "grader");
        await scenario.SetRoleAsync(scenario.OtherGrader, "grader");
        await scenario.SetRoleAsync(scenario.Adjudicator, "adjudicator");
        await scenario.SetRoleAsync(scenario.ProjectAdmin, "admin");
        return scenario;
    }

    /// <summary>The member (or outsider) acting in a role: viewer, grader, adjudicator, admin, globalAdmin, outsider.</summary>
    public HttpClient As(string role) => role switch
    {
        "viewer" => Viewer.Client,
        "grader" => Grader.Client,
        "adjudicator" => Adjudicator.Client,
        "admin" => ProjectAdmin.Client,
        "globalAdmin" => GlobalAdmin.Client,
        "outsider" => Outsider.Client,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    public Task SetRoleAsync(TestUser user, string role) =>
        Admin.PutAsJsonAsync($"/api/projects/{ProjectId}/members/{user.Id}", new { role }).ExpectAsync(HttpStatusCode.OK);

    /// <summary>Creates a problem (with the official 3 + 4 rubric unless <paramref name="withRubric"/> is false) and returns it.</summary>
    public Task<JsonElement> CreateProblemAsync(bool withRubric = true, string title = "Parity") =>
        Admin.PostAsJsonAsync($"/api/projects/{ProjectId}/problems", new
        {
            title,
            statement = "Prove that $n^2$ is even for every even $n$.",
            source = "Test olympiad 2026",
            referenceSolutions = new[] { new { text = "Write $n = 2k$; then $n^2 = 4k^2$.", source = "official" } },
            rubric = withRubric ? SevenPointRubric : null,
        }).ExpectAsync(HttpStatusCode.Created);

    public Task<JsonElement> CreateSolutionAsync(Guid problemId, string text = ProofText, string? author = "model-x") =>
        Admin.PostAsJsonAsync($"/api/problems/{problemId}/solutions", new { text, author }).ExpectAsync(HttpStatusCode.Created);

    /// <summary>A problem with a rubric and one solution; returns (problem, solution).</summary>
    public async Task<(JsonElement Problem, JsonElement Solution)> ProblemAndSolutionAsync(bool withRubric = true)
    {
        var problem = await CreateProblemAsync(withRubric);
        return (problem, await CreateSolutionAsync(problem.Id()));
    }

    /// <summary>An annotation body quoting <paramref name="quote"/> where it first occurs in <see cref="ProofText"/>.</summary>
    public static object Annotation(string quote, string errorType = "proof-by-example", string severity = "major", string? comment = "one case only")
    {
        var start = ProofText.IndexOf(quote, StringComparison.Ordinal);
        return new { start, end = start + quote.Length, quote, errorType, severity, comment };
    }
}
