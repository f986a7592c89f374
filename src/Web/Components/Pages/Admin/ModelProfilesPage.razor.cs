using GradingPortal.Web.ApiClient;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Admin;

/// <summary>Site admins manage model profiles: list, create, edit, delete, and test an endpoint with its stored key.</summary>
public sealed partial class ModelProfilesPage
{
    private List<ModelProfileResponse>? _profiles;
    private IReadOnlyList<ProjectResponse> _projects = [];
    private ModelProfileResponse? _editing;
    private ApiError? _loadError;
    private string? _saved;
    private object _editorKey = new();
    private readonly Dictionary<Guid, ConnectionTest> _tests = [];

    [Parameter]
    public Guid? ProfileId { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private List<BreadcrumbItem> Trail => _editing is null
        ? [new("Model profiles", null, disabled: true)]
        : [new("Model profiles", "/admin/model-profiles"), new(_editing.Name, null, disabled: true)];

    protected override async Task OnParametersSetAsync()
    {
        if (_profiles is null)
        {
            await LoadAsync();
        }
        var editing = ProfileId is { } id ? _profiles?.FirstOrDefault(p => p.Id == id) : null;
        if (!ReferenceEquals(editing, _editing))
        {
            _editing = editing;
            _editorKey = new();
            _saved = null;
        }
    }

    private async Task LoadAsync() => _loadError = await ApiCall.TryAsync(async () =>
    {
        var profiles = await Api.ListModelProfilesAsync(CancellationToken.None);
        // The allow-list is chosen among every project (a site administrator's list holds them all).
        var projects = await Api.ListProjectsAsync(CancellationToken.None);
        _profiles = [.. profiles];
        _projects = [.. projects.OrderBy(p => p.Name, StringComparer.CurrentCultureIgnoreCase)];
    });

    private async Task OnSavedAsync(ModelProfileResponse saved)
    {
        var created = _editing is null;
        await LoadAsync();
        // A new profile leaves a fresh form for the next one; an edited one stays in the form as the Api stored it.
        _editing = created ? null : _profiles?.FirstOrDefault(p => p.Id == saved.Id) ?? saved;
        _editorKey = new();
        _saved = created ? $"Profile {saved.Name} created." : "Saved.";
    }

    private async Task OnDeletedAsync(ModelProfileResponse deleted)
    {
        _tests.Remove(deleted.Id);
        _profiles = null;
        await LoadAsync();
        _editing = null;
        _editorKey = new();
        _saved = $"Profile {deleted.Name} deleted.";
        Navigation.NavigateTo("/admin/model-profiles");
    }

    private bool IsTesting(Guid id) => _tests.TryGetValue(id, out var test) && test.Running;

    private ConnectionTest? TestOf(Guid id) => _tests.GetValueOrDefault(id);

    private async Task TestAsync(Guid id)
    {
        _tests[id] = new ConnectionTest(true, null, null);
        var (result, error) = await ApiCall.TryAsync(() => Api.TestModelProfileAsync(id, CancellationToken.None));
        _tests[id] = new ConnectionTest(false, result, error);
    }

    private sealed record ConnectionTest(bool Running, ModelProfileTestResponse? Result, ApiError? Error);
}
