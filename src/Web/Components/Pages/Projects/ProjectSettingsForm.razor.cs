using GradingPortal.Web.ApiClient;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages.Projects;

/// <summary>
/// A project's settings. The save sends the rowVersion the form was filled from, so a change made by someone else
/// meanwhile comes back as a conflict: the message is shown and what was typed stays for the person to redo.
/// </summary>
public sealed partial class ProjectSettingsForm
{
    private Model _model = new();
    private int _rowVersion;
    private ApiError? _error;
    private readonly ApiActions _actions = new();
    private bool _saved;
    private Guid _loadedFor;

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Parameter, EditorRequired]
    public ProjectResponse Project { get; set; } = default!;

    /// <summary>Raised with the stored project after a save, so the page's header follows.</summary>
    [Parameter]
    public EventCallback<ProjectResponse> OnSaved { get; set; }

    protected override void OnParametersSet()
    {
        // Only a different project resets the form: re-renders of the page must not overwrite what is being typed.
        if (_loadedFor != Project.Id)
        {
            Fill(Project);
        }
    }

    private void Fill(ProjectResponse project)
    {
        _loadedFor = project.Id;
        _rowVersion = project.RowVersion;
        _model = new Model
        {
            Name = project.Name,
            Description = project.Description,
            MaxPoints = project.MaxPoints,
            BlindGrading = project.BlindGrading,
            HideAuthors = project.HideAuthors,
            CustomErrorTypes = string.Join(", ", project.CustomErrorTypes),
        };
    }

    private async Task SaveAsync()
    {
        await _actions.RunAsync(async () =>
        {
            _saved = false;
            var saved = await Api.UpdateProjectAsync(Project.Id, new UpdateProjectRequest
            {
                Name = _model.Name?.Trim(),
                Description = _model.Description?.Trim() ?? "",
                MaxPoints = _model.MaxPoints,
                BlindGrading = _model.BlindGrading,
                HideAuthors = _model.HideAuthors,
                CustomErrorTypes = SplitTypes(_model.CustomErrorTypes),
                RowVersion = _rowVersion,
            }, CancellationToken.None);
            Fill(saved);
            _saved = true;
            await OnSaved.InvokeAsync(saved);
        }, e => _error = e);
    }

    /// <summary>The types as typed, separated by commas, spaces or new lines.</summary>
    internal static List<string> SplitTypes(string? text) =>
        (text ?? "").Split([',', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private sealed class Model
    {
        public string? Name { get; set; }
        public string? Description { get; set; }
        public int MaxPoints { get; set; }
        public bool BlindGrading { get; set; }
        public bool HideAuthors { get; set; }
        public string? CustomErrorTypes { get; set; }
    }
}
