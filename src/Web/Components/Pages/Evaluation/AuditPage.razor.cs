using System.Globalization;
using GradingPortal.Web.ApiClient;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Evaluation;

/// <summary>
/// The partial-credit audit: the Api orders the rows by disagreement and pages them; the filters become its
/// graderIds, problemIds and rubricItemIds. Filters arrive in the address from the Evaluation page's links.
/// </summary>
public sealed partial class AuditPage
{
    private MudDataGrid<PartialCreditRowDto>? _grid;
    private ApiError? _loadError;
    private Guid? _grader;
    private Guid? _problem;
    private Guid? _item;
    private List<(Guid Id, string Label)> _graders = [];
    private List<(Guid Id, string Title)> _problemOptions = [];
    private List<(Guid Id, Guid ProblemId, string Title)> _itemOptions = [];

    [Parameter]
    public Guid ProjectId { get; set; }

    [SupplyParameterFromQuery(Name = "grader")]
    public Guid? GraderQuery { get; set; }

    [SupplyParameterFromQuery(Name = "problem")]
    public Guid? ProblemQuery { get; set; }

    [SupplyParameterFromQuery(Name = "item")]
    public Guid? ItemQuery { get; set; }

    [SupplyParameterFromQuery(Name = "humanSource")]
    public string? HumanSourceQuery { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        (_grader, _problem, _item) = (GraderQuery, ProblemQuery, ItemQuery);
        _loadError = await ApiCall.TryAsync(async () =>
        {
            // The filter choices: graders and problems from the per-problem figures, items from the per-item ones.
            var problems = await Api.GetAgreementByProblemAsync(ProjectId, HumanSourceQuery, null, null, null, CancellationToken.None);
            var items = await Api.GetAgreementByRubricItemAsync(ProjectId, HumanSourceQuery, null, null, null, CancellationToken.None);
            _problemOptions = problems.Problems.Select(p => (p.ProblemId, p.Title)).ToList();
            _graders = problems.Problems.SelectMany(p => p.Graders).Select(g => g.Grader).DistinctBy(g => g.Id).Select(g => (g.Id, g.Label)).ToList();
            _itemOptions = items.Graders.SelectMany(g => g.Items).DistinctBy(i => i.RubricItemId)
                .Select(i => (i.RubricItemId, i.ProblemId, $"{_problemOptions.FirstOrDefault(p => p.Id == i.ProblemId).Title}: {i.Title}")).ToList();
        });
        if (_grid is not null)
        {
            await _grid.ReloadServerData();
        }
    }

    private async Task<GridData<PartialCreditRowDto>> LoadRowsAsync(GridState<PartialCreditRowDto> state, CancellationToken ct)
    {
        var (page, error) = await ApiCall.TryAsync(() => Api.GetPartialCreditAuditAsync(ProjectId, HumanSourceQuery, Ids(_problem), Ids(_grader),
            Ids(_item), (state.Page + 1).ToString(CultureInfo.InvariantCulture), state.PageSize.ToString(CultureInfo.InvariantCulture), ct));
        if (page is not null)
        {
            return new GridData<PartialCreditRowDto> { Items = page.Rows, TotalItems = page.Total };
        }
        _loadError = error;
        StateHasChanged();
        return new GridData<PartialCreditRowDto> { Items = [], TotalItems = 0 };
    }

    private static string[]? Ids(Guid? id) => id is { } value ? [value.ToString()] : null;

    private Task OnGraderChanged(Guid? value)
    {
        _grader = value;
        return ReloadAsync();
    }

    private Task OnProblemChanged(Guid? value)
    {
        _problem = value;
        if (_item is { } item && _itemOptions.FirstOrDefault(i => i.Id == item).ProblemId != value && value is not null)
        {
            _item = null;
        }
        return ReloadAsync();
    }

    private Task OnItemChanged(Guid? value)
    {
        _item = value;
        return ReloadAsync();
    }

    private Task ReloadAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;
}
