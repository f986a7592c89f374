using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GradingPortal.Api.Export;

// Solution texts dominate an export's volume, so they stay the UTF-8 bytes PostgreSQL sent and are written to JSON and
// CSV without ever becoming a .NET string: no decoding, no 2x-sized allocation and no re-encoding per solution.

/// <summary>A solution's text; on the wire an ordinary JSON string.</summary>
[JsonConverter(typeof(ExportTextConverter))]
public sealed class ExportText : IEquatable<ExportText>
{
    private string? _text;

    public ExportText(ReadOnlyMemory<byte> utf8)
    {
        Utf8 = utf8;
    }

    public ExportText(string text)
    {
        _text = text;
        Utf8 = Encoding.UTF8.GetBytes(text);
    }

    public ReadOnlyMemory<byte> Utf8 { get; }

    public override string ToString() => _text ??= Encoding.UTF8.GetString(Utf8.Span);

    public bool Equals(ExportText? other) => other is not null && Utf8.Span.SequenceEqual(other.Utf8.Span);

    public override bool Equals(object? obj) => obj is ExportText other && Equals(other);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}

/// <summary>Writes <see cref="ExportText"/> as a JSON string straight from its UTF-8 bytes.</summary>
public sealed class ExportTextConverter : JsonConverter<ExportText>
{
    public override ExportText Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(reader.GetString() ?? "");

    public override void Write(Utf8JsonWriter writer, ExportText value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Utf8.Span);
}
