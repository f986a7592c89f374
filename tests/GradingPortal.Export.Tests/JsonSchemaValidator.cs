using System.Text.Json;
using Json.Schema;

namespace GradingPortal.Export.Tests;

/// <summary>
/// docs/export.schema.json compiled with JsonSchema.Net (draft 2020-12, formats asserted). Problems read
/// <c>instance location (schema path): keyword: message</c>, so a test can tell which rule bit.
/// </summary>
public sealed class JsonSchemaValidator
{
    private readonly BuildOptions _build = new() { SchemaRegistry = new SchemaRegistry() };
    private readonly JsonSchema _root;
    private readonly Uri _id;
    private readonly Dictionary<string, JsonSchema> _pointers = new(StringComparer.Ordinal);
    private static readonly EvaluationOptions s_options = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    public JsonSchemaValidator(JsonElement root)
    {
        _id = root.TryGetProperty("$id", out var id) ? new Uri(id.GetString()!) : new Uri("https://gradingportal.example/schemas/test.json");
        _root = JsonSchema.Build(root.Clone(), _build, _id);
    }

    /// <summary>Errors of <paramref name="instance"/> against the schema at <paramref name="pointer"/> (e.g. <c>#/$defs/pair</c>).</summary>
    public List<string> Validate(JsonElement instance, string pointer = "#")
    {
        var schema = pointer == "#" ? _root : SchemaAt(pointer);
        var results = schema.Evaluate(instance, s_options);
        var errors = new List<string>();
        if (results.IsValid)
        {
            return errors;
        }
        foreach (var detail in results.Details is { Count: > 0 } details ? details : [results])
        {
            foreach (var (keyword, message) in detail.Errors ?? new Dictionary<string, string>())
            {
                errors.Add($"{detail.InstanceLocation} ({detail.EvaluationPath}): {keyword}: {message}");
            }
        }
        if (errors.Count == 0)
        {
            errors.Add("the instance does not match the schema");
        }
        return errors;
    }

    private JsonSchema SchemaAt(string pointer)
    {
        if (!_pointers.TryGetValue(pointer, out var schema))
        {
            using var reference = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, string> { ["$ref"] = _id + pointer }));
            schema = JsonSchema.Build(reference.RootElement.Clone(), _build, new Uri(_id, "ref-" + _pointers.Count));
            _pointers[pointer] = schema;
        }
        return schema;
    }
}
