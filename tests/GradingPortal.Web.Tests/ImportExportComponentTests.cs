using Bunit;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Pages.ImportExport;
using MudBlazor.Services;

namespace GradingPortal.Web.Tests;

/// <summary>
/// bUnit and plain tests for the import and export pages' pieces: the progress panel, the failures grid (fed pages made
/// up here through its page-loading parameter), the reading of the upload endpoint's answer and the export link.
/// </summary>
public sealed class ImportExportComponentTests : BunitContext
{
    public ImportExportComponentTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private static ImportResponse Import(string status, int processed = 0, int created = 0, int failed = 0, string? error = null) => new()
    {
        Id = Guid.NewGuid(),
        ProjectId = Guid.NewGuid(),
        Format = "jsonl",
        FileName = "proofs.jsonl",
        Status = status,
        ReceivedBytes = 3 * 1024 * 1024 / 2,
        ProcessedRecords = processed,
        Created = created,
        Failed = failed,
        Error = error,
        CreatedAt = DateTimeOffset.UtcNow,
        FinishedAt = ImportView.IsFinished(status) ? DateTimeOffset.UtcNow : null,
    };

    [Fact]
    public void ImportProgress_Running_CountsWhatWasReadWithoutAPercentage()
    {
        var view = Render<ImportProgressView>(p => p.Add(v => v.Import, Import("running", processed: 1200, created: 1195, failed: 5)));

        view.Find("[data-testid=import-state]").TextContent.ShouldContain("Running");
        view.Find("[data-testid=import-progress-text]").TextContent.ShouldBe("Reading… 1,200 records so far");
        view.Find("[data-testid=import-file]").TextContent.ShouldContain("1.5 MB");
        view.Find("[data-testid=count-created]").TextContent.ShouldBe("1195");
        view.Find("[data-testid=count-failed]").TextContent.ShouldBe("5");
        view.Find("[data-testid=import-bar]").ClassList.ShouldContain("mud-progress-indeterminate");
        view.FindAll("[data-testid=import-finished]").ShouldBeEmpty();
    }

    [Fact]
    public void ImportProgress_SucceededWithFailures_FillsTheBarAndSaysHowManyWereNotImported()
    {
        var view = Render<ImportProgressView>(p => p.Add(v => v.Import, Import("succeeded", processed: 10, created: 8, failed: 2)));

        view.Find("[data-testid=import-progress-text]").TextContent.ShouldBe("Done, 2 records not imported");
        view.Find("[data-testid=import-bar]").GetAttribute("aria-valuenow").ShouldBe("100");
        view.Find("[data-testid=import-bar]").ClassList.ShouldNotContain("mud-progress-indeterminate");
        view.FindAll("[data-testid=import-finished]").Count.ShouldBe(1);
        view.FindAll("[data-testid=import-error]").ShouldBeEmpty();
    }

    [Fact]
    public void ImportProgress_FailedFile_ShowsTheReason()
    {
        var view = Render<ImportProgressView>(p => p.Add(v => v.Import, Import("failed", error: "Line 1 is not JSON.")));

        view.Find("[data-testid=import-state]").TextContent.ShouldContain("Failed");
        view.Find("[data-testid=import-progress-text]").TextContent.ShouldBe("The file could not be read");
        view.Find("[data-testid=import-error]").TextContent.ShouldContain("Line 1 is not JSON.");
    }

    [Theory]
    [InlineData("uploading", "Receiving the file… 1.5 MB received, 3 records read so far")]
    [InlineData("queued", "Waiting for a worker…")]
    [InlineData("succeeded", "Done")]
    public void ProgressText_EachState_ReadsAsExpected(string status, string expected)
    {
        ImportView.ProgressText(Import(status, processed: 3)).ShouldBe(expected);
    }

    [Fact]
    public void FailuresGrid_ThirtyStored_ShowsThePageRowsAndAsksTheApiByOffset()
    {
        var asked = new List<(int Offset, int Limit)>();
        var failures = Enumerable.Range(1, 30).Select(i => new ImportFailureResponse { Record = $"line {i}", Field = i % 2 == 0 ? "text" : null, Reason = $"reason {i}" }).ToList();
        Task<ImportFailurePageResponse> Load(ImportFailureQuery query, CancellationToken _)
        {
            asked.Add((query.Offset, query.Limit));
            return Task.FromResult(new ImportFailurePageResponse
            {
                Items = failures.Skip(query.Offset).Take(query.Limit).ToList(), Total = 30, Stored = 30, Matching = 30,
            });
        }

        var grid = Render<ImportFailuresGrid>(p => p.Add(g => g.Failed, 30).Add(g => g.Stored, 30).Add(g => g.Finished, true).Add(g => g.LoadPage, Load));

        grid.WaitForAssertion(() => grid.FindAll("[data-testid=failure-table] tbody tr").Count.ShouldBe(25));
        asked.ShouldBe([(0, 25)]);
        var first = grid.FindAll("[data-testid=failure-table] tbody tr")[0].TextContent;
        first.ShouldContain("line 1");
        first.ShouldContain("–");
        first.ShouldContain("reason 1");
        grid.FindAll("[data-testid=failures-kept]").ShouldBeEmpty();
    }

    [Fact]
    public void FailuresGrid_MoreFailedThanKept_SaysOnlyTheFirstAreKept()
    {
        static Task<ImportFailurePageResponse> Load(ImportFailureQuery query, CancellationToken _) =>
            Task.FromResult(new ImportFailurePageResponse
            {
                Items = [new ImportFailureResponse { Record = "line 2", Reason = "bad" }], Total = 1500, Stored = 1000, Matching = 1000,
            });

        var grid = Render<ImportFailuresGrid>(p => p.Add(g => g.Failed, 1500).Add(g => g.Stored, 1000).Add(g => g.LoadPage, Load));

        grid.Find("[data-testid=failures-kept]").TextContent.ShouldBe("The first 1,000 of 1,500 failures are kept.");
    }

    [Theory]
    [InlineData(true, "Every record was read without trouble.")]
    [InlineData(false, "None so far.")]
    public void FailuresGrid_NoFailures_SaysSoWithoutAskingTheApi(bool finished, string expected)
    {
        var asked = 0;
        Task<ImportFailurePageResponse> Load(ImportFailureQuery query, CancellationToken _)
        {
            asked++;
            return Task.FromResult(new ImportFailurePageResponse());
        }

        var grid = Render<ImportFailuresGrid>(p => p.Add(g => g.Failed, 0).Add(g => g.Finished, finished).Add(g => g.LoadPage, Load));

        grid.Find("[data-testid=no-failures]").TextContent.ShouldBe(expected);
        grid.FindAll("[data-testid=failure-table]").ShouldBeEmpty();
        asked.ShouldBe(0);
    }

    [Fact]
    public void FailuresGrid_MoreFailuresArrive_ReadsItsPageAgain()
    {
        var asked = 0;
        Task<ImportFailurePageResponse> Load(ImportFailureQuery query, CancellationToken _)
        {
            asked++;
            return Task.FromResult(new ImportFailurePageResponse
            {
                Items = [new ImportFailureResponse { Record = "line 2", Reason = "bad" }], Total = 1, Stored = 1, Matching = 1,
            });
        }
        var grid = Render<ImportFailuresGrid>(p => p.Add(g => g.Failed, 1).Add(g => g.Stored, 1).Add(g => g.LoadPage, Load));
        grid.WaitForAssertion(() => asked.ShouldBe(1));

        grid.Render(p => p.Add(g => g.Failed, 2).Add(g => g.Stored, 2));

        grid.WaitForAssertion(() => asked.ShouldBe(2));
    }

    [Fact]
    public void UploadAnswer_Created_GivesTheImport()
    {
        var id = Guid.NewGuid();

        var outcome = ImportView.ReadUploadAnswer("a.jsonl", 201, $$"""{"id":"{{id}}"}""");

        outcome.Succeeded.ShouldBeTrue();
        outcome.ImportId.ShouldBe(id);
    }

    [Fact]
    public void UploadAnswer_FieldErrors_ListsEveryMessage()
    {
        const string body = """{"title":"One or more validation errors occurred.","status":400,"errors":{"format":["Format is one of jsonl, csv."],"file":["The file is empty."]}}""";

        var outcome = ImportView.ReadUploadAnswer("a.jsonl", 400, body);

        outcome.Succeeded.ShouldBeFalse();
        outcome.Message.ShouldBe("The upload was refused.");
        outcome.FieldMessages.ShouldBe(["Format is one of jsonl, csv.", "The file is empty."]);
    }

    [Theory]
    [InlineData(413, """{"title":"Payload Too Large","detail":"The upload is 2 GB; the limit is 1 GB."}""", "The upload is 2 GB; the limit is 1 GB.")]
    [InlineData(502, "<html>Bad gateway</html>", "The grading service failed. Please try again in a moment.")]
    [InlineData(401, "", "Your session has ended. Sign in again and upload the file again.")]
    [InlineData(0, "", "The upload was interrupted before the server answered. Check the connection and upload again.")]
    public void UploadAnswer_Refusals_ReadAsOneSentence(int status, string body, string expected)
    {
        var outcome = ImportView.ReadUploadAnswer("a.jsonl", status, body);

        outcome.Succeeded.ShouldBeFalse();
        outcome.Message.ShouldBe(expected);
        outcome.FieldMessages.ShouldBeEmpty();
    }

    [Fact]
    public void ExportChoices_FromTheQuery_DropsUnknownValuesAndBuildsTheSameLink()
    {
        var problem = Guid.NewGuid().ToString();
        var projectId = Guid.NewGuid();

        var choices = ExportChoices.From([problem, "not-a-guid"], ["adjudicated", "none", "everything"], "2026-05-01T12:30", "xml", "pairs");

        choices.ProblemIds.ShouldBe([problem]);
        choices.Format.ShouldBe("jsonl");
        choices.Flavor.ShouldBe("pairs");
        choices.EvidenceInOrder.ShouldBe(["none", "adjudicated"]);
        choices.UpdatedSinceUtc.ShouldBe("2026-05-01T12:30:00Z");
        choices.DownloadPath(projectId).ShouldBe(
            $"/projects/{projectId}/export/download?format=jsonl&flavor=pairs&problemIds={problem}&evidence=none&evidence=adjudicated&updatedSince=2026-05-01T12%3A30");
    }

    [Fact]
    public void ExportChoices_NothingChosen_LinksToTheWholeProject()
    {
        var projectId = Guid.NewGuid();

        var choices = ExportChoices.From(null, null, " ", null, null);

        choices.UpdatedSinceUtc.ShouldBeNull();
        choices.DownloadPath(projectId).ShouldBe($"/projects/{projectId}/export/download?format=jsonl&flavor=records");
    }
}
