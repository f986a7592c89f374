using System.Text.Json;
using System.Text.Json.Serialization;

namespace GradingPortal.Api.Infrastructure;

/// <summary>
/// Writes decimals without trailing zeros: points read back from numeric(6,2) columns come with scale 2 ("7.00"),
/// while the contract promises at most one decimal ("7", "6.5").
/// </summary>
internal sealed class PointsConverter : JsonConverter<decimal>
{
    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDecimal();

    // Dividing by 1 with 28 zeros gives the value with its smallest scale.
    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value / 1.0000000000000000000000000000m);
}
