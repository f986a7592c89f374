using GradingPortal.Web.ApiClient;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Admin;

/// <summary>
/// Creates or edits a model profile. The Api enforces the rules (URL, key or variable name, limits, caps, allow-list):
/// its field errors show on the fields and in the list above the form; what was typed stays, except the key.
/// </summary>
public sealed partial class ModelProfileEditor
{
    private ProfileDraft _draft = new();
    private ApiError? _error;
    private readonly ApiActions _actions = new();

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    /// <summary>The stored profile being edited; null for a new one.</summary>
    [Parameter]
    public ModelProfileResponse? Editing { get; set; }

    /// <summary>Every project, for the allow-list.</summary>
    [Parameter]
    public IReadOnlyList<ProjectResponse> Projects { get; set; } = [];

    /// <summary>The confirmation of the last save, kept by the page across the switch to editing.</summary>
    [Parameter]
    public string? Saved { get; set; }

    /// <summary>Raised with the profile as the Api stored it.</summary>
    [Parameter]
    public EventCallback<ModelProfileResponse> OnSaved { get; set; }

    [Parameter]
    public EventCallback<ModelProfileResponse> OnDeleted { get; set; }

    // The page gives the editor a new @key for each profile it shows (and after each save), so the draft is made once.
    protected override void OnInitialized() => _draft = Editing is null ? new ProfileDraft() : ProfileDraft.From(Editing);

    private bool Has(string field) => _error?.For(field) is not null;

    private void Allow(Guid projectId, bool allowed)
    {
        if (allowed)
        {
            _draft.AllowedProjectIds.Add(projectId);
        }
        else
        {
            _draft.AllowedProjectIds.Remove(projectId);
        }
    }

    private async Task SaveAsync()
    {
        try
        {
            await _actions.RunAsync(async () =>
            {
                var saved = Editing is null
                    ? await Api.CreateModelProfileAsync(_draft.ToCreate(), CancellationToken.None)
                    : await Api.UpdateModelProfileAsync(Editing.Id, _draft.ToUpdate(Editing), CancellationToken.None);
                await OnSaved.InvokeAsync(saved);
            }, e => _error = e);
        }
        finally
        {
            // Sent or refused, the typed key leaves the page's state: it is never rendered back.
            _draft.ForgetKey();
        }
    }

    private async Task DeleteAsync()
    {
        if (Editing is not { } profile)
        {
            return;
        }
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete profile", $"Delete the profile {profile.Name}? Runs keep their copy of its settings.",
            yesText: "Delete", cancelText: "Cancel");
        if (confirmed != true)
        {
            return;
        }
        await _actions.RunAsync(async () =>
        {
            await Api.DeleteModelProfileAsync(profile.Id, CancellationToken.None);
            await OnDeleted.InvokeAsync(profile);
        }, e => _error = e);
    }
}
