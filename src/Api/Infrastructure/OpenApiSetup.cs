using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace GradingPortal.Api.Infrastructure;

/// <summary>
/// Shapes the OpenAPI document at <c>/openapi/v1.json</c>: title and description, the bearer scheme (login tokens and
/// personal API tokens travel the same way), the 401 answer of every route that needs a caller, and no <c>servers</c>
/// entry (it would echo whatever host asked, which makes the committed copy in <c>src/Api/openapi/v1.json</c> unstable;
/// Swagger UI then calls the host it was loaded from). Each endpoint declares its own other errors with
/// <see cref="OpenApiMetadata.Problems"/>.
/// </summary>
internal static class OpenApiSetup
{
    public const string BearerScheme = "bearer";

    public static IServiceCollection AddApiDocument(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "GradingPortal API",
                Version = "v1",
                Description = "Grading olympiad proofs with people and LLMs. JSON is camelCase; every error is a ProblemDetails " +
                    "(400 carries per-field `errors`). Authenticate with `Authorization: Bearer <token>`, where the token is the " +
                    "`accessToken` from `POST /api/auth/login` or a personal API token from `POST /api/tokens`.",
            };
            document.Servers = [];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A login access token or a personal API token.",
            };
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer(Export.ExportOpenApi.DescribeTextAsync);
        options.AddSchemaTransformer(RowVersions.DescribeAsync);
        options.AddOperationTransformer(async (operation, context, ct) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any())
            {
                return;
            }
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }];
            operation.Responses ??= [];
            if (!operation.Responses.ContainsKey("401"))
            {
                var schemas = context.Document!.Components!.Schemas ??= new Dictionary<string, IOpenApiSchema>();
                if (!schemas.ContainsKey(nameof(ProblemDetails)))
                {
                    context.Document.AddComponent(nameof(ProblemDetails), await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, ct));
                }
                operation.Responses["401"] = new OpenApiResponse
                {
                    Description = "Unauthorized: no token, or an expired or revoked one.",
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(nameof(ProblemDetails), context.Document) },
                    },
                };
            }
        });
    });
}

/// <summary>Endpoint metadata for the ProblemDetails answers a route gives.</summary>
internal static class OpenApiMetadata
{
    /// <summary>Declares error answers: 400 as a validation problem (per-field <c>errors</c>), others as ProblemDetails.</summary>
    public static RouteHandlerBuilder Problems(this RouteHandlerBuilder builder, params int[] statusCodes)
    {
        foreach (var status in statusCodes)
        {
            if (status == StatusCodes.Status400BadRequest)
            {
                builder.ProducesValidationProblem();
            }
            else
            {
                builder.ProducesProblem(status);
            }
        }
        return builder;
    }
}
