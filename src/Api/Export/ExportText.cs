using System.Buffers;
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

/// <summary>
/// Writes <see cref="ExportText"/> as a JSON string straight from its UTF-8 bytes. The framework's encoders fall back to
/// one character at a time after the first character that needs escaping, and LaTeX has a backslash every few words;
/// this escapes with a vectorised search between escapes and copies the runs in between.
/// </summary>
public sealed class ExportTextConverter : JsonConverter<ExportText>
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    public override ExportText Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(reader.GetString() ?? "");

    public override void Write(Utf8JsonWriter writer, ExportText value, JsonSerializerOptions options)
    {
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(64 * 1024);
        scratch.ResetWrittenCount();
        JsonStringEscaper.WriteQuoted(scratch, value.Utf8.Span);
        // The bytes are a complete, valid JSON string: quoted, escaped, and UTF-8 as PostgreSQL validated it.
        writer.WriteRawValue(scratch.WrittenSpan, skipInputValidation: true);
        if (scratch.Capacity > 4 * 1024 * 1024)
        {
            t_scratch = null; // do not keep a buffer grown for one huge text
        }
    }
}

/// <summary>JSON string escaping for valid UTF-8: quotes, backslashes and control characters; everything else as is.</summary>
internal static class JsonStringEscaper
{
    private static readonly SearchValues<byte> s_special = SearchValues.Create(
        [(byte)'"', (byte)'\\', .. Enumerable.Range(0, 0x20).Select(b => (byte)b)]);

    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    public static void WriteQuoted(IBufferWriter<byte> output, ReadOnlySpan<byte> utf8)
    {
        // Worst case every byte becomes \u00XX (6 bytes), plus the quotes.
        var span = output.GetSpan(utf8.Length * 6 + 2);
        var at = 0;
        span[at++] = (byte)'"';
        while (true)
        {
            var next = utf8.IndexOfAny(s_special);
            if (next < 0)
            {
                utf8.CopyTo(span[at..]);
                at += utf8.Length;
                break;
            }
            utf8[..next].CopyTo(span[at..]);
            at += next;
            var special = utf8[next];
            span[at++] = (byte)'\\';
            switch (special)
            {
                case (byte)'"':
                case (byte)'\\':
                    span[at++] = special;
                    break;
                case (byte)'\n':
                    span[at++] = (byte)'n';
                    break;
                case (byte)'\r':
                    span[at++] = (byte)'r';
                    break;
                case (byte)'\t':
                    span[at++] = (byte)'t';
                    break;
                default:
                    span[at++] = (byte)'u';
                    span[at++] = (byte)'0';
                    span[at++] = (byte)'0';
                    span[at++] = Hex[special >> 4];
                    span[at++] = Hex[special & 0xF];
                    break;
            }
            utf8 = utf8[(next + 1)..];
        }
        span[at++] = (byte)'"';
        output.Advance(at);
    }
}
