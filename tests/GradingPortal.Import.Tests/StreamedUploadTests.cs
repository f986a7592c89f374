using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace GradingPortal.Import.Tests;

/// <summary>
/// Text uploads are imported while they arrive: the Worker saves records before the upload ends; an upload that breaks
/// off fails the import with its reason and keeps exactly the records saved before, whole; staging that vanishes (as
/// unlogged tables do in a database crash) fails the import with "upload again" instead of hanging.
/// </summary>
[Collection(ImportCollection.Name)]
public sealed class StreamedUploadTests(ImportFixture fixture)
{
    /// <summary>Enough ~1 KB lines that the part sent first fills several 1 MiB chunks and at least one batch of 2,000.</summary>
    private const int FirstPart = 4000;
    private const int SecondPart = 500;

    [Fact]
    public async Task Upload_TextFile_WorkerSavesRecordsBeforeTheUploadEnds()
    {
        var admin = await fixture.StreamingAdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "Streamed upload");
        var (first, rest) = File(FirstPart, SecondPart);
        var gate = new TaskCompletionSource();

        var upload = PostAsync(admin, projectId, new GatedContent(first, rest, gate.Task));
        var during = await WaitForProgressAsync(admin, projectId, upload);
        gate.SetResult();
        var response = await upload;

        during.Status.ShouldBe("uploading", during.ToString());
        during.ProcessedRecords.ShouldBeGreaterThanOrEqualTo(2000, during.ToString());
        during.ReceivedBytes.ShouldBeLessThan(first.Length + rest.Length);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var accepted = (await response.Content.ReadFromJsonAsync<ImportView>())!;
        accepted.Status.ShouldNotBe("uploading");
        var done = await Imports.WaitAsync(admin, accepted.Id, fixture);
        done.Status.ShouldBe("succeeded", done.ToString());
        (done.ProcessedRecords, done.Created, done.Failed, done.ReceivedBytes).ShouldBe((FirstPart + SecondPart + 1, FirstPart + SecondPart + 1, 0,
            first.Length + rest.Length), done.ToString());
        (await StagedAsync(done.Id)).ShouldBe((0, 0));
    }

    [Fact]
    public async Task Upload_BrokenOff_FailsTheImportWithTheReasonAndKeepsOnlyWholeSavedRecords()
    {
        var admin = await fixture.StreamingAdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "Broken upload");
        var (first, rest) = File(FirstPart, SecondPart);
        var gate = new TaskCompletionSource();

        using var connectionLost = new CancellationTokenSource();
        var upload = PostAsync(admin, projectId, new GatedContent(first, rest, gate.Task), connectionLost.Token);
        var during = await WaitForProgressAsync(admin, projectId, upload);
        // The client goes away mid-body: the server sees the request aborted, as when a connection drops.
        await connectionLost.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(upload);
        gate.SetResult();

        var done = await WaitFinishedAsync(admin, during.Id);
        done.Status.ShouldBe("failed", done.ToString());
        done.Error!.ShouldStartWith("The upload broke off after ");
        done.Error.ShouldContain("upload the whole file again");
        done.Attempts.ShouldBe(1, done.ToString());
        (await StagedAsync(done.Id)).ShouldBe((0, 0));
        // Saved batches stay, whole and in file order: exactly the records counted, none from the part not read.
        done.Created.ShouldBe(done.ProcessedRecords, done.ToString());
        done.ProcessedRecords.ShouldBeInRange(2000, FirstPart + 1, done.ToString());
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*), coalesce(max(external_id), '') FROM solutions WHERE project_id = $1 AND import_id = $2", connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = projectId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = done.Id });
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        await reader.ReadAsync(TestContext.Current.CancellationToken);
        (reader.GetInt64(0), reader.GetString(1)).ShouldBe((done.Created - 1L, $"s{done.Created - 2:D6}"));
    }

    [Fact]
    public async Task Upload_StagingLostMidUpload_FailsTheImportAskingToUploadAgain()
    {
        var admin = await fixture.StreamingAdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "Lost staging");
        var (first, rest) = File(FirstPart, SecondPart);
        var gate = new TaskCompletionSource();

        var upload = PostAsync(admin, projectId, new GatedContent(first, rest, gate.Task));
        var during = await WaitForProgressAsync(admin, projectId, upload);
        // What crash recovery does to the unlogged staging tables, for this import only (other tests share the database).
        await using (var connection = await OpenAsync())
        {
            foreach (var table in new[] { "import_chunks", "import_uploads" })
            {
                await using var command = new NpgsqlCommand($"DELETE FROM {table} WHERE import_id = $1", connection);
                command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = during.Id });
                await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }
        }
        gate.SetResult();
        var response = await upload;

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
        var done = await WaitFinishedAsync(admin, during.Id);
        done.Status.ShouldBe("failed", done.ToString());
        done.Error!.ShouldStartWith("The staged upload is gone");
        done.Error.ShouldContain("upload the whole file again");
        (await StagedAsync(done.Id)).ShouldBe((0, 0));
    }

    /// <summary>A JSON Lines file: a problem, then solutions s000000... of about 1 KB each, cut in two after <paramref name="first"/> of them.</summary>
    private static (byte[] Head, byte[] Tail) File(int first, int rest)
    {
        var body = string.Concat(Enumerable.Repeat("Write n = 2k + 1, square it, and read off the parity. ", 18));
        string Line(int i) => JsonSerializer.Serialize(new { kind = "solution", problemExternalId = "p1", externalId = $"s{i:D6}", text = $"Attempt {i}. {body}" },
            JsonSerializerOptions.Web) + "\n";
        var head = new StringBuilder(JsonSerializer.Serialize(new { kind = "problem", externalId = "p1", title = "Odd squares", statement = "Show it." },
            JsonSerializerOptions.Web)).Append('\n');
        for (var i = 0; i < first; i++)
        {
            head.Append(Line(i));
        }
        var tail = new StringBuilder();
        for (var i = first; i < first + rest; i++)
        {
            tail.Append(Line(i));
        }
        return (Encoding.UTF8.GetBytes(head.ToString()), Encoding.UTF8.GetBytes(tail.ToString()));
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, Guid projectId, HttpContent content, CancellationToken ct = default) =>
        client.PostAsync($"/api/projects/{projectId}/imports?format=jsonl&fileName=streamed.jsonl", content, ct);

    /// <summary>Waits until the project's import, still uploading, has saved its first batch of solutions.</summary>
    private async Task<ImportView> WaitForProgressAsync(HttpClient client, Guid projectId, Task<HttpResponseMessage> upload)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        ImportView? last = null;
        while (true)
        {
            if (upload.IsCompleted)
            {
                var early = await upload;
                throw new InvalidOperationException($"The upload ended before it was released: {(int)early.StatusCode} {await early.Content.ReadAsStringAsync()}");
            }
            var list = await client.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/imports");
            if (list.GetProperty("items").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } item)
            {
                var view = last = (await client.GetFromJsonAsync<ImportView>($"/api/imports/{item.GetProperty("id").GetGuid()}"))!;
                // The problem on the first line is saved on its own; the first batch of solutions follows.
                if (view.ProcessedRecords > 1000 || view.Status != "uploading")
                {
                    return view;
                }
            }
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"No records saved while uploading: {last?.ToString() ?? "no import"} ({last?.ReceivedBytes} bytes)\n{fixture.WorkerLog}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Waits until the Worker has finished the import: a broken upload shows as failed at once, and the Worker records it
    /// on the import (and drops the staging) when it notices.
    /// </summary>
    private async Task<ImportView> WaitFinishedAsync(HttpClient client, Guid importId)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var view = (await client.GetFromJsonAsync<ImportView>($"/api/imports/{importId}"))!;
            if (view.FinishedAt is not null)
            {
                return view;
            }
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"The Worker did not finish import {importId}: {view}\n{fixture.WorkerLog}");
            }
            await Task.Delay(100);
        }
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        return connection;
    }

    /// <summary>Chunks and upload rows left for the import.</summary>
    private async Task<(long Chunks, long Uploads)> StagedAsync(Guid importId)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM import_chunks WHERE import_id = $1), (SELECT count(*) FROM import_uploads WHERE import_id = $1)", connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = importId });
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        await reader.ReadAsync(TestContext.Current.CancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>A request body sent in two parts: the second waits for <paramref name="gate"/>.</summary>
    private sealed class GatedContent(byte[] first, byte[] rest, Task gate) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(first);
            await stream.FlushAsync();
            await gate;
            await stream.WriteAsync(rest);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
