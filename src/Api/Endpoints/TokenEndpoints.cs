using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>Personal API tokens for scripts: create (secret shown once), list, revoke.</summary>
internal static class TokenEndpoints
{
    public static IEndpointRouteBuilder MapTokenEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tokens").WithTags("API tokens").RequireAuthorization();
        group.MapPost("/", Create).WithName("CreateApiToken").WithMetadata(SignedInSessionOnly.Instance)
            .WithSummary("Create a personal API token (optionally expiring at expiresAt); the secret is in this response only. Needs a signed-in session, not an API token.")
            .Problems(400, 403);
        group.MapGet("/", List).WithName("ListApiTokens").WithSummary("Your active API tokens (without secrets).");
        group.MapDelete("/{id:guid}", Revoke).WithName("RevokeApiToken").WithSummary("Revoke one of your API tokens.").Problems(404);
        return app;
    }

    internal static async Task<Results<Created<CreatedTokenResponse>, ProblemHttpResult>> Create(CreateTokenRequest request, GradingDbContext db,
        CurrentUser current, TimeProvider clock, CancellationToken ct)
    {
        if (current.ViaApiToken)
        {
            // A leaked token must not be able to mint successors that outlive its revocation.
            return ApiProblems.Forbidden("create API tokens with an API token (sign in instead)");
        }
        var (token, secret) = ApiToken.Issue(current.Id, request.Name, clock.GetUtcNow(), request.ExpiresAt);
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/tokens/{token.Id}",
            new CreatedTokenResponse(token.Id, token.Name, secret, token.Hint, token.CreatedAt, token.ExpiresAt));
    }

    /// <summary>Tokens not revoked, expired ones included (marked by <c>expiresAt</c>) so their owner can see why a script stopped.</summary>
    internal static async Task<Ok<List<TokenResponse>>> List(GradingDbContext db, CurrentUser current, CancellationToken ct)
    {
        var userId = current.Id;
        var tokens = await db.ApiTokens.AsNoTracking()
            .Where(t => t.UserId == userId && t.RevokedAt == null)
            .OrderBy(t => t.CreatedAt)
            .Select(t => new TokenResponse(t.Id, t.Name, t.Hint, t.CreatedAt, t.LastUsedAt, t.ExpiresAt))
            .ToListAsync(ct);
        return TypedResults.Ok(tokens);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> Revoke(Guid id, GradingDbContext db, CurrentUser current, TimeProvider clock,
        CancellationToken ct)
    {
        var userId = current.Id;
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == id && t.UserId == userId && t.RevokedAt == null, ct);
        if (token is null)
        {
            return ApiProblems.NotFound("The token");
        }
        token.Revoke(clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}
