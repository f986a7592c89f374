using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using GradingPortal.Testing;
using Npgsql;

namespace GradingPortal.Api.Tests;

/// <summary>
/// <c>GET /api/solutions/{id}/changes</c> and the database's <c>solution_changed</c> notices behind it (ADR 022): a write
/// reaches an open stream within a second, notices and events carry the solution's id and the kind of row that changed
/// (to callers who may see others' work) and nothing else, and only members may follow a solution.
/// </summary>
public sealed class SolutionChangeStreamTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task ChangeStream_OtherGraderGradesInBlindProject_YieldsOnlyTheSolutionIdWithinASecond()
    {
        var ct = TestContext.Current.CancellationToken;
        var s = await ProjectScenario.CreateAsync(api, blindGrading: true);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        await using var stream = await ChangeStream.OpenAsync(s.OtherGrader.Client, solution.Id(), ct);

        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{solution.Id()}/human-grades", new { points = 3, comment = "secret reasoning" }, ct)
            .ExpectAsync(HttpStatusCode.Created);
        // From the moment the write is committed (its answer is back) to the event.
        var written = Stopwatch.StartNew();
        var change = await stream.NextAsync(TimeSpan.FromSeconds(5));

        change.ShouldNotBeNull();
        written.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1));
        change.Value.EventType.ShouldBe("changed");
        // The event says which solution changed, nothing of what, not even that it was a grade: the blind grader still reads
        // no grade.
        change.Value.Data.ShouldBe(solution.Id().ToString());
        var view = await s.OtherGrader.Client.GetAsync($"/api/solutions/{solution.Id()}", ct).ExpectAsync(HttpStatusCode.OK);
        view.Items("humanGrades").ShouldBeEmpty();
    }

    [Fact]
    public async Task ChangeNotices_EveryKindOfWrite_CarryOnlyTheSolutionIdAndTheKind()
    {
        var ct = TestContext.Current.CancellationToken;
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var (_, untouched) = await s.ProblemAndSolutionAsync();
        var payloads = new List<string>();
        await using var listener = new NpgsqlConnection(api.ConnectionString);
        await listener.OpenAsync(ct);
        listener.Notification += (_, e) =>
        {
            lock (payloads)
            {
                payloads.Add(e.Payload);
            }
        };
        await using (var listen = new NpgsqlCommand("LISTEN solution_changed", listener))
        {
            await listen.ExecuteNonQueryAsync(ct);
        }

        var url = $"/api/solutions/{solution.Id()}";
        var annotation = await s.Grader.Client.PostAsJsonAsync($"{url}/annotations", ProjectScenario.Annotation("n be even"), ct)
            .ExpectAsync(HttpStatusCode.Created);
        await s.Grader.Client.PatchAsJsonAsync($"/api/annotations/{annotation.Id()}", new
        {
            errorType = annotation.Str("errorType"), severity = "minor", comment = "edited", rowVersion = annotation.RowVersion(),
        }, ct).ExpectAsync(HttpStatusCode.OK);
        await s.Grader.Client.PostAsJsonAsync($"{url}/human-grades", new { points = 3, comment = "3 of 7" }, ct).ExpectAsync(HttpStatusCode.Created);
        await s.Adjudicator.Client.PutAsJsonAsync($"{url}/adjudication", new { points = 3, rationale = "Agreed." }, ct).ExpectAsync(HttpStatusCode.Created);
        // Written as the Worker writes a finished model grade: straight through the DbContext.
        var modelGradeId = await api.AddModelGradeAsync(solution.Id(), null);
        var finding = (await s.Admin.GetAsync($"/api/model-grades/{modelGradeId}", ct).ExpectAsync(HttpStatusCode.OK)).Items("findings").Single();
        await s.Grader.Client.PostAsJsonAsync($"/api/model-findings/{finding.Id()}/review", new { accept = true }, ct).ExpectAsync(HttpStatusCode.OK);
        await s.Grader.Client.DeleteAsync($"/api/annotations/{annotation.Id()}", ct);

        // Notices of committed transactions arrive on the listening session in order; wait for the last write's.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (CountOf(payloads) < 7 && DateTime.UtcNow < deadline)
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(200), ct);
        }
        List<string> seen;
        lock (payloads)
        {
            seen = [.. payloads];
        }
        seen.Count.ShouldBeGreaterThanOrEqualTo(7);
        var prefix = solution.Id() + ":";
        seen.ShouldAllBe(p => p.StartsWith(prefix, StringComparison.Ordinal));
        // The kind names the table written, nothing of the row.
        seen.Select(p => p[prefix.Length..]).Distinct().Order().ShouldBe(["adjudication", "annotations", "findings", "grades", "modelGrades"]);
        seen.ShouldNotContain(p => p.StartsWith(untouched.Id().ToString(), StringComparison.Ordinal));
    }

    private static int CountOf(List<string> payloads)
    {
        lock (payloads)
        {
            return payloads.Count;
        }
    }

    [Fact]
    public async Task ChangeStream_MemberWhoSeesOthersWork_NamesTheKindsThatChanged()
    {
        var ct = TestContext.Current.CancellationToken;
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var id = solution.Id().ToString();
        await using var stream = await ChangeStream.OpenAsync(s.Viewer.Client, solution.Id(), ct);

        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{id}/human-grades", new { points = 2 }, ct).ExpectAsync(HttpStatusCode.Created);
        (await stream.NextAsync(TimeSpan.FromSeconds(5)))?.Data.ShouldBe($"{id} grades");

        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{id}/annotations", ProjectScenario.Annotation("n be even"), ct)
            .ExpectAsync(HttpStatusCode.Created);
        (await stream.NextAsync(TimeSpan.FromSeconds(5)))?.Data.ShouldBe($"{id} annotations");

        // A model grade with its findings, written in one transaction as the Worker writes it: two notices at commit, in one
        // event or two, depending on whether the stream was still sending the first when the second came.
        await api.AddModelGradeAsync(solution.Id(), null);
        var kinds = new HashSet<string>();
        while (kinds.Count < 2 && await stream.NextAsync(TimeSpan.FromSeconds(kinds.Count == 0 ? 5 : 2)) is { } change)
        {
            change.Data.ShouldStartWith($"{id} ");
            kinds.UnionWith(change.Data[(id.Length + 1)..].Split(','));
        }
        kinds.Order().ShouldBe(["findings", "modelGrades"]);
    }

    [Fact]
    public async Task ChangeStream_BlindGraderWithoutOwnGrade_IsNotToldTheKinds()
    {
        var ct = TestContext.Current.CancellationToken;
        var s = await ProjectScenario.CreateAsync(api, blindGrading: true);
        var (_, solution) = await s.ProblemAndSolutionAsync();
        var id = solution.Id().ToString();
        await using var blind = await ChangeStream.OpenAsync(s.OtherGrader.Client, solution.Id(), ct);
        await using var adjudicator = await ChangeStream.OpenAsync(s.Adjudicator.Client, solution.Id(), ct);

        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{id}/annotations", ProjectScenario.Annotation("n be even"), ct)
            .ExpectAsync(HttpStatusCode.Created);

        // Someone annotated: the Adjudicator, who sees every annotation, learns the kind; the blind grader only "read again".
        (await adjudicator.NextAsync(TimeSpan.FromSeconds(5)))?.Data.ShouldBe($"{id} annotations");
        (await blind.NextAsync(TimeSpan.FromSeconds(5)))?.Data.ShouldBe(id);
    }

    [Fact]
    public async Task ChangeStream_NotAMemberOrSignedOut_IsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var s = await ProjectScenario.CreateAsync(api);
        var (_, solution) = await s.ProblemAndSolutionAsync();

        (await ChangeStream.RefusedAsync(s.Outsider.Client, solution.Id(), ct)).ShouldBe(HttpStatusCode.NotFound);
        (await ChangeStream.RefusedAsync(s.Viewer.Client, Guid.NewGuid(), ct)).ShouldBe(HttpStatusCode.NotFound);
        using var anonymous = api.CreateClient();
        (await ChangeStream.RefusedAsync(anonymous, solution.Id(), ct)).ShouldBe(HttpStatusCode.Unauthorized);
        // A Viewer may follow (and read) the solution.
        await using var stream = await ChangeStream.OpenAsync(s.Viewer.Client, solution.Id(), ct);
    }

    [Fact]
    public async Task ChangeStream_ChangeOfAnotherSolution_YieldsNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var s = await ProjectScenario.CreateAsync(api);
        var (_, followed) = await s.ProblemAndSolutionAsync();
        var (_, other) = await s.ProblemAndSolutionAsync();
        await using var stream = await ChangeStream.OpenAsync(s.Viewer.Client, followed.Id(), ct);

        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{other.Id()}/human-grades", new { points = 2 }, ct).ExpectAsync(HttpStatusCode.Created);
        (await stream.NextAsync(TimeSpan.FromSeconds(1.5))).ShouldBeNull();

        await s.Grader.Client.PostAsJsonAsync($"/api/solutions/{followed.Id()}/human-grades", new { points = 2 }, ct).ExpectAsync(HttpStatusCode.Created);
        var change = await stream.NextAsync(TimeSpan.FromSeconds(5));
        change.ShouldNotBeNull();
        change.Value.EventType.ShouldBe("changed");
    }
}
