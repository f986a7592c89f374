using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GradingPortal.Domain.Imports;
using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Import.Tests;

/// <summary>
/// A project's imports and an import's failures a page at a time: sort keys, the status filter, totals, the cursor pages
/// that older clients use, and the field errors of bad values. Real uploads, read by a real Worker.
/// </summary>
[Collection(ImportCollection.Name)]
public sealed class ImportListTests(ImportFixture fixture)
{
    private static string Line(object value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    private static readonly string s_problem = Line(new
    {
        kind = "problem", externalId = "p1", title = "Odd squares", statement = "Show that the square of an odd number is odd.", maxPoints = 7,
        referenceSolutions = new[] { new { text = "Write n = 2k + 1.", source = "textbook" } },
    });

    private static byte[] File(params string[] lines) => Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");

    /// <summary>Oldest first: "good" (3 records, none failed), "bad lines" (5 records, 3 failed), "bad header" (a CSV that fails whole).</summary>
    private async Task<(HttpClient Admin, Guid Project, Guid Good, Guid BadLines, Guid BadHeader)> ThreeImportsAsync()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "Import lists");
        var good = await Imports.RunAsync(admin, projectId, "jsonl", File(s_problem,
            Line(new { kind = "solution", problemExternalId = "p1", externalId = "s1", text = "n = 2k + 1, so n^2 = 4k^2 + 4k + 1." }),
            Line(new { kind = "solution", problemExternalId = "p1", externalId = "s2", text = "Odd times odd is odd." })), "good.jsonl", fixture);
        var badLines = await Imports.RunAsync(admin, projectId, "jsonl", File(s_problem,
            "{ this is not json",
            Line(new { kind = "solution", problemExternalId = "nope", externalId = "s3", text = "x" }),
            Line(new { kind = "solution", problemExternalId = "p1", externalId = "s4", text = "Fine." }),
            Line(new { kind = "solution", problemExternalId = "missing", externalId = "s5", text = "y" })), "bad-lines.jsonl", fixture);
        var badHeader = await Imports.RunAsync(admin, projectId, "csv", Encoding.UTF8.GetBytes("a,b,c\n1,2,3\n"), "bad-header.csv", fixture);
        (good.Status, good.Failed, badLines.Status, badLines.Failed, badHeader.Status).ShouldBe(("succeeded", 0, "succeeded", 3, "failed"),
            $"{good}\n{badLines}\n{badHeader}");
        return (admin, projectId, good.Id, badLines.Id, badHeader.Id);
    }

    private static Guid[] Ids(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];

    [Fact]
    public async Task ListImports_SortKeysStatusFilterAndPages_AnswerThatSliceWithTheTotal()
    {
        var (admin, projectId, good, badLines, badHeader) = await ThreeImportsAsync();
        Task<JsonElement> List(string query) => admin.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/imports?{query}")!;

        var all = await List("");
        Ids(all).ShouldBe([badHeader, badLines, good]);
        all.GetProperty("total").GetInt32().ShouldBe(3);
        Ids(await List("sort=createdAt")).ShouldBe([good, badLines, badHeader]);
        Ids(await List("sort=-failed")).ShouldBe([badLines, badHeader, good]);
        Ids(await List("sort=processedRecords")).ShouldBe([badHeader, good, badLines]);
        Ids(await List("sort=-created"))[0].ShouldBe(good);
        // In lifecycle order, succeeded before failed (by name failed would come first); the id breaks ties either way.
        Ids(await List("sort=status")).ShouldBe([good, badLines, badHeader]);
        Ids(await List("sort=-status")).ShouldBe([badHeader, badLines, good]);

        var failed = await List("status=failed");
        Ids(failed).ShouldBe([badHeader]);
        failed.GetProperty("total").GetInt32().ShouldBe(1);
        Ids(await List("status=succeeded")).ShouldBe([badLines, good]);
        Ids(await List("status=uploading,queued,running")).ShouldBeEmpty();

        var first = await List("sort=createdAt&pageSize=2");
        Ids(first).ShouldBe([good, badLines]);
        var next = first.GetProperty("next").GetString()!;
        next.ShouldContain("page=2");
        var second = await admin.GetFromJsonAsync<JsonElement>(next);
        Ids(second).ShouldBe([badHeader]);
        (second.GetProperty("page").GetInt32(), second.GetProperty("pageSize").GetInt32(), second.GetProperty("total").GetInt32()).ShouldBe((2, 2, 3));
        second.GetProperty("next").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task ListImports_SortedByStatus_FollowTheLifecycleAsShownBothWays()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "Import lifecycle");
        var adminId = (await admin.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetGuid();
        // Written as the Api and a Worker leave them, created in an order that is neither the lifecycle nor the names'. No job
        // is queued for them, so the Worker leaves them alone.
        var ids = new Dictionary<string, Guid>();
        await using (var scope = fixture.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
            var now = DateTimeOffset.UtcNow;
            foreach (var name in new[] { "running", "failed", "uploading", "succeeded", "queued", "broken-upload" })
            {
                var import = Domain.Imports.Import.Receive(projectId, ImportFormat.Jsonl, name + ".jsonl", 1 << 20, adminId, now);
                if (name is "running" or "failed" or "succeeded")
                {
                    import.Staged(100, now);
                    import.Start(now);
                }
                if (name == "failed")
                {
                    import.Fail("Unreadable file.", now);
                }
                if (name == "succeeded")
                {
                    import.Succeed(now);
                }
                db.Imports.Add(import);
                await db.SaveChangesAsync();
                ids[name] = import.Id;
            }
            // Uploads go through plain SQL in the Api as well: one still arriving, one that broke off (shown as failed).
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO import_uploads (import_id, chunks, received_bytes, complete, error, updated_at)
                VALUES ({ids["uploading"]}, 1, 10, false, NULL, now()), ({ids["broken-upload"]}, 1, 10, false, 'The connection was reset.', now())
                """);
        }
        async Task<Guid[]> ListAsync(string sort) => Ids(await admin.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/imports?sort={sort}"));

        Guid[] lifecycle = [ids["uploading"], ids["queued"], ids["running"], ids["succeeded"], ids["failed"], ids["broken-upload"]];
        (await ListAsync("status")).ShouldBe(lifecycle);
        (await ListAsync("-status")).ShouldBe([.. lifecycle.Reverse()]);
        var shown = (await admin.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/imports?sort=status")).GetProperty("items")
            .EnumerateArray().Select(i => i.GetProperty("status").GetString()).ToArray();
        shown.ShouldBe(["uploading", "queued", "running", "succeeded", "failed", "failed"]);
    }

    [Fact]
    public async Task ListImports_CursorOfOlderClients_StillPagesNewestFirst()
    {
        var (admin, projectId, good, badLines, badHeader) = await ThreeImportsAsync();

        var first = await admin.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/imports?limit=2");
        Ids(first).ShouldBe([badHeader, badLines]);
        var next = first.GetProperty("next").GetString()!;
        next.ShouldContain($"before={badLines}");
        Ids(await admin.GetFromJsonAsync<JsonElement>(next)).ShouldBe([good]);
        Ids(await admin.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/imports?before={badHeader}&status=succeeded"))
            .ShouldBe([badLines, good]);
    }

    [Fact]
    public async Task ListImports_BadValues_AnswerFieldErrors()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "Bad import lists");

        await ExpectFieldsAsync(admin, $"/api/projects/{projectId}/imports?page=0&pageSize=501&sort=name&status=done", "page", "pageSize", "sort", "status");
        await ExpectFieldsAsync(admin, $"/api/projects/{projectId}/imports?before={Guid.NewGuid()}&sort=status", "before");
        await ExpectFieldsAsync(admin, $"/api/projects/{projectId}/imports?limit=5&page=2", "before");
    }

    [Fact]
    public async Task ImportFailures_SortedByLineEitherWayAndSearched_CountTheMatches()
    {
        var (admin, _, _, badLines, _) = await ThreeImportsAsync();
        Task<JsonElement> Failures(string query) => admin.GetFromJsonAsync<JsonElement>($"/api/imports/{badLines}/failures?{query}")!;
        static string[] Records(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("record").GetString()!)];

        var all = await Failures("");
        Records(all).ShouldBe(["line 2", "line 3", "line 5"]);
        (all.GetProperty("total").GetInt32(), all.GetProperty("stored").GetInt32(), all.GetProperty("matching").GetInt32()).ShouldBe((3, 3, 3));
        Records(await Failures("sort=-line")).ShouldBe(["line 5", "line 3", "line 2"]);
        Records(await Failures("sort=-line&offset=1&limit=1")).ShouldBe(["line 3"]);

        // The search looks in the reason and the field, in any case: the two unknown problems, not the broken JSON.
        var reasons = all.GetProperty("items").EnumerateArray().Select(f => f.GetProperty("reason").GetString()!).ToList();
        reasons[1].ShouldContain("nope");
        var missing = await Failures("search=MISSING");
        Records(missing).ShouldBe(["line 5"]);
        missing.GetProperty("matching").GetInt32().ShouldBe(1);
        var word = Common(reasons[1], reasons[2]);
        var expected = all.GetProperty("items").EnumerateArray()
            .Where(f => $"{f.GetProperty("reason").GetString()} {f.GetProperty("field")}".Contains(word, StringComparison.OrdinalIgnoreCase))
            .Select(f => f.GetProperty("record").GetString()!).Reverse().ToList();
        expected.Count.ShouldBeGreaterThanOrEqualTo(2);
        var paged = await Failures($"search={Uri.EscapeDataString(word.ToUpperInvariant())}&limit=1&sort=-line");
        Records(paged).ShouldBe([expected[0]]);
        paged.GetProperty("matching").GetInt32().ShouldBe(expected.Count);
        var next = paged.GetProperty("next").GetString()!;
        (next.Contains("sort=-line", StringComparison.Ordinal), next.Contains("search=", StringComparison.Ordinal)).ShouldBe((true, true));
        Records(await admin.GetFromJsonAsync<JsonElement>(next)).ShouldBe([expected[1]]);

        await ExpectFieldsAsync(admin, $"/api/imports/{badLines}/failures?sort=reason&search={new string('x', 201)}", "sort", "search");
    }

    /// <summary>The longest word the two reasons share (they name different problems in the same sentence).</summary>
    private static string Common(string a, string b) =>
        a.Split(' ').Where(w => w.Length > 3 && b.Contains(w, StringComparison.Ordinal) && !w.Contains('\'', StringComparison.Ordinal))
            .OrderByDescending(w => w.Length).First();

    private static async Task ExpectFieldsAsync(HttpClient client, string url, params string[] fields)
    {
        using var response = await client.GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ShouldBe(fields, ignoreOrder: true, problem.ToString());
    }
}
