using GradingPortal.Web.ApiClient;
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
    private bool _busy;

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    /// <summary>Raised with the new project once the Api created it.</summary>
    [Parameter]
    public EventCallback<ProjectResponse> OnCreated { get; set; }

    private async Task CreateAsync()
    {
        _busy = true;
        _error = null;
        try
        {
            var created = await Api.CreateProjectAsync(new CreateProjectRequest
            {
                Name = _model.Name?.Trim() ?? "",
                Description = string.IsNullOrWhiteSpace(_model.Description) ? null : _model.Description.Trim(),
                MaxPoints = _model.MaxPoints,
                BlindGrading = _model.BlindGrading,
                HideAuthors = _model.HideAuthors,
            }, CancellationToken.None);
            await OnCreated.InvokeAsync(created);
        }
        catch (ApiException ex)
        {
            _error = ApiError.From(ex);
        }
        catch (HttpRequestException)
        {
            _error = ApiError.Unreachable;
        }
        finally
        {
            _busy = false;
        }
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
