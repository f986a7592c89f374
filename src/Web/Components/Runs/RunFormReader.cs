using System.Globalization;
using GradingPortal.Web.Api;

namespace GradingPortal.Web.Components.Runs;

/// <summary>
/// Reads the start-a-run form (plain field names, problems as repeated <c>problemIds</c> checkboxes) into the Api's
/// request. The page's submit and the htmx estimate read the same form the same way.
/// </summary>
public static class RunFormReader
{
    public static StartGradingRunRequest Read(IFormCollection form, Guid projectId, GradingRunOptionsResponse? options)
    {
        var workflow = Value(form, "workflow");
        var definition = options?.Workflows.FirstOrDefault(w => w.Name == workflow);
        // Fields that only some workflows take are sent only for those (the select stays in the form without JavaScript).
        var design = definition is { RubricDesigns.Count: > 0 } ? Value(form, "rubricDesign") : null;
        var approval = definition?.DerivesRubric == true && form["requireRubricApproval"].Any(v => v == "true");
        // The grading prompt is sent only when it is one of the chosen workflow's choices (the select lists every
        // workflow's; without JavaScript a choice for another workflow leaves the default).
        var gradePrompt = Value(form, "gradePrompt");
        var prompts = gradePrompt is not null && definition?.GradePrompts.Any(p => p.Name == gradePrompt) == true
            ? new Dictionary<string, string> { ["grade"] = gradePrompt }
            : null;
        var problemIds = Guids(form, "problemIds");
        var solutionIds = Guids(form, "solutionIds");
        return new StartGradingRunRequest(
            projectId,
            solutionIds.Count > 0 ? null : problemIds,
            solutionIds.Count > 0 ? solutionIds : null,
            workflow,
            design,
            Guid.TryParse(Value(form, "modelProfileId"), out var profile) ? profile : Guid.Empty,
            int.TryParse(Value(form, "samples"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var samples) ? samples : null,
            Value(form, "aggregation"),
            approval,
            prompts);
    }

    private static string? Value(IFormCollection form, string name) =>
        form[name].FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();

    private static List<Guid> Guids(IFormCollection form, string name) =>
        form[name].Select(v => Guid.TryParse(v, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).Distinct().ToList();
}
