using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GradingPortal.Web.Endpoints;

/// <summary>
/// Answers of the htmx endpoints: the fragment component rendered alone. A plain form post (no JavaScript) gets a
/// redirect back to the page instead, which renders the same component in place.
/// </summary>
public static class Fragments
{
    public static IResult Render<TComponent>(HttpContext context, object parameters, string pageUrl, bool changed = false)
        where TComponent : IComponent
    {
        if (!Htmx.IsHtmx(context.Request))
        {
            return TypedResults.Redirect(pageUrl);
        }
        if (changed)
        {
            Htmx.TriggerChanged(context.Response);
        }
        return new RazorComponentResult<TComponent>(parameters);
    }
}
