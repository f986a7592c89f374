using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using GradingPortal.Web.Endpoints;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.ImportExport;

/// <summary>
/// Uploads files for import and lists the project's past imports. The files travel from the browser to the Web's
/// upload endpoint (a JS module posts them, one after another, and reports bytes sent); the circuit only starts each
/// upload, shows its progress and reads the answer. One file leads to its status page; several stay listed here.
/// </summary>
public sealed partial class ImportPage : IAsyncDisposable
{
    /// <summary>The status select's "no filter" choice.</summary>
    private const string AnyValue = ImportListView.Any;

    private readonly CancellationTokenSource _stop = new();
    private readonly List<UploadOutcome> _outcomes = [];
    private ProjectResponse? _project;
    private ApiError? _loadError;
    private ApiError? _listError;
    private bool _canImport;
    private string _format = "jsonl";
    private ElementReference _fileInput;
    private string? _fileError;
    private UploadOutcome? _failure;
    private bool _uploading;
    private string _uploadingText = "";
    private long _sent;
    private long _total;
    private MudDataGrid<ImportResponse>? _grid;
    private readonly AddressedView<ImportListView> _view = new(ImportListView.Default);
    private IJSObjectReference? _module;
    private DotNetObjectReference<ImportPage>? _self;

    [Parameter]
    public Guid ProjectId { get; set; }

    /// <summary>A link may choose the format (<c>?format=opc</c>).</summary>
    [SupplyParameterFromQuery(Name = "format")]
    public string? FormatQuery { get; set; }

    // The imports grid's view, as text so that a hand-edited value falls back instead of failing the page.
    [SupplyParameterFromQuery(Name = "status")]
    public string? QueryStatus { get; set; }

    [SupplyParameterFromQuery(Name = "sort")]
    public string? QuerySort { get; set; }

    [SupplyParameterFromQuery(Name = "page")]
    public string? QueryPage { get; set; }

    [SupplyParameterFromQuery(Name = "pageSize")]
    public string? QueryPageSize { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private List<BreadcrumbItem> Trail =>
    [
        new(_project?.Name ?? "Project", $"/projects/{ProjectId}"),
        new("Import", null, disabled: true),
    ];

    protected override async Task OnInitializedAsync()
    {
        _format = ImportView.FormatOrDefault(FormatQuery);
        _loadError = await ApiCall.TryAsync(async () =>
        {
            _project = await Api.GetProjectAsync(ProjectId, _stop.Token);
            _canImport = Format.CanEditContent(_project.MyRole);
        });
    }

    protected override void OnParametersSet() => _view.Arrive(ImportListView.FromQuery(QueryStatus, QuerySort, QueryPage, QueryPageSize));

    /// <summary>One page of imports in the grid's order and filter; the view goes into the address.</summary>
    private async Task<GridData<ImportResponse>> LoadImportsAsync(GridState<ImportResponse> state, CancellationToken ct)
    {
        var view = _view.Current = _view.Current with { Paging = GridPaging.Of(ImportListView.Sorts, state) };
        (var result, _listError) = await ApiCall.TryAsync(() => Api.ListImportsAsync(ProjectId, null, null, view.Paging.Sort,
            view.Status == AnyValue ? null : view.Status, GridPaging.ApiNumber(view.Paging.Page + 1), GridPaging.ApiNumber(view.Paging.PageSize), ct));
        if (result is null)
        {
            return new GridData<ImportResponse> { Items = [], TotalItems = 0 };
        }
        return _view.Answer(Navigation, view, view.Paging.Page, result.Items, result.Total,
            () => view with { Paging = view.Paging with { Page = 0 } }, StateHasChanged);
    }

    private async Task StatusChangedAsync(string value)
    {
        _view.Current = _view.Current with { Status = value ?? AnyValue };
        await GridReload.FromFirstPageAsync(_grid);
    }

    private void OnFilesChosen()
    {
        _fileError = null;
        _failure = null;
    }

    private async Task UploadAsync()
    {
        _fileError = null;
        _failure = null;
        _outcomes.Clear();
        _module ??= await JS.InvokeAsync<IJSObjectReference>("import", _stop.Token, "/lib/app/js/import-upload.js");
        var files = await _module.InvokeAsync<string[]>("chosenFiles", _stop.Token, _fileInput);
        if (files.Length == 0)
        {
            _fileError = "Choose a file to upload.";
            return;
        }
        _self ??= DotNetObjectReference.Create(this);
        var url = ImportExportEndpoints.UploadRoute.Replace("{projectId:guid}", ProjectId.ToString(), StringComparison.Ordinal);
        _uploading = true;
        try
        {
            for (var i = 0; i < files.Length; i++)
            {
                _sent = 0;
                _total = 0;
                _uploadingText = files.Length == 1 ? $"Uploading {files[i]}…" : $"Uploading {files[i]} ({i + 1} of {files.Length})…";
                StateHasChanged();
                // No interop timeout: a large file takes as long as it takes; leaving the page cancels the wait.
                var answer = await _module.InvokeAsync<UploadReply>("upload", _stop.Token, _fileInput, i, url, _format, _self);
                _outcomes.Add(ImportView.ReadUploadAnswer(files[i], answer.Status, answer.Body));
            }
        }
        finally
        {
            _uploading = false;
        }
        if (_outcomes is [{ Succeeded: true, ImportId: { } only }])
        {
            Navigation.NavigateTo($"/imports/{only}");
            return;
        }
        if (_outcomes.Count == 1)
        {
            // The one file was refused: say why above the form, and leave it chosen so it can be sent again.
            _failure = _outcomes[0];
            _outcomes.Clear();
        }
        if (_grid is not null)
        {
            await _grid.ReloadServerData();
        }
    }

    /// <summary>Called by the upload module as bytes leave the browser (a few times a second at most).</summary>
    [JSInvokable]
    public void UploadProgress(long sent, long total)
    {
        _sent = sent;
        _total = total;
        StateHasChanged();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_module is not null)
        {
            try
            {
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // The tab is gone; so is the module.
            }
        }
        _self?.Dispose();
        _stop.Dispose();
    }

    /// <summary>The upload endpoint's answer as the module hands it over: its status (0 if none came) and body.</summary>
    private sealed record UploadReply(int Status, string? Body);

    /// <summary>How a column starts out sorted: as the address says (for the header's arrow and the first request).</summary>
    private SortDirection InitialDirection(string column) => ImportListView.Sorts.DirectionOf(_view.Current.Paging.Sort, column);
}
