using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GradingPortal.Export.Tests;

/// <summary>
/// A validator for the part of JSON Schema draft 2020-12 that docs/export.schema.json uses (no JSON Schema package
/// restores from our package source). It refuses schemas with keywords it does not implement, so the schema cannot
/// quietly grow a rule nobody checks.
/// </summary>
public sealed partial class JsonSchemaValidator
{
    private static readonly HashSet<string> s_keywords =
    [
        "$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties", "required", "additionalProperties", "items",
        "enum", "const", "anyOf", "minimum", "maximum", "minLength", "format",
    ];

    private readonly JsonElement _root;

    public JsonSchemaValidator(JsonElement root)
    {
        _root = root;
        CheckKeywords(root, "#");
    }

    /// <summary>Errors of <paramref name="instance"/> against the schema at <paramref name="pointer"/> (e.g. <c>#/$defs/pair</c>).</summary>
    public List<string> Validate(JsonElement instance, string pointer = "#")
    {
        var errors = new List<string>();
        Validate(Resolve(pointer), instance, "$", errors);
        return errors;
    }

    private void Validate(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            Validate(Resolve(reference.GetString()!), instance, path, errors);
        }
        if (schema.TryGetProperty("type", out var type) && !TypeMatches(type, instance))
        {
            errors.Add($"{path}: expected type {type.GetRawText()}, found {instance.ValueKind}");
            return;
        }
        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, instance))
        {
            errors.Add($"{path}: expected {constant.GetRawText()}, found {instance.GetRawText()}");
        }
        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, instance)))
        {
            errors.Add($"{path}: {instance.GetRawText()} is not one of {values.GetRawText()}");
        }
        if (schema.TryGetProperty("anyOf", out var anyOf))
        {
            var options = anyOf.EnumerateArray().Select(option => Validate(option, instance, path)).ToList();
            if (options.All(o => o.Count > 0))
            {
                errors.Add($"{path}: matches none of anyOf ({string.Join(" | ", options.Select(o => o[0]))})");
            }
        }
        if (instance.ValueKind == JsonValueKind.Number)
        {
            var number = instance.GetDecimal();
            if (schema.TryGetProperty("minimum", out var min) && number < min.GetDecimal())
            {
                errors.Add($"{path}: {number} is below the minimum {min.GetDecimal()}");
            }
            if (schema.TryGetProperty("maximum", out var max) && number > max.GetDecimal())
            {
                errors.Add($"{path}: {number} is above the maximum {max.GetDecimal()}");
            }
        }
        if (instance.ValueKind == JsonValueKind.String)
        {
            var text = instance.GetString()!;
            if (schema.TryGetProperty("minLength", out var minLength) && text.Length < minLength.GetInt32())
            {
                errors.Add($"{path}: shorter than {minLength.GetInt32()}");
            }
            if (schema.TryGetProperty("format", out var format) && !FormatMatches(format.GetString()!, text))
            {
                errors.Add($"{path}: '{text}' is not a {format.GetString()}");
            }
        }
        if (instance.ValueKind == JsonValueKind.Object)
        {
            ValidateObject(schema, instance, path, errors);
        }
        if (instance.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var index = 0;
            foreach (var item in instance.EnumerateArray())
            {
                Validate(items, item, $"{path}[{index++}]", errors);
            }
        }
    }

    private List<string> Validate(JsonElement schema, JsonElement instance, string path)
    {
        var errors = new List<string>();
        Validate(schema, instance, path, errors);
        return errors;
    }

    private void ValidateObject(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
            {
                if (!instance.TryGetProperty(name, out _))
                {
                    errors.Add($"{path}: missing required property '{name}'");
                }
            }
        }
        var properties = schema.TryGetProperty("properties", out var declared) ? declared : default;
        foreach (var property in instance.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Validate(propertySchema, property.Value, $"{path}.{property.Name}", errors);
            }
            else if (schema.TryGetProperty("additionalProperties", out var additional))
            {
                if (additional.ValueKind == JsonValueKind.False)
                {
                    errors.Add($"{path}: property '{property.Name}' is not in the schema");
                }
                else if (additional.ValueKind == JsonValueKind.Object)
                {
                    Validate(additional, property.Value, $"{path}.{property.Name}", errors);
                }
            }
        }
    }

    private static bool TypeMatches(JsonElement type, JsonElement instance) => type.ValueKind == JsonValueKind.Array
        ? type.EnumerateArray().Any(t => TypeMatches(t.GetString()!, instance))
        : TypeMatches(type.GetString()!, instance);

    private static bool TypeMatches(string type, JsonElement instance) => type switch
    {
        "object" => instance.ValueKind == JsonValueKind.Object,
        "array" => instance.ValueKind == JsonValueKind.Array,
        "string" => instance.ValueKind == JsonValueKind.String,
        "number" => instance.ValueKind == JsonValueKind.Number,
        "integer" => instance.ValueKind == JsonValueKind.Number && instance.TryGetDecimal(out var d) && decimal.Truncate(d) == d,
        "boolean" => instance.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => instance.ValueKind == JsonValueKind.Null,
        _ => throw new NotSupportedException($"Unknown type '{type}'."),
    };

    private static bool FormatMatches(string format, string value) => format switch
    {
        "uuid" => Uuid().IsMatch(value),
        "date-time" => DateTime().IsMatch(value)
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        _ => throw new NotSupportedException($"Unknown format '{format}'."),
    };

    private JsonElement Resolve(string pointer)
    {
        if (!pointer.StartsWith('#'))
        {
            throw new NotSupportedException($"Only local references are supported: {pointer}");
        }
        var node = _root;
        foreach (var segment in pointer[1..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node.GetProperty(segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }
        return node;
    }

    private static void CheckKeywords(JsonElement schema, string path)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        foreach (var keyword in schema.EnumerateObject())
        {
            if (!s_keywords.Contains(keyword.Name))
            {
                throw new NotSupportedException($"{path}: keyword '{keyword.Name}' is not implemented by the test validator.");
            }
            switch (keyword.Name)
            {
                case "properties" or "$defs":
                    foreach (var child in keyword.Value.EnumerateObject())
                    {
                        CheckKeywords(child.Value, $"{path}/{keyword.Name}/{child.Name}");
                    }
                    break;
                case "items" or "additionalProperties":
                    CheckKeywords(keyword.Value, $"{path}/{keyword.Name}");
                    break;
                case "anyOf":
                    foreach (var option in keyword.Value.EnumerateArray())
                    {
                        CheckKeywords(option, $"{path}/anyOf");
                    }
                    break;
                default:
                    break;
            }
        }
    }

    [GeneratedRegex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    private static partial Regex Uuid();

    // RFC 3339 date-time: full date, 'T', time with optional fraction, and a zone (Z or ±hh:mm).
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex DateTime();
}
