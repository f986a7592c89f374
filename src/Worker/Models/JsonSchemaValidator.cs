using System.Collections.Concurrent;
using System.Text.Json;
using Json.Schema;

namespace GradingPortal.Worker.Models;

/// <summary>
/// Checks a model's output against its JSON schema with JsonSchema.Net. Endpoints that honour strict schemas make this a
/// second line of defence; in JSON mode it is the only one. Problems read <c>path: what is wrong</c>, for the stored error
/// and the repair request.
/// </summary>
internal static class JsonSchemaValidator
{
    private const int MaxProblems = 20;
    private const int MaxCachedSchemas = 1000;
    private static readonly ConcurrentDictionary<string, JsonSchema> s_schemas = new(StringComparer.Ordinal);
    private static readonly EvaluationOptions s_options = new() { OutputFormat = OutputFormat.List };

    /// <summary>Problems found; empty when the value conforms.</summary>
    public static IReadOnlyList<string> Validate(JsonElement schema, JsonElement value)
    {
        var results = Compiled(schema).Evaluate(value, s_options);
        if (results.IsValid)
        {
            return [];
        }
        var problems = new List<string>();
        foreach (var detail in results.Details is { Count: > 0 } details ? details : [results])
        {
            foreach (var (keyword, message) in detail.Errors ?? new Dictionary<string, string>())
            {
                problems.AddRange(Describe(detail.InstanceLocation.ToString(), keyword, message));
            }
        }
        if (problems.Count == 0)
        {
            problems.Add("$: does not match the schema");
        }
        return [.. problems.Distinct(StringComparer.Ordinal).Take(MaxProblems)];
    }

    private static JsonSchema Compiled(JsonElement schema)
    {
        var text = schema.GetRawText();
        if (s_schemas.TryGetValue(text, out var compiled))
        {
            return compiled;
        }
        if (s_schemas.Count >= MaxCachedSchemas)
        {
            // Schemas vary only with a project's error types; a full cache means something unusual, not a working set.
            s_schemas.Clear();
        }
        return s_schemas.GetOrAdd(text, _ => JsonSchema.Build(schema.Clone()));
    }

    private static IEnumerable<string> Describe(string pointer, string keyword, string message)
    {
        var path = PathOf(pointer);
        if (keyword == "required" && message.IndexOf('[', StringComparison.Ordinal) is var open and >= 0
            && message.LastIndexOf(']') is var close && close > open)
        {
            string[]? names = null;
            try
            {
                names = JsonSerializer.Deserialize<string[]>(message[open..(close + 1)]);
            }
            catch (JsonException)
            {
            }
            if (names is { Length: > 0 })
            {
                return names.Select(n => $"{path}: missing required property '{n}'");
            }
        }
        if (keyword is "false" or "" || message.Contains("false schema", StringComparison.OrdinalIgnoreCase))
        {
            // A property that additionalProperties: false refuses is reported at the property itself.
            var cut = pointer.LastIndexOf('/');
            if (cut >= 0)
            {
                return [$"{PathOf(pointer[..cut])}: unexpected property '{Unescape(pointer[(cut + 1)..])}'"];
            }
        }
        return [$"{path}: {message}"];
    }

    /// <summary>A JSON Pointer as the <c>$.a.b[0]</c> path the problems have always used.</summary>
    private static string PathOf(string pointer)
    {
        var path = new System.Text.StringBuilder("$");
        foreach (var segment in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = Unescape(segment);
            path.Append(int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
                ? $"[{index}]"
                : "." + name);
        }
        return path.ToString();
    }

    private static string Unescape(string segment) => segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
}
