using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Runs;

/// <summary>
/// One grading run, followed live: while the run is unfinished a timer in the circuit asks the Api for it about once a
/// second and re-renders what changed, so the browser never polls or reloads. Adjudicators cancel, retry what failed and
/// approve derived rubrics from here.
/// </summary>
public sealed partial class RunDetailPage : IAsyncDisposable
{
    /// <summary>How often an unfinished run is read again.</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stop = new();
    private GradingRunResponse? _run;
    private ProjectResponse? _project;
    private ApiError? _loadError;
    private ApiError? _actionError;
    private string? _message;
    private readonly ApiActions _actions = new();
    private Task? _polling;

    [Parameter]
    public Guid RunId { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    private bool CanControl => Format.CanEditContent(_project?.MyRole);

    private List<BreadcrumbItem> Trail =>
    [
        new(_project?.Name ?? "Project", $"/projects/{_run!.ProjectId}"),
        new("Grading runs", $"/projects/{_run.ProjectId}/runs"),
        new($"Run {_run.Id.ToString()[..8]}", null, disabled: true),
    ];

    protected override async Task OnInitializedAsync()
    {
        if (await ApiCall.TryAsync(async () =>
        {
            _run = await Api.GetGradingRunAsync(RunId, _stop.Token);
            _project = await Api.GetProjectAsync(_run.ProjectId, _stop.Token);
        }) is { } error)
        {
            _loadError = error;
            return;
        }
        _polling = FollowAsync(_stop.Token);
    }

    /// <summary>
    /// Ticks for the life of the page but only calls the Api while the run is unfinished, so a retry that makes a
    /// finished run move again is followed without starting anything new. A failed read keeps the last state and tries
    /// again on the next tick; an expired session goes to the layout, which sends the person to sign in.
    /// </summary>
    private async Task FollowAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(PollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (_run is null || RunView.IsFinished(_run.Status) || _actions.Busy)
                {
                    continue;
                }
                try
                {
                    var fresh = await Api.GetGradingRunAsync(RunId, ct);
                    await InvokeAsync(() =>
                    {
                        if (!_actions.Busy)
                        {
                            _run = fresh;
                        }
                        StateHasChanged();
                    });
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

    private Task<RunFailurePageResponse> LoadFailuresAsync(RunFailureQuery query, CancellationToken ct)
    {
        var (page, pageSize) = RunFailuresGrid.Paging(query);
        return Api.ListGradingRunFailuresAsync(RunId, query.Sort, query.Status, query.Search, page, pageSize, ct);
    }

    private async Task CancelAsync()
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Cancel this run?", "Pending and running solutions are cancelled. Work already done is kept.",
            yesText: "Cancel run", cancelText: "Keep running");
        if (confirmed != true)
        {
            return;
        }
        await ActAsync(ct => Api.CancelGradingRunAsync(RunId, ct), "Run cancelled. Work already done is kept.");
    }

    private Task RetryAsync() => ActAsync(ct => Api.RetryFailedGradingRunItemsAsync(RunId, ct), "Failed items are queued again.");

    private async Task ApproveAsync(PendingRubricResponse rubric)
    {
        await _actions.RunAsync(async () =>
        {
            _message = null;
            await Api.ApproveRubricAsync(rubric.RubricId, new ApproveRubricRequest(), _stop.Token);
            _run = await Api.GetGradingRunAsync(RunId, _stop.Token);
            _message = $"Rubric version {rubric.Version} approved; grading of its problem can start.";
        }, e => _actionError = e);
    }

    private async Task ActAsync(Func<CancellationToken, Task<GradingRunResponse>> action, string done)
    {
        await _actions.RunAsync(async () =>
        {
            _message = null;
            _run = await action(_stop.Token);
            _message = done;
        }, e => _actionError = e);
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
