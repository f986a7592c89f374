using System.Globalization;
using GradingPortal.Web.Api;
using GradingPortal.Web.Auth;
using GradingPortal.Web.Components.Fragments;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GradingPortal.Web.Endpoints;

/// <summary>htmx endpoints of the solution page: annotate, grade, adjudicate, history.</summary>
public static class SolutionUiEndpoints
{
    public static IEndpointRouteBuilder MapSolutionUiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/solutions/{solutionId:guid}/annotations", AnnotateAsync);
        app.MapPost("/annotations/{annotationId:guid}/delete", DeleteAnnotationAsync);
        app.MapPost("/solutions/{solutionId:guid}/grade", GradeAsync);
        app.MapPost("/solutions/{solutionId:guid}/adjudication", AdjudicateAsync);
        app.MapGet("/solutions/{solutionId:guid}/history", HistoryAsync);
        return app;
    }

    private static async Task<IResult> AnnotateAsync(Guid solutionId, IFormCollection form, PortalApi api, HttpContext context)
    {
        var input = new AnnotationInput(form["start"], form["end"], form["quote"], form["errorType"], form["severity"], form["comment"]);
        var start = ParseInt(input.Start);
        var end = ParseInt(input.End);
        ApiProblem? error;
        if (start is null || end is null || string.IsNullOrEmpty(input.Quote))
        {
            error = Invalid("quote", "Select a passage of the proof first (or refine it in the source).");
        }
        else
        {
            var created = await api.CreateAnnotationAsync(solutionId,
                new CreateAnnotationRequest(start.Value, end.Value, input.Quote, input.ErrorType, input.Severity, NullIfBlank(input.Comment)));
            error = created.Problem;
        }
        return await UpdateAsync(solutionId, api, context, SolutionPanel.AnnotationForm, error, model => model with
        {
            Annotation = error is null ? null : input,
            RefreshAnnotations = true,
        });
    }

    private static async Task<IResult> DeleteAnnotationAsync(Guid annotationId, IFormCollection form, PortalApi api, HttpContext context)
    {
        if (!Guid.TryParse(form["solutionId"], out var solutionId))
        {
            return TypedResults.BadRequest();
        }
        var deleted = await api.DeleteAnnotationAsync(annotationId);
        return await UpdateAsync(solutionId, api, context, SolutionPanel.AnnotationList, deleted.Problem, model => model with { RefreshAnnotations = true });
    }

    private static async Task<IResult> GradeAsync(Guid solutionId, IFormCollection form, PortalApi api, HttpContext context)
    {
        var items = new Dictionary<Guid, GradeItemInput>();
        var awards = new List<ItemAwardDto>();
        var unreadable = new Dictionary<string, string[]>();
        for (var i = 0; form.ContainsKey($"items[{i}].id"); i++)
        {
            if (!Guid.TryParse(form[$"items[{i}].id"], out var itemId))
            {
                continue;
            }
            var points = form[$"items[{i}].points"].ToString();
            var comment = form[$"items[{i}].comment"].ToString();
            items[itemId] = new GradeItemInput(points, comment);
            if (ParseDecimal(points) is { } value)
            {
                awards.Add(new ItemAwardDto(itemId, value, NullIfBlank(comment)));
            }
            else if (!string.IsNullOrWhiteSpace(points))
            {
                unreadable[$"items[{i}].points"] = ["Enter a number such as 2 or 1.5."];
            }
        }
        var input = new GradeInput(items, form["points"], form["comment"]);
        ApiProblem? error;
        if (unreadable.Count > 0)
        {
            error = new ApiProblem(System.Net.HttpStatusCode.BadRequest, "Invalid points", null, unreadable);
        }
        else
        {
            // With a rubric the total is the sum of the awards (Api checks it); without one it is the single points field.
            var total = items.Count > 0 ? awards.Sum(a => a.Points) : ParseDecimal(input.Points) ?? -1;
            var submitted = await api.SubmitGradeAsync(solutionId, new SubmitHumanGradeRequest(total, items.Count > 0 ? awards : null,
                NullIfBlank(input.Comment), ParseUInt(form["rowVersion"])));
            error = submitted.Problem;
        }
        return await UpdateAsync(solutionId, api, context, SolutionPanel.Grade, error, model => model with
        {
            Grade = error is null ? null : input,
            Message = error is null ? "Grade saved." : null,
            RefreshGrades = true,
            // In blind projects, submitting reveals other people's annotations too.
            RefreshAnnotations = true,
        });
    }

    private static async Task<IResult> AdjudicateAsync(Guid solutionId, IFormCollection form, PortalApi api, HttpContext context)
    {
        var basedOnValues = form["basedOn"].Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList();
        var input = new AdjudicationInput(form["points"], form["rationale"], basedOnValues);
        var basedOn = new List<GradeReferenceDto>();
        foreach (var value in basedOnValues)
        {
            var colon = value.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && Guid.TryParse(value[(colon + 1)..], out var gradeId))
            {
                basedOn.Add(new GradeReferenceDto(value[..colon], gradeId));
            }
        }
        ApiProblem? error;
        if (ParseDecimal(input.Points) is not { } points)
        {
            error = Invalid("points", "Enter the final points.");
        }
        else
        {
            var saved = await api.AdjudicateAsync(solutionId, new AdjudicateRequest(points, input.Rationale, basedOn, ParseUInt(form["rowVersion"])));
            error = saved.Problem;
        }
        return await UpdateAsync(solutionId, api, context, SolutionPanel.Adjudication, error, model => model with
        {
            Adjudication = error is null ? null : input,
            Message = error is null ? "Final grade saved." : null,
            RefreshGrades = true,
        });
    }

    private static async Task<RazorComponentResult<HistoryList>> HistoryAsync(Guid solutionId, PortalApi api)
    {
        var history = await api.GetHistoryAsync(solutionId);
        return new RazorComponentResult<HistoryList>(new Dictionary<string, object?>
        {
            [nameof(HistoryList.Events)] = history.Ok ? history.Data : [],
            [nameof(HistoryList.Error)] = history.Problem,
        });
    }

    /// <summary>Re-reads the solution and renders the acted-on panel (with the error, if any) and what the change affects.</summary>
    private static async Task<IResult> UpdateAsync(Guid solutionId, PortalApi api, HttpContext context, SolutionPanel primary, ApiProblem? error,
        Func<SolutionUpdateModel, SolutionUpdateModel> shape)
    {
        var solution = await api.GetSolutionAsync(solutionId);
        if (!solution.Ok)
        {
            return TypedResults.Problem(solution.Problem!.Summary, statusCode: (int)solution.Problem.Status);
        }
        var project = await api.GetProjectAsync(solution.Data.ProjectId);
        var model = shape(new SolutionUpdateModel(solution.Data, project.Ok ? project.Data : null, Session.From(context.User)?.UserId, primary)
        {
            Saved = error is null,
            Error = error,
        });
        if (model.Saved && model.RefreshAnnotations)
        {
            var grades = await api.ListModelGradesAsync(solutionId, context.RequestAborted);
            model = model with { ModelFindings = grades.Ok ? [.. grades.Data.SelectMany(g => g.Findings)] : [] };
        }
        return Fragments.Render<SolutionUpdate>(context, new Dictionary<string, object?> { [nameof(SolutionUpdate.Update)] = model },
            $"/solutions/{solutionId}", changed: error is null);
    }

    private static ApiProblem Invalid(string field, string message) =>
        new(System.Net.HttpStatusCode.BadRequest, "Invalid input", null, new Dictionary<string, string[]> { [field] = [message] });

    private static int? ParseInt(string? value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static uint? ParseUInt(string? value) =>
        uint.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static decimal? ParseDecimal(string? value) =>
        decimal.TryParse(value?.Trim().Replace(',', '.'), NumberStyles.Number, CultureInfo.InvariantCulture, out var d) ? d : null;

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
