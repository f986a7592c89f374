using System.Text.Json;
using System.Text.Json.Nodes;

namespace GradingPortal.Export.Tests;

/// <summary>Every exported line validates against docs/export.schema.json, and the schema's rules bite.</summary>
[Collection(ExportCollection.Name)]
public sealed class ExportSchemaTests(ExportFactory api) : IAsyncLifetime
{
    private static readonly JsonSchemaValidator s_schema =
        new(JsonDocument.Parse(File.ReadAllText(Repository.PathOf("docs/export.schema.json"))).RootElement.Clone());

    private Dataset _data = null!;

    public async ValueTask InitializeAsync() => _data = await Dataset.CreateAsync(api);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static JsonElement Element(JsonNode node) => JsonDocument.Parse(node.ToJsonString()).RootElement;

    [Fact]
    public async Task Schema_EveryRecord_Validates()
    {
        var lines = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl());
        lines.Count.ShouldBe(6);
        foreach (var line in lines)
        {
            s_schema.Validate(Element(line)).ShouldBeEmpty(line.ToJsonString());
        }
        var single = await _data.Adjudicator.GetJsonAsync($"/api/solutions/{_data.A1}/export");
        s_schema.Validate(single).ShouldBeEmpty();
    }

    [Fact]
    public async Task Schema_EveryPair_ValidatesAgainstThePairDefinition()
    {
        var pairs = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl("flavor=pairs"));
        pairs.Count.ShouldBe(4);
        foreach (var pair in pairs)
        {
            s_schema.Validate(Element(pair), "#/$defs/pair").ShouldBeEmpty(pair.ToJsonString());
        }
    }

    [Fact]
    public async Task Schema_BrokenRecords_AreRejected()
    {
        var lines = await _data.Adjudicator.ExportLinesAsync(_data.ExportUrl($"problemIds={_data.ProblemA}"));
        var record = lines.Single(l => (Guid)l["solution"]!["id"]! == _data.A1);

        JsonObject Mutate(Action<JsonObject> change)
        {
            var copy = record.DeepClone().AsObject();
            change(copy);
            return copy;
        }

        s_schema.Validate(Element(Mutate(r => r.Remove("cursor")))).ShouldContain(e => e.Contains(": required: ") && e.Contains("cursor"));
        s_schema.Validate(Element(Mutate(r => r["extra"] = 1))).ShouldContain(e => e.StartsWith("/extra ", StringComparison.Ordinal));
        s_schema.Validate(Element(Mutate(r => r["schemaVersion"] = 3))).ShouldNotBeEmpty();
        s_schema.Validate(Element(Mutate(r => r["evidenceLevel"] = "threeHumans"))).ShouldNotBeEmpty();
        s_schema.Validate(Element(Mutate(r => r["solution"]!["id"] = "not-a-uuid"))).ShouldContain(e => e.StartsWith("/solution/id ", StringComparison.Ordinal) && e.Contains(": format: "));
        s_schema.Validate(Element(Mutate(r => r["solution"]!["createdAt"] = "22/11/2026"))).ShouldContain(e => e.StartsWith("/solution/createdAt ", StringComparison.Ordinal) && e.Contains(": format: "));
        s_schema.Validate(Element(Mutate(r => r["humanGrades"]![0]!["points"] = -1))).ShouldContain(e => e.Contains(": minimum: "));
        s_schema.Validate(Element(Mutate(r => r["adjudication"] = "none"))).ShouldContain(e => e.StartsWith("/adjudication ", StringComparison.Ordinal));
        s_schema.Validate(Element(Mutate(r => r["modelGrades"]!.AsArray().First(g => g!["findings"]!.AsArray().Count > 0)!["findings"]![0]!["spanConfidence"] = 1.5)))
            .ShouldContain(e => e.Contains(": maximum: "));
        s_schema.Validate(Element(Mutate(r => r["problem"]!["maxPoints"] = 7.5))).ShouldContain(e => e.StartsWith("/problem/maxPoints ", StringComparison.Ordinal) && e.Contains(": type: "));
    }

    [Fact]
    public void Schema_Draft202012_BuildsAndChecksFormats()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("docs/export.schema.json")));
        schema.RootElement.GetProperty("$schema").GetString().ShouldBe("https://json-schema.org/draft/2020-12/schema");
        var validator = new JsonSchemaValidator(schema.RootElement);
        // Formats are assertions here, not annotations: an export with a malformed id or date fails.
        new JsonSchemaValidator(JsonDocument.Parse("""{"type":"string","format":"uuid"}""").RootElement)
            .Validate(JsonDocument.Parse("\"x\"").RootElement).ShouldHaveSingleItem().ShouldContain(": format: ");
        validator.Validate(JsonDocument.Parse("{}").RootElement).ShouldNotBeEmpty();
    }

    [Fact]
    public void Schema_DocumentsEveryPropertyOfTheRecordTypes()
    {
        // The schema forbids unknown properties, so a record property the schema lacks fails the tests above; this checks
        // the other way round: nothing in the schema's required lists is missing from the record types.
        var schema = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("docs/export.schema.json"))).RootElement;
        var required = schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()!).ToList();
        var properties = typeof(GradingPortal.Api.Export.ExportRecord).GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name));
        required.Order().ShouldBe(properties.Order());
        var pair = schema.GetProperty("$defs").GetProperty("pair").GetProperty("required").EnumerateArray().Select(r => r.GetString()!);
        pair.Order().ShouldBe(typeof(GradingPortal.Api.Export.ExportPair).GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).Order());
    }
}

/// <summary>Files of the repository, found from the test's output folder.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GradingPortal.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("Could not find the repository root (GradingPortal.sln) above " + AppContext.BaseDirectory);
    }
}
