using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Fragments;
using Microsoft.AspNetCore.Mvc;

namespace GradingPortal.Web.Endpoints;

/// <summary>htmx endpoints of the API tokens page.</summary>
public static class TokenUiEndpoints
{
    public static IEndpointRouteBuilder MapTokenUiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/tokens", CreateAsync);
        app.MapPost("/tokens/{tokenId:guid}/revoke", RevokeAsync);
        return app;
    }

    private static async Task<IResult> CreateAsync([FromForm] string? name, [FromForm] string? expiresOn, PortalApi api, HttpContext context)
    {
        // A date from the form means "until that day", read as midnight UTC; Api refuses one that is not in the future.
        DateTimeOffset? expiresAt = DateOnly.TryParseExact(expiresOn, "yyyy-MM-dd", out var day)
            ? new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
            : null;
        var created = await api.CreateTokenAsync(new CreateTokenRequest(name?.Trim() ?? "", expiresAt));
        return await PanelAsync(api, context, created.Ok ? created.Data : null, created.Problem, null);
    }

    private static async Task<IResult> RevokeAsync(Guid tokenId, PortalApi api, HttpContext context)
    {
        var revoked = await api.RevokeTokenAsync(tokenId);
        return await PanelAsync(api, context, null, revoked.Problem, revoked.Ok ? "Token revoked." : null);
    }

    private static async Task<IResult> PanelAsync(PortalApi api, HttpContext context, CreatedTokenResponse? created, ApiProblem? problem, string? message)
    {
        var tokens = await api.ListTokensAsync();
        // Never put a secret in a page that could be cached or replayed: the answer is only for this swap.
        context.Response.Headers.CacheControl = "no-store";
        return Fragments.Render<TokenPanel>(context, new Dictionary<string, object?>
        {
            [nameof(TokenPanel.Tokens)] = tokens.Ok ? tokens.Data : [],
            [nameof(TokenPanel.Created)] = created,
            [nameof(TokenPanel.Problem)] = problem ?? tokens.Problem,
            [nameof(TokenPanel.Message)] = message,
        }, "/tokens");
    }
}
