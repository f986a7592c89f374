using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Api.Models;
using GradingPortal.Domain.Common;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using GradingPortal.ModelAccess;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>
/// Model profiles (global administrators only): the OpenAI-compatible endpoints grading runs call. Keys go in, never out:
/// a given <c>apiKey</c> is encrypted with data protection before it is stored, and responses say only whether one is stored.
/// </summary>
internal static class ModelProfileEndpoints
{
    public const int MaxAllowedProjects = 10_000;

    /// <summary>Optional settings that <c>clear</c> in a PATCH may remove (besides <c>apiKey</c>).</summary>
    private static readonly string[] s_clearable =
        ["apiKey", "temperature", "reasoningEffort", "maxOutputTokens", "requestsPerMinute", "dailySpendingCap", "runSpendingCap"];

    public static IEndpointRouteBuilder MapModelProfileEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/model-profiles").WithTags("Model profiles").RequireAuthorization();
        group.MapGet("/", List).WithName("ListModelProfiles").WithSummary("Live model profiles (global administrators).").Problems(403);
        group.MapPost("/", Create).WithName("CreateModelProfile")
            .WithSummary("Create a model profile (global administrators); apiKey is stored encrypted and never returned.")
            .Problems(400, 403, 409);
        group.MapGet("/{id:guid}", Get).WithName("GetModelProfile").WithSummary("One model profile (global administrators).").Problems(403, 404);
        group.MapPatch("/{id:guid}", Update).WithName("UpdateModelProfile")
            .WithSummary("Change the given fields of a profile (global administrators); list fields to remove in `clear` (`apiKey` removes the key); " +
                "`rowVersion` is required and a stale one gets 409.")
            .Problems(400, 403, 404, 409);
        group.MapDelete("/{id:guid}", Delete).WithName("DeleteModelProfile")
            .WithSummary("Delete a profile (global administrators); runs keep their snapshot of it.").Problems(403, 404);
        group.MapPost("/{id:guid}/test", Test).WithName("TestModelProfile")
            .WithSummary("Make one small real chat call with the profile (global administrators); reports ok, latency and the error, never the key.")
            .Problems(403, 404);
        return app;
    }

    internal static async Task<Results<Ok<List<ModelProfileResponse>>, ProblemHttpResult>> List(GradingDbContext db, CurrentUser current,
        CancellationToken ct)
    {
        if (!current.IsAdmin)
        {
            return ApiProblems.Forbidden("manage model profiles");
        }
        var profiles = await db.ModelProfiles.AsNoTracking().Where(p => !p.IsDeleted).OrderBy(p => p.Name).ToListAsync(ct);
        return TypedResults.Ok(profiles.Select(ToResponse).ToList());
    }

    internal static async Task<Results<Ok<ModelProfileResponse>, ProblemHttpResult>> Get(Guid id, GradingDbContext db, CurrentUser current,
        CancellationToken ct)
    {
        if (!current.IsAdmin)
        {
            return ApiProblems.Forbidden("manage model profiles");
        }
        var profile = await db.ModelProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id && !p.IsDeleted, ct);
        return profile is null ? ApiProblems.NotFound("The model profile") : TypedResults.Ok(ToResponse(profile));
    }

    internal static async Task<Results<Created<ModelProfileResponse>, ProblemHttpResult>> Create(CreateModelProfileRequest request,
        GradingDbContext db, CurrentUser current, IDataProtectionProvider protection, TimeProvider clock, CancellationToken ct)
    {
        if (!current.IsAdmin)
        {
            return ApiProblems.Forbidden("manage model profiles");
        }
        var errors = new ValidationErrors();
        var mode = ParseMode(request.StructuredOutput, StructuredOutputMode.JsonSchema, errors);
        var settings = new ModelProfileSettings(request.Name ?? "", request.BaseUrl ?? "", request.Model ?? "", request.Temperature,
            request.ReasoningEffort, request.MaxOutputTokens, request.TimeoutSeconds ?? ModelProfile.DefaultTimeoutSeconds,
            request.MaxConcurrency ?? 4, request.RequestsPerMinute, ToPrices(request.Prices) ?? ModelPrices.Free, mode, request.DailySpendingCap,
            request.RunSpendingCap);
        ValidateInto(errors, settings);
        var hasKey = !string.IsNullOrWhiteSpace(request.ApiKey);
        errors.Require(!hasKey || string.IsNullOrWhiteSpace(request.ApiKeyVariable), "apiKey", "Give either apiKey or apiKeyVariable, not both.");
        ValidateKeyVariableInto(errors, request.ApiKeyVariable);
        await ValidateProjectsInto(errors, db, request.AllowedProjectIds, ct);
        errors.ThrowIfAny();
        if (await NameTakenAsync(db, settings.Name, null, ct))
        {
            return NameConflict(settings.Name);
        }
        var profile = ModelProfile.Create(settings, request.ApiKeyVariable, hasKey ? Protect(protection, request.ApiKey!) : null, current.Id,
            clock.GetUtcNow(), request.AllowedProjectIds);
        db.ModelProfiles.Add(profile);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/model-profiles/{profile.Id}", ToResponse(profile));
    }

    internal static async Task<Results<Ok<ModelProfileResponse>, ProblemHttpResult>> Update(Guid id, UpdateModelProfileRequest request,
        GradingDbContext db, CurrentUser current, IDataProtectionProvider protection, TimeProvider clock, CancellationToken ct)
    {
        if (!current.IsAdmin)
        {
            return ApiProblems.Forbidden("manage model profiles");
        }
        var profile = await db.ModelProfiles.FirstOrDefaultAsync(p => p.Id == id && !p.IsDeleted, ct);
        if (profile is null)
        {
            return ApiProblems.NotFound("The model profile");
        }
        // Two admins editing one profile (say, one widening its caps while the other narrows its projects) must not
        // silently undo each other: an edit names the version it was based on.
        db.ExpectRowVersion(profile, p => p.RowVersion, request);
        var errors = new ValidationErrors();
        var clear = (request.Clear ?? []).ToHashSet(StringComparer.Ordinal);
        foreach (var unknown in clear.Where(c => !s_clearable.Contains(c)))
        {
            errors.Add("clear", $"'{unknown}' cannot be cleared; use one of {string.Join(", ", s_clearable)}.");
        }
        var mode = ParseMode(request.StructuredOutput, profile.StructuredOutput, errors);
        var settings = new ModelProfileSettings(
            request.Name ?? profile.Name,
            request.BaseUrl ?? profile.BaseUrl,
            request.Model ?? profile.Model,
            clear.Contains("temperature") ? null : request.Temperature ?? profile.Temperature,
            clear.Contains("reasoningEffort") ? null : request.ReasoningEffort ?? profile.ReasoningEffort,
            clear.Contains("maxOutputTokens") ? null : request.MaxOutputTokens ?? profile.MaxOutputTokens,
            request.TimeoutSeconds ?? profile.TimeoutSeconds,
            request.MaxConcurrency ?? profile.MaxConcurrency,
            clear.Contains("requestsPerMinute") ? null : request.RequestsPerMinute ?? profile.RequestsPerMinute,
            ToPrices(request.Prices) ?? profile.Prices,
            mode,
            clear.Contains("dailySpendingCap") ? null : request.DailySpendingCap ?? profile.DailySpendingCap,
            clear.Contains("runSpendingCap") ? null : request.RunSpendingCap ?? profile.RunSpendingCap);
        ValidateInto(errors, settings);
        ValidateKeyVariableInto(errors, request.ApiKeyVariable);
        await ValidateProjectsInto(errors, db, request.AllowedProjectIds, ct);
        var newKey = !string.IsNullOrWhiteSpace(request.ApiKey);
        var newVariable = !string.IsNullOrWhiteSpace(request.ApiKeyVariable);
        errors.Require(!(newKey && newVariable), "apiKey", "Give either apiKey or apiKeyVariable, not both.");
        errors.Require(!(clear.Contains("apiKey") && (newKey || newVariable)), "clear", "Either clear the key or give a new one, not both.");
        errors.ThrowIfAny();
        if (await NameTakenAsync(db, settings.Name, id, ct))
        {
            return NameConflict(settings.Name);
        }
        var now = clock.GetUtcNow();
        profile.Update(settings, now);
        if (request.AllowedProjectIds is { } allowed)
        {
            profile.AllowProjects(allowed, now);
        }
        if (newKey)
        {
            profile.SetKey(null, Protect(protection, request.ApiKey!), now);
        }
        else if (newVariable)
        {
            profile.SetKey(request.ApiKeyVariable, null, now);
        }
        else if (clear.Contains("apiKey"))
        {
            profile.SetKey(null, null, now);
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return RowVersionConflict("The profile was changed since you read it; load it again and repeat your edit on its current rowVersion.");
        }
        return TypedResults.Ok(ToResponse(profile));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, GradingDbContext db, CurrentUser current, TimeProvider clock,
        CancellationToken ct)
    {
        if (!current.IsAdmin)
        {
            return ApiProblems.Forbidden("manage model profiles");
        }
        var profile = await db.ModelProfiles.FirstOrDefaultAsync(p => p.Id == id && !p.IsDeleted, ct);
        if (profile is null)
        {
            return ApiProblems.NotFound("The model profile");
        }
        profile.Delete(clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<ModelProfileTestResponse>, ProblemHttpResult>> Test(Guid id, GradingDbContext db, CurrentUser current,
        ModelConnectionTester tester, CancellationToken ct)
    {
        if (!current.IsAdmin)
        {
            return ApiProblems.Forbidden("manage model profiles");
        }
        var profile = await db.ModelProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id && !p.IsDeleted, ct);
        if (profile is null)
        {
            return ApiProblems.NotFound("The model profile");
        }
        return TypedResults.Ok(await tester.TestAsync(profile, ct));
    }

    public static ModelProfileResponse ToResponse(ModelProfile p) => new(
        p.Id, p.Name, p.BaseUrl, p.Model, p.HasStoredKey, p.ApiKeyVariable, p.Temperature, p.ReasoningEffort, p.MaxOutputTokens, p.TimeoutSeconds,
        p.MaxConcurrency, p.RequestsPerMinute, new ModelPricesDto(p.PriceInput, p.PriceCachedInput, p.PriceOutput), ModeName(p.StructuredOutput),
        p.CreatedAt, p.UpdatedAt, p.RowVersion, p.AllowedProjectIds, p.DailySpendingCap, p.RunSpendingCap, p.KeyProblem);

    public static string ModeName(StructuredOutputMode mode) => mode == StructuredOutputMode.JsonMode ? "jsonMode" : "jsonSchema";

    private static StructuredOutputMode ParseMode(string? value, StructuredOutputMode fallback, ValidationErrors errors)
    {
        switch (value)
        {
            case null:
                return fallback;
            case "jsonSchema":
                return StructuredOutputMode.JsonSchema;
            case "jsonMode":
                return StructuredOutputMode.JsonMode;
            default:
                errors.Add("structuredOutput", "Structured output is jsonSchema or jsonMode.");
                return fallback;
        }
    }

    private static ModelPrices? ToPrices(ModelPricesDto? prices) => prices is null ? null : new ModelPrices(prices.Input, prices.CachedInput, prices.Output);

    private static void ValidateInto(ValidationErrors errors, ModelProfileSettings settings)
    {
        try
        {
            ModelProfile.Validate(settings);
        }
        catch (DomainValidationException ex)
        {
            foreach (var (field, messages) in ex.Errors)
            {
                foreach (var message in messages)
                {
                    errors.Add(field, message);
                }
            }
        }
    }

    /// <summary>
    /// A key variable must be one the resolver will read (<see cref="ModelKeyNames"/>); checked here as well as in the
    /// domain so the error joins every other field error of the request.
    /// </summary>
    private static void ValidateKeyVariableInto(ValidationErrors errors, string? name)
    {
        if (!string.IsNullOrWhiteSpace(name) && ModelKeyNames.Problem(name.Trim()) is { } problem)
        {
            errors.Add("apiKeyVariable", problem);
        }
    }

    private static async Task ValidateProjectsInto(ValidationErrors errors, GradingDbContext db, IReadOnlyList<Guid>? ids, CancellationToken ct)
    {
        if (ids is null || ids.Count == 0)
        {
            return;
        }
        if (ids.Count > MaxAllowedProjects)
        {
            errors.Add("allowedProjectIds", $"A profile allows at most {MaxAllowedProjects} projects.");
            return;
        }
        var distinct = ids.Distinct().ToList();
        var found = await db.Projects.Where(p => distinct.Contains(p.Id)).Select(p => p.Id).ToListAsync(ct);
        var missing = distinct.Except(found).ToList();
        errors.Require(missing.Count == 0, "allowedProjectIds", $"No such project: {string.Join(", ", missing.Take(5))}.");
    }

    private static ProblemHttpResult RowVersionConflict(string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["rowVersion"] = [message] })
        {
            Status = StatusCodes.Status409Conflict,
            Title = "Conflict",
        });

    private static string Protect(IDataProtectionProvider protection, string key) => ModelClients.ProtectKey(protection, key.Trim());

    private static Task<bool> NameTakenAsync(GradingDbContext db, string name, Guid? except, CancellationToken ct)
    {
        var trimmed = name.Trim();
        return db.ModelProfiles.AnyAsync(p => !p.IsDeleted && p.Name == trimmed && p.Id != except, ct);
    }

    private static ProblemHttpResult NameConflict(string name) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]>
        {
            ["name"] = [$"Another model profile is already called '{name.Trim()}'."],
        })
        {
            Status = StatusCodes.Status409Conflict,
            Title = "Conflict",
        });
}
