using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages.Projects;

/// <summary>
/// Creates a project. The Api validates (it owns the rules): its ProblemDetails field errors are shown on the matching
/// fields, anything else above the form, and what was typed stays.
/// </summary>
public sealed partial class CreateProjectForm
{
    private readonly Model _model = new();
    private ApiError? _error;
    private readonly ApiActions _actions = new();

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    /// <summary>Raised with the new project once the Api created it.</summary>
    [Parameter]
    public EventCallback<ProjectResponse> OnCreated { get; set; }

    private async Task CreateAsync()
    {
        await _actions.RunAsync(async () =>
        {
            var created = await Api.CreateProjectAsync(new CreateProjectRequest
            {
                Name = _model.Name?.Trim() ?? "",
                Description = Format.Blank(_model.Description),
                MaxPoints = _model.MaxPoints,
                BlindGrading = _model.BlindGrading,
                HideAuthors = _model.HideAuthors,
            }, CancellationToken.None);
            await OnCreated.InvokeAsync(created);
        }, e => _error = e);
    }

    private sealed class Model
    {
        public string? Name { get; set; }
        public string? Description { get; set; }
        public int MaxPoints { get; set; } = 7;
        public bool BlindGrading { get; set; }
        public bool HideAuthors { get; set; }
    }
}
