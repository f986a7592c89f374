using GradingPortal.Web.Api;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Fragments;

public sealed partial class AnnotationList
{
    [Parameter, EditorRequired]
    public SolutionResponse Solution { get; set; } = default!;

    [Parameter]
    public ProjectResponse? Project { get; set; }

    [Parameter]
    public Guid? CurrentUserId { get; set; }

    [Parameter]
    public ApiProblem? Error { get; set; }

    [Parameter]
    public bool Oob { get; set; }

    private bool CanDelete(AnnotationResponse annotation) =>
        annotation.AuthorId == CurrentUserId || Solution.Permissions.Role == "admin";
}
