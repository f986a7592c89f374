using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.ImportExport;

/// <summary>
/// Chooses what to export and starts the download. The file itself never passes through the circuit: the browser fetches
/// the Web's download endpoint, which streams the Api's export with the session's token. Before that, the page asks the
/// Api for the first record with the same choices, so a refusal (a bad date, a lost role) shows here as a message.
/// </summary>
public sealed partial class ExportPage : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private ProjectResponse? _project;
    private ApiError? _loadError;
    private ApiError? _error;
    private bool _canExport;
    private bool _checking;
    private IReadOnlyList<ProblemSummaryResponse> _problems = [];
    private ExportChoices _choices = new();

    [Parameter]
    public Guid ProjectId { get; set; }

    // A download the Web refused comes back here with its choices and the Api's message, so nothing is chosen again.
    [SupplyParameterFromQuery(Name = "problemIds")]
    public string[]? ProblemIdsQuery { get; set; }

    [SupplyParameterFromQuery(Name = "evidence")]
    public string[]? EvidenceQuery { get; set; }

    [SupplyParameterFromQuery(Name = "updatedSince")]
    public string? UpdatedSinceQuery { get; set; }

    [SupplyParameterFromQuery(Name = "format")]
    public string? FormatQuery { get; set; }

    [SupplyParameterFromQuery(Name = "flavor")]
    public string? FlavorQuery { get; set; }

    [SupplyParameterFromQuery(Name = "error")]
    public string? ErrorQuery { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private List<BreadcrumbItem> Trail =>
    [
        new(_project?.Name ?? "Project", $"/projects/{ProjectId}"),
        new("Export", null, disabled: true),
    ];

    protected override async Task OnInitializedAsync()
    {
        _choices = ExportChoices.From(ProblemIdsQuery, EvidenceQuery, UpdatedSinceQuery, FormatQuery, FlavorQuery);
        if (!string.IsNullOrEmpty(ErrorQuery))
        {
            _error = new ApiError(400, ErrorQuery, new Dictionary<string, IReadOnlyList<string>>());
        }
        _loadError = await ApiCall.TryAsync(async () =>
        {
            _project = await Api.GetProjectAsync(ProjectId, _stop.Token);
            _canExport = Format.CanEditContent(_project.MyRole);
            if (_canExport)
            {
                _problems = (await Api.ListProblemsAsync(ProjectId, _stop.Token)).ToList();
            }
        });
    }

    private void SetProblem(string id, bool on) =>
        _choices.ProblemIds = on ? [.. _choices.ProblemIds.Where(p => p != id), id] : _choices.ProblemIds.Where(p => p != id).ToList();

    private void SetEvidence(string level, bool on)
    {
        if (on)
        {
            _choices.Evidence.Add(level);
        }
        else
        {
            _choices.Evidence.Remove(level);
        }
    }

    private async Task DownloadAsync()
    {
        _error = null;
        _checking = true;
        try
        {
            await Api.ExportProjectAsync(ProjectId, _choices.Format, _choices.Flavor, _choices.ProblemIds, null, null, _choices.EvidenceInOrder,
                _choices.UpdatedSinceUtc, null, 1, _stop.Token);
        }
        catch (ApiException ex) when (ex.StatusCode is >= 200 and < 300)
        {
            // The export answered; the client only failed to read a stream of lines as one object. The status is what counts.
        }
        catch (ApiException ex)
        {
            _error = ApiError.From(ex);
            return;
        }
        catch (HttpRequestException)
        {
            _error = ApiError.Unreachable;
            return;
        }
        finally
        {
            _checking = false;
        }
        // A full load of the Web's endpoint: its answer is an attachment, so the browser saves it and stays on this page.
        Navigation.NavigateTo(_choices.DownloadPath(ProjectId), forceLoad: true);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
