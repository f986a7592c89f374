using GradingPortal.Web.ApiClient;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.ImportExport;

/// <summary>
/// One import, followed live: while it is uploading, queued or running, a timer in the circuit reads it from the Api
/// about once a second and re-renders, so the browser neither polls nor reloads; it stops once the import is finished.
/// </summary>
public sealed partial class ImportStatusPage : IAsyncDisposable
{
    /// <summary>How often an unfinished import is read again.</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stop = new();
    private ImportResponse? _import;
    private ProjectResponse? _project;
    private ApiError? _loadError;
    private Task? _polling;

    [Parameter]
    public Guid ImportId { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    private List<BreadcrumbItem> Trail =>
    [
        new(_project?.Name ?? "Project", $"/projects/{_import!.ProjectId}"),
        new("Import", $"/projects/{_import.ProjectId}/import"),
        new(_import.FileName, null, disabled: true),
    ];

    protected override async Task OnInitializedAsync()
    {
        _loadError = await ApiCall.TryAsync(async () =>
        {
            _import = await Api.GetImportAsync(ImportId, _stop.Token);
            _project = await Api.GetProjectAsync(_import.ProjectId, _stop.Token);
            if (!ImportView.IsFinished(_import.Status))
            {
                _polling = FollowAsync(_stop.Token);
            }
        });
    }

    private Task<ImportFailurePageResponse> LoadFailuresAsync(ImportFailureQuery query, CancellationToken ct) =>
        Api.ListImportFailuresAsync(ImportId, query.Offset, query.Limit, query.Sort, query.Search, ct);

    /// <summary>
    /// Reads the import each tick until it is finished, then stops: a finished import does not change again. A failed
    /// read keeps what is shown and tries on the next tick; an expired session goes to the layout, which sends the
    /// person to sign in.
    /// </summary>
    private async Task FollowAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(PollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    var fresh = await Api.GetImportAsync(ImportId, ct);
                    await InvokeAsync(() =>
                    {
                        _import = fresh;
                        StateHasChanged();
                    });
                    if (ImportView.IsFinished(fresh.Status))
                    {
                        return;
                    }
                }
                catch (ApiException) when (!ct.IsCancellationRequested)
                {
                    // Transient: the next tick reads again.
                }
                catch (HttpRequestException) when (!ct.IsCancellationRequested)
                {
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The page was left.
        }
        catch (Exception ex)
        {
            await DispatchExceptionAsync(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_polling is not null)
        {
            await _polling;
        }
        _stop.Dispose();
    }
}
