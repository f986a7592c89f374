using GradingPortal.Web.Api;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Fragments;

public sealed partial class AnnotationForm
{
    private static readonly string[] s_severities = ["minor", "major", "critical"];

    [Parameter]
    public Guid SolutionId { get; set; }

    [Parameter]
    public IReadOnlyList<ErrorTypeResponse> ErrorTypes { get; set; } = [];

    [Parameter]
    public AnnotationInput? Posted { get; set; }

    [Parameter]
    public ApiProblem? Error { get; set; }

    /// <summary>The annotation was stored: annotate.js closes the dialog.</summary>
    [Parameter]
    public bool Saved { get; set; }

    private static string SeverityColor(string severity) => severity switch
    {
        "critical" => "danger",
        "major" => "warning",
        _ => "secondary",
    };
}
