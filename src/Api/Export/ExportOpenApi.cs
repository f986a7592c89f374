using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace GradingPortal.Api.Export;

/// <summary>
/// The project export answers with lines, not one JSON document: OpenAPI has no word for "each line is an X", so the
/// 200 answer lists the two line shapes for <c>application/x-ndjson</c> (records or pairs) and plain text for CSV.
/// </summary>
internal static class ExportOpenApi
{
    public static async Task DescribeStreamAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (operation.Responses?.TryGetValue("200", out var ok) != true || ok is not OpenApiResponse response || context.Document is null)
        {
            return;
        }
        response.Content ??= new Dictionary<string, OpenApiMediaType>();
        var pair = await context.GetOrCreateSchemaAsync(typeof(ExportPair), null, ct);
        context.Document.AddComponent(nameof(ExportPair), pair);
        if (response.Content.TryGetValue(ExportEndpoints.NdjsonContentType, out var ndjson) && ndjson.Schema is { } record)
        {
            ndjson.Schema = new OpenApiSchema
            {
                Description = "Each line is one JSON object: an ExportRecord (flavor=records) or an ExportPair (flavor=pairs).",
                AnyOf = [record, new OpenApiSchemaReference(nameof(ExportPair), context.Document)],
            };
        }
        response.Content[ExportEndpoints.CsvContentType] = new OpenApiMediaType
        {
            Schema = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "RFC 4180 CSV with a header row; columns are listed in docs/export-format.md.",
            },
        };
        response.Description = "The export, streamed. Content-Disposition names the file; every line carries its resume cursor.";
    }

    /// <summary><see cref="ExportText"/> has its own converter, so the schema generator cannot see that it is a string.</summary>
    public static Task DescribeTextAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (context.JsonTypeInfo.Type == typeof(ExportText))
        {
            schema.Type = JsonSchemaType.String;
        }
        return Task.CompletedTask;
    }
}
