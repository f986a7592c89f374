using System.Text.Json;
using System.Text.Json.Nodes;

namespace GradingPortal.Worker.Grading.Wire;

/// <summary>
/// Builds output schemas that strict structured-output endpoints accept: every object lists all its properties as
/// required and forbids others; "optional" fields are nullable through a type array (<c>["string", "null"]</c>).
/// Bounds (points, counts) are checked in code after parsing, not with schema keywords some endpoints reject.
/// </summary>
internal static class JsonSchemas
{
    public static JsonObject Object(params (string Name, JsonNode Schema)[] properties)
    {
        var props = new JsonObject();
        var required = new JsonArray();
        foreach (var (name, schema) in properties)
        {
            props[name] = schema;
            required.Add(name);
        }
        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = props,
            ["required"] = required,
            ["additionalProperties"] = false,
        };
    }

    public static JsonObject String(bool nullable = false) => Typed("string", nullable);

    public static JsonObject Number(bool nullable = false) => Typed("number", nullable);

    public static JsonObject Integer(bool nullable = false) => Typed("integer", nullable);

    public static JsonObject Boolean(bool nullable = false) => Typed("boolean", nullable);

    public static JsonObject Array(JsonNode items) => new() { ["type"] = "array", ["items"] = items };

    public static JsonObject Enum(IEnumerable<string> values) => new()
    {
        ["type"] = "string",
        ["enum"] = new JsonArray([.. values.Select(v => (JsonNode)JsonValue.Create(v))]),
    };

    public static JsonElement ToElement(JsonNode schema) => JsonSerializer.SerializeToElement(schema);

    private static JsonObject Typed(string type, bool nullable) =>
        nullable ? new JsonObject { ["type"] = new JsonArray(type, "null") } : new JsonObject { ["type"] = type };
}
