using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GradingPortal.Domain.Persistence;

/// <summary>Small value lists stored as one jsonb column (explicit conversion: no reliance on provider POCO mapping).</summary>
internal static class JsonColumn
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static PropertyBuilder<List<T>> HasJsonConversion<T>(this PropertyBuilder<List<T>> property) =>
        property.HasColumnType("jsonb").HasConversion(
            v => JsonSerializer.Serialize(v, s_json),
            v => JsonSerializer.Deserialize<List<T>>(v, s_json) ?? new List<T>(),
            new ValueComparer<List<T>>(
                (a, b) => JsonSerializer.Serialize(a, s_json) == JsonSerializer.Serialize(b, s_json),
                v => JsonSerializer.Serialize(v, s_json).GetHashCode(StringComparison.Ordinal),
                v => JsonSerializer.Deserialize<List<T>>(JsonSerializer.Serialize(v, s_json), s_json)!));
}
