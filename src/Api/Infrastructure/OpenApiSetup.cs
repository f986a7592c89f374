using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace GradingPortal.Api.Infrastructure;

/// <summary>
/// Shapes the OpenAPI document at <c>/openapi/v1.json</c>: title and description, one relative server, the two kinds of
/// bearer token as security schemes, a description per tag, the security requirement and 401 answer of every route that
/// needs a caller (and an explicit empty requirement on the anonymous ones). Each endpoint declares its own other errors
/// with <see cref="OpenApiMetadata.Problems"/>. The committed copy in <c>src/Api/openapi/v1.json</c> must pass
/// <c>redocly lint</c> with the rules in <c>redocly.yaml</c>.
/// </summary>
internal static class OpenApiSetup
{
    /// <summary>The <c>accessToken</c> from sign-in or refresh: a person's session.</summary>
    public const string AccessTokenScheme = "accessToken";

    /// <summary>A personal API token (<c>gpt_...</c>) made for scripts.</summary>
    public const string ApiTokenScheme = "apiToken";

    // Generated clients and documentation viewers show these beside each group of operations.
    private static readonly Dictionary<string, string> s_tagDescriptions = new(StringComparer.Ordinal)
    {
        ["Auth"] = "Signing in and out, refreshing the access token, the caller and their password.",
        ["API tokens"] = "Personal tokens for scripts (`gpt_...`), created from a signed-in session.",
        ["Users"] = "Accounts, site-admin rights and password resets (administrators).",
        ["Projects"] = "Grading campaigns, their settings and their members' roles.",
        ["Problems"] = "Problem statements with their reference solutions.",
        ["Rubrics"] = "Versioned marking schemes of a problem: drafts, approval, retirement.",
        ["Solutions"] = "The proofs being graded, with what the caller may see of their grades and history.",
        ["Grading"] = "People's work on a solution: annotations, grades and the adjudicated final grade.",
        ["Model profiles"] = "OpenAI-compatible model endpoints, keys and spending caps (administrators).",
        ["Grading runs"] = "Grading many solutions with a model workflow: estimate, start, follow, cancel, retry.",
        ["Model grades"] = "What the model workflows decided, with the stage calls behind it, and reviews of their findings.",
        ["Imports"] = "Bulk uploads of problems, solutions and grades, with their progress and failures.",
        ["Export"] = "The whole record of a project or a solution as a stream.",
        ["Agreement"] = "How well each grading run and imported judge agrees with people, and where their partial credit differs.",
        ["Review"] = "What each grader should look at next, riskiest first, and how far each grader has come.",
        ["Gold"] = "Adjudicated solutions kept as known answers, and graders' agreement with them over time.",
    };

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
            // Relative, so it resolves against wherever the document was fetched from: the committed copy stays the same
            // on every host and replica, and a generated client still takes its base address from its own configuration.
            document.Servers = [new OpenApiServer { Url = "/", Description = "The host that serves this document." }];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            // Both travel as `Authorization: Bearer`; the Api tells them apart by the token's prefix (decision 008).
            document.Components.SecuritySchemes[AccessTokenScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "opaque",
                Description = "The `accessToken` from `POST /api/auth/login` or `POST /api/auth/refresh`; it expires after `expiresIn` seconds.",
            };
            document.Components.SecuritySchemes[ApiTokenScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "gpt_...",
                Description = "A personal API token from `POST /api/tokens`; refused once revoked or past its `expiresAt`.",
            };
            foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
            {
                if (tag.Name is { } name && s_tagDescriptions.TryGetValue(name, out var description))
                {
                    tag.Description = description;
                }
            }
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer(Export.ExportOpenApi.DescribeTextAsync);
        options.AddSchemaTransformer(RowVersions.DescribeAsync);
        options.AddSchemaTransformer(OpenApiMetadata.DescribeDecimal);
        options.AddOperationTransformer(async (operation, context, ct) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any())
            {
                // Said explicitly, so readers and linters know the route is open rather than undocumented.
                operation.Security = [];
                return;
            }
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(AccessTokenScheme, context.Document)] = [] }];
            if (!metadata.OfType<SignedInSessionOnly>().Any())
            {
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiTokenScheme, context.Document)] = [] });
            }
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

/// <summary>
/// Marks a route that refuses personal API tokens (its handler checks <c>CurrentUser.ViaApiToken</c>), so the document
/// offers only the access-token scheme for it.
/// </summary>
internal sealed class SignedInSessionOnly
{
    public static readonly SignedInSessionOnly Instance = new();
}

/// <summary>Endpoint metadata for the ProblemDetails answers a route gives.</summary>
internal static class OpenApiMetadata
{
    /// <summary>
    /// Decimals (points, prices, costs) are written as JSON numbers, but the generator leaves their schema without a
    /// <c>type</c>, so clients generated from the document typed them as untyped objects. Say what they are: a number,
    /// or null where the value may be missing, with the <c>decimal</c> format so a client keeps them exact.
    /// </summary>
    internal static Task DescribeDecimal(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        var type = context.JsonTypeInfo.Type;
        if (type == typeof(decimal) || type == typeof(decimal?))
        {
            var nullable = type == typeof(decimal?) || schema.Type?.HasFlag(JsonSchemaType.Null) == true;
            schema.Type = nullable ? JsonSchemaType.Number | JsonSchemaType.Null : JsonSchemaType.Number;
            schema.Format = "decimal";
            schema.Pattern = null;
        }
        return Task.CompletedTask;
    }

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
