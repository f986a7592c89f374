using System.Text;
using System.Text.Json;
using GradingPortal.Api.Export;

namespace GradingPortal.Export.Tests;

/// <summary>Solution texts are escaped by the export's own JSON string writer; it must agree with any JSON reader.</summary>
public sealed class ExportTextTests
{
    private static string Json(string text) => JsonSerializer.Serialize(new ExportText(Encoding.UTF8.GetBytes(text)));

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("\"quoted\" and \\backslashed\\ \\(x^2\\)")]
    [InlineData("line\nbreak\r\nand\ttab\b\f\u0001\u001f")]
    [InlineData("ü — 🙂 <script>&'")]
    public void Escape_KnownTexts_ReadBackUnchanged(string text)
    {
        var json = Json(text);
        JsonSerializer.Deserialize<string>(json).ShouldBe(text);
        json.ShouldStartWith("\"");
    }

    [Fact]
    public void Escape_ControlCharacters_UseShortFormsOrUnicodeEscapes()
    {
        Json("a\nb\rc\td\u0000e\"f\\g").ShouldBe("\"a\\nb\\rc\\td\\u0000e\\\"f\\\\g\"");
        Json("<&'ü🙂").ShouldBe("\"<&'ü🙂\"");
    }

    [Fact]
    public void Escape_RandomTexts_ReadBackUnchanged()
    {
        var random = new Random(20261122);
        char[] alphabet = ['a', 'Z', ' ', '\\', '"', '\n', '\r', '\t', '\u0000', '\u0007', '\u001f', '\u007f', 'é', '€', '\u2028', '$', '{', '}'];
        for (var round = 0; round < 500; round++)
        {
            var text = new StringBuilder();
            var length = random.Next(0, 300);
            for (var i = 0; i < length; i++)
            {
                text.Append(random.Next(10) == 0 ? "🙂" : alphabet[random.Next(alphabet.Length)].ToString());
            }
            JsonSerializer.Deserialize<string>(Json(text.ToString())).ShouldBe(text.ToString());
        }
    }

    [Fact]
    public void Text_FromString_RoundTripsThroughTheConverter()
    {
        var text = new ExportText("x \"y\" z");
        JsonSerializer.Deserialize<ExportText>(JsonSerializer.Serialize(text))!.ShouldBe(text);
        text.ToString().ShouldBe("x \"y\" z");
    }
}
