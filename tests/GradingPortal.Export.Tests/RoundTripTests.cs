using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GradingPortal.Export.Tests;

/// <summary>
/// Export → re-import into a fresh project → export again: everything the native JSON Lines import format carries comes
/// back identical (docs/export-format.md, "Re-importing an export"). The import runs as a job on a real Worker process.
/// </summary>
[Collection(ExportCollection.Name)]
public sealed class RoundTripTests(ExportFactory api)
{
    [Fact]
    public async Task RoundTrip_ExportThenImportIntoAFreshProject_KeepsEverythingTheImportFormatCarries()
    {
        var admin = await api.AdminAsync();
        await api.EnsureWorkerAsync();

        var source = await Dataset.CreateAsync(api, "Round trip source");
        var original = await source.Adjudicator.ExportLinesAsync(source.ExportUrl());
        var members = (await admin.GetJsonAsync($"/api/projects/{source.ProjectId}/members")).EnumerateArray()
            .ToDictionary(m => m.GetProperty("userId").GetGuid(), m => (Email: m.GetProperty("email").GetString()!, Role: m.GetProperty("role").GetString()!));

        // The same people, in a fresh project.
        var target = (await admin.PostJsonAsync("/api/projects", new { name = "Round trip copy", blindGrading = true })).GetProperty("id").GetGuid();
        foreach (var (userId, member) in members.Where(m => m.Value.Role != "admin"))
        {
            await admin.PutJsonAsync($"/api/projects/{target}/members/{userId}", new { role = member.Role });
        }

        var jsonl = ExportToImport.Lines(original, userId => members[userId].Email);
        var import = await ImportAsync(admin, target, jsonl);
        ((string)import["status"]!).ShouldBe("succeeded", import.ToJsonString());
        ((int)import["failed"]!).ShouldBe(0, import.ToJsonString());

        var copy = await admin.ExportLinesAsync($"/api/projects/{target}/export");
        copy.Count.ShouldBe(original.Count);
        var copies = copy.ToDictionary(Key);
        foreach (var before in original)
        {
            var after = copies[Key(before)];
            var name = Key(before);
            Carried(before).ToJsonString().ShouldBe(Carried(after).ToJsonString(), name);

            // Not carried by the import format (yet): the adjudication and model grades; the evidence level follows.
            after["adjudication"].ShouldBeNull(name);
            after["modelGrades"]!.AsArray().ShouldBeEmpty(name);
        }
    }

    private static string Key(JsonObject record) => $"{record["problem"]!["externalId"]}/{record["solution"]!["externalId"]}";

    /// <summary>The parts of a record the native import format carries, with database ids replaced by what they stand for.</summary>
    private static JsonObject Carried(JsonObject record)
    {
        var problem = record["problem"]!.AsObject();
        var rubric = record["rubrics"]!.AsArray().Select(r => r!.AsObject()).SingleOrDefault(r => (string)r["status"]! == "approved");
        var itemOrdinals = rubric?["items"]!.AsArray().ToDictionary(i => (Guid)i!["id"]!, i => (int)i!["ordinal"]!) ?? [];
        return new JsonObject
        {
            ["problem"] = Pick(problem, "externalId", "title", "statement", "maxPoints", "source", "markingScheme", "references"),
            ["rubric"] = rubric is null ? null : new JsonObject
            {
                ["origin"] = rubric["origin"]!.DeepClone(),
                ["zeroCredit"] = rubric["zeroCredit"]!.DeepClone(),
                ["items"] = new JsonArray([.. rubric["items"]!.AsArray().Select(i => Pick(i!.AsObject(), "ordinal", "title", "points", "description"))]),
            },
            ["solution"] = Pick(record["solution"]!.AsObject(), "externalId", "author", "text"),
            ["humanGrades"] = new JsonArray([.. record["humanGrades"]!.AsArray().Select(g => g!.AsObject()).OrderBy(g => (Guid)g["graderId"]!).Select(g =>
            {
                var grade = Pick(g, "graderId", "graderName", "points", "comment", "givenBlind");
                grade["items"] = new JsonArray([.. g["items"]!.AsArray().Select(i => new JsonObject
                {
                    ["ordinal"] = itemOrdinals[(Guid)i!["rubricItemId"]!],
                    ["points"] = i["points"]!.DeepClone(),
                    ["comment"] = i["comment"]!.DeepClone(),
                })]);
                return (JsonNode)grade;
            })]),
            ["annotations"] = new JsonArray([.. record["annotations"]!.AsArray()
                .Select(a => (JsonNode)Pick(a!.AsObject(), "start", "end", "quote", "errorType", "severity", "comment", "origin", "review", "authorId"))]),
        };
    }

    private static JsonObject Pick(JsonObject from, params string[] names) => new(names.Select(n => KeyValuePair.Create(n, from[n]?.DeepClone())));

    private async Task<JsonObject> ImportAsync(HttpClient client, Guid projectId, string jsonl)
    {
        using var content = new StringContent(jsonl, Encoding.UTF8, "application/x-ndjson");
        var response = await client.PostAsync($"/api/projects/{projectId}/imports?format=jsonl&fileName=round-trip.jsonl", content);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, body);
        var id = (Guid)JsonNode.Parse(body)!["id"]!;
        var until = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var import = (await client.GetFromJsonAsync<JsonObject>($"/api/imports/{id}"))!;
            if ((string)import["status"]! is "succeeded" or "failed")
            {
                return import;
            }
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Import {id} is still {(string)import["status"]!}. Worker log:\n{api.WorkerLog}");
            }
            await Task.Delay(250);
        }
    }
}

/// <summary>
/// Turns export records into the native JSON Lines import format (docs/import-format.md), as documented in
/// docs/export-format.md: a problem line per problem (with its approved rubric), then each solution, its human grades and
/// its annotations. People are named by e-mail, which the export leaves out: the caller maps user ids to e-mails.
/// </summary>
public static class ExportToImport
{
    public static string Lines(IEnumerable<JsonObject> records, Func<Guid, string> emailOf)
    {
        var output = new StringBuilder();
        var problems = new HashSet<Guid>();
        foreach (var record in records)
        {
            var problem = record["problem"]!.AsObject();
            var problemKey = (string?)problem["externalId"] ?? problem["id"]!.ToString();
            var rubric = record["rubrics"]!.AsArray().Select(r => r!.AsObject())
                .SingleOrDefault(r => (string)r["status"]! == "approved" && r["approachKey"] is null);
            if (problems.Add((Guid)problem["id"]!))
            {
                Write(output, new JsonObject
                {
                    ["kind"] = "problem",
                    ["externalId"] = problemKey,
                    ["title"] = problem["title"]!.DeepClone(),
                    ["statement"] = problem["statement"]!.DeepClone(),
                    ["maxPoints"] = problem["maxPoints"]!.DeepClone(),
                    ["source"] = problem["source"]!.DeepClone(),
                    ["markingScheme"] = problem["markingScheme"]?.DeepClone(),
                    ["referenceSolutions"] = new JsonArray([.. problem["references"]!.AsArray()
                        .Select(r => (JsonNode)new JsonObject { ["text"] = r!["text"]!.DeepClone(), ["source"] = r["source"]!.DeepClone() })]),
                    ["rubric"] = rubric is null ? null : new JsonObject
                    {
                        ["items"] = new JsonArray([.. rubric["items"]!.AsArray().Select(i => (JsonNode)new JsonObject
                        {
                            ["title"] = i!["title"]!.DeepClone(),
                            ["points"] = i["points"]!.DeepClone(),
                            ["description"] = i["description"]!.DeepClone(),
                        })]),
                        ["zeroCredit"] = rubric["zeroCredit"]!.DeepClone(),
                    },
                });
            }
            var solution = record["solution"]!.AsObject();
            var solutionKey = (string?)solution["externalId"] ?? solution["id"]!.ToString();
            Write(output, new JsonObject
            {
                ["kind"] = "solution",
                ["problemExternalId"] = problemKey,
                ["externalId"] = solutionKey,
                ["text"] = solution["text"]!.DeepClone(),
                ["author"] = solution["author"]?.DeepClone(),
            });
            var ordinals = rubric?["items"]!.AsArray().ToDictionary(i => (Guid)i!["id"]!, i => (int)i!["ordinal"]!) ?? [];
            foreach (var grade in record["humanGrades"]!.AsArray().Select(g => g!.AsObject()))
            {
                Write(output, new JsonObject
                {
                    ["kind"] = "humanGrade",
                    ["problemExternalId"] = problemKey,
                    ["solutionExternalId"] = solutionKey,
                    ["graderEmail"] = emailOf((Guid)grade["graderId"]!),
                    ["points"] = grade["points"]!.DeepClone(),
                    ["items"] = new JsonArray([.. grade["items"]!.AsArray().Select(i => (JsonNode)new JsonObject
                    {
                        ["ordinal"] = ordinals[(Guid)i!["rubricItemId"]!],
                        ["points"] = i["points"]!.DeepClone(),
                        ["comment"] = i["comment"]!.DeepClone(),
                    })]),
                    ["comment"] = grade["comment"]!.DeepClone(),
                    ["blind"] = grade["givenBlind"]!.DeepClone(),
                });
            }
            foreach (var annotation in record["annotations"]!.AsArray().Select(a => a!.AsObject()).Where(a => a["authorId"] is not null))
            {
                Write(output, new JsonObject
                {
                    ["kind"] = "annotation",
                    ["problemExternalId"] = problemKey,
                    ["solutionExternalId"] = solutionKey,
                    ["authorEmail"] = emailOf((Guid)annotation["authorId"]!),
                    ["start"] = annotation["start"]!.DeepClone(),
                    ["end"] = annotation["end"]!.DeepClone(),
                    ["quote"] = annotation["quote"]!.DeepClone(),
                    ["errorType"] = annotation["errorType"]!.DeepClone(),
                    ["severity"] = annotation["severity"]!.DeepClone(),
                    ["comment"] = annotation["comment"]!.DeepClone(),
                });
            }
        }
        return output.ToString();
    }

    private static void Write(StringBuilder output, JsonObject line) =>
        output.Append(line.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            .Append('\n');
}
