using System.Globalization;
using System.Text.Json;

namespace GradingPortal.Web.Components.Pages.Problems;

/// <summary>
/// Points as a decimal from whatever holds them: the generated client's <c>decimal</c> (the Api's document types
/// decimals as numbers), or a raw JSON value (older documents left decimals untyped and the client kept them as such).
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
