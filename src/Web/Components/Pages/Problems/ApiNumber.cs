using System.Globalization;
using System.Text.Json;

namespace GradingPortal.Web.Components.Pages.Problems;

/// <summary>
/// Points arrive as <c>object</c>: the Api's document gives decimals a format but no type, so the generated client
/// keeps the raw JSON value. This reads it back as a decimal.
/// </summary>
public static class ApiNumber
{
    public static decimal? ToDecimal(object? value) => value switch
    {
        null => null,
        JsonElement { ValueKind: JsonValueKind.Number } number => number.GetDecimal(),
        JsonElement { ValueKind: JsonValueKind.String } text when decimal.TryParse(text.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) => parsed,
        JsonElement => null,
        decimal d => d,
        IConvertible convertible => convertible.ToDecimal(CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>Points as graders read them: "3.5", "7", or a dash when there are none.</summary>
    public static string Points(object? value) => ToDecimal(value) is { } points ? points.ToString("0.##", CultureInfo.InvariantCulture) : "–";
}
