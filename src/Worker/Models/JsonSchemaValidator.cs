using System.Globalization;
using System.Text.Json;

namespace GradingPortal.Worker.Models;

/// <summary>
/// Checks a JSON value against the subset of JSON Schema our output schemas use: <c>type</c> (a name or an array of
/// names, which is how a nullable field is written in strict mode), <c>properties</c>, <c>required</c>,
/// <c>additionalProperties</c> (false or a schema), <c>enum</c>, <c>const</c>, <c>items</c>, <c>minItems</c>/<c>maxItems</c>,
/// <c>minLength</c>/<c>maxLength</c>, <c>minimum</c>/<c>maximum</c> and <c>anyOf</c>. Unknown keywords are ignored.
/// Endpoints that honour strict schemas make this a second line of defence; in JSON mode it is the only one.
/// </summary>
internal static class JsonSchemaValidator
{
    private const int MaxProblems = 20;

    /// <summary>Problems found, each as <c>path: what is wrong</c>; empty when the value conforms.</summary>
    public static IReadOnlyList<string> Validate(JsonElement schema, JsonElement value)
    {
        var problems = new List<string>();
        Check(schema, value, "$", problems);
        return problems;
    }

    private static void Check(JsonElement schema, JsonElement value, string path, List<string> problems)
    {
        if (problems.Count >= MaxProblems || schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        if (schema.TryGetProperty("anyOf", out var anyOf) && anyOf.ValueKind == JsonValueKind.Array)
        {
            var branches = anyOf.EnumerateArray().ToList();
            if (branches.Count > 0 && !branches.Any(b => Validate(b, value, path).Count == 0))
            {
                problems.Add($"{path}: matches none of the allowed shapes");
                return;
            }
        }
        if (schema.TryGetProperty("type", out var type) && !TypeMatches(type, value))
        {
            problems.Add($"{path}: expected {TypeText(type)}, found {KindText(value)}");
            return;
        }
        if (schema.TryGetProperty("enum", out var allowed) && allowed.ValueKind == JsonValueKind.Array
            && !allowed.EnumerateArray().Any(a => JsonElement.DeepEquals(a, value)))
        {
            problems.Add($"{path}: {Short(value)} is not one of {Short(allowed)}");
        }
        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
        {
            problems.Add($"{path}: must be {Short(constant)}");
        }
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(schema, value, path, problems);
                break;
            case JsonValueKind.Array:
                CheckArray(schema, value, path, problems);
                break;
            case JsonValueKind.Number:
                var number = value.GetDouble();
                if (schema.TryGetProperty("minimum", out var min) && min.ValueKind == JsonValueKind.Number && number < min.GetDouble())
                {
                    problems.Add($"{path}: must be at least {min.GetRawText()} (is {value.GetRawText()})");
                }
                if (schema.TryGetProperty("maximum", out var max) && max.ValueKind == JsonValueKind.Number && number > max.GetDouble())
                {
                    problems.Add($"{path}: must be at most {max.GetRawText()} (is {value.GetRawText()})");
                }
                break;
            case JsonValueKind.String:
                var length = value.GetString()!.Length;
                if (schema.TryGetProperty("minLength", out var minLength) && minLength.TryGetInt32(out var minL) && length < minL)
                {
                    problems.Add($"{path}: must have at least {minL} characters");
                }
                if (schema.TryGetProperty("maxLength", out var maxLength) && maxLength.TryGetInt32(out var maxL) && length > maxL)
                {
                    problems.Add($"{path}: must have at most {maxL} characters");
                }
                break;
        }
    }

    private static List<string> Validate(JsonElement schema, JsonElement value, string path)
    {
        var problems = new List<string>();
        Check(schema, value, path, problems);
        return problems;
    }

    private static void CheckObject(JsonElement schema, JsonElement value, string path, List<string> problems)
    {
        var hasProperties = schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object;
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray())
            {
                if (name.ValueKind == JsonValueKind.String && !value.TryGetProperty(name.GetString()!, out _))
                {
                    problems.Add($"{path}: missing required property '{name.GetString()}'");
                }
            }
        }
        schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var property in value.EnumerateObject())
        {
            var childPath = $"{path}.{property.Name}";
            if (hasProperties && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(propertySchema, property.Value, childPath, problems);
            }
            else if (additional.ValueKind == JsonValueKind.False)
            {
                problems.Add($"{path}: unexpected property '{property.Name}'");
            }
            else if (additional.ValueKind == JsonValueKind.Object)
            {
                Check(additional, property.Value, childPath, problems);
            }
        }
    }

    private static void CheckArray(JsonElement schema, JsonElement value, string path, List<string> problems)
    {
        var count = value.GetArrayLength();
        if (schema.TryGetProperty("minItems", out var minItems) && minItems.TryGetInt32(out var min) && count < min)
        {
            problems.Add($"{path}: must have at least {min} items (has {count})");
        }
        if (schema.TryGetProperty("maxItems", out var maxItems) && maxItems.TryGetInt32(out var max) && count > max)
        {
            problems.Add($"{path}: must have at most {max} items (has {count})");
        }
        if (schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object)
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(items, item, $"{path}[{index++}]", problems);
            }
        }
    }

    private static bool TypeMatches(JsonElement type, JsonElement value) => type.ValueKind switch
    {
        JsonValueKind.String => IsOfType(type.GetString()!, value),
        JsonValueKind.Array => type.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && IsOfType(t.GetString()!, value)),
        _ => true,
    };

    private static bool IsOfType(string type, JsonElement value) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && IsWhole(value),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static bool IsWhole(JsonElement number) =>
        number.TryGetInt64(out _) || (number.TryGetDecimal(out var d) && d == decimal.Truncate(d));

    private static string TypeText(JsonElement type) => type.ValueKind == JsonValueKind.Array
        ? string.Join(" or ", type.EnumerateArray().Select(t => t.ToString()))
        : type.ToString();

    private static string KindText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => string.Create(CultureInfo.InvariantCulture, $"the number {value.GetRawText()}"),
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Short(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length <= 80 ? text : text[..77] + "...";
    }
}
