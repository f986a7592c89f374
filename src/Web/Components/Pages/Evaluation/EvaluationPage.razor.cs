using System.Globalization;
using GradingPortal.Web.ApiClient;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Evaluation;

/// <summary>
/// A project's model graders against people: metrics with intervals, calibration, confusion, scatter, cost against
/// MAE, rubric items and a per-problem drill-down. The Api decides who may see the figures (403 in blind projects
/// for graders and viewers); the page then explains instead of showing anything.
/// </summary>
public sealed partial class EvaluationPage
{
    private static readonly string[] ProblemMetrics = ["mae", "bias", "exact", "qwk"];

    private ProjectResponse? _project;
    private AgreementResponse? _agreement;
    private ProblemAgreementResponse? _problems;
    private RubricItemAgreementResponse? _items;
    private ApiError? _loadError;
    private string _humanSource = "adjudicated";
    private decimal? _threshold;
    private Guid _selected;
    private IReadOnlySet<Guid> _frontier = new HashSet<Guid>();

    private List<ChartSeries<double>> _calibrationSeries = [];
    private string[] _calibrationLabels = [];
    private List<(decimal Human, int N, double? MeanModel)> _calibrationRows = [];
    private string[] _confusionLabels = [];
    private IReadOnlyList<IReadOnlyList<int>> _confusionCounts = [];
    private int _confusionMax;
    private List<ChartSeries<double>> _scatterSeries = [];
    private List<ChartSeries<double>> _costSeries = [];
    private List<ChartSeries<double>> _itemSeries = [];
    private string[] _itemLabels = [];
    private List<RubricItemAgreementDto> _itemRows = [];

    private readonly LineChartOptions _calibrationOptions = new()
    {
        XAxisTitle = "Human score", YAxisTitle = "Mean model score", ShowDataMarkers = true, ConnectNullPoints = true,
    };
    private readonly ScatterPlotChartOptions _scatterOptions = new() { XAxisTitle = "Human score", YAxisTitle = "Model score", ShowLegend = false };
    private readonly ScatterPlotChartOptions _costOptions = new() { XAxisTitle = "Cost per solution", YAxisTitle = "MAE", XAxisFormat = "0.####" };
    private readonly BarChartOptions _barOptions = new() { YAxisTitle = "Mean award" };

    [Parameter]
    public Guid ProjectId { get; set; }

    [SupplyParameterFromQuery(Name = "humanSource")]
    public string? HumanSourceQuery { get; set; }

    [SupplyParameterFromQuery(Name = "threshold")]
    public string? ThresholdQuery { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    /// <summary>The solutions behind a grader's figures, under the page's human reference.</summary>
    private string PairsLink(Guid grader) => FigureSolutions.Link(ProjectId, grader, humanSource: _humanSource);

    private bool AnyFake => _agreement?.Graders.Any(g => Figures.LooksFake(g.Grader.Model)) == true;

    protected override async Task OnParametersSetAsync()
    {
        _humanSource = HumanSourceQuery is "mean" or "first" ? HumanSourceQuery : "adjudicated";
        _threshold = decimal.TryParse(ThresholdQuery, NumberStyles.Number, CultureInfo.InvariantCulture, out var t) ? t : null;
        (_project, _loadError) = await ApiCall.TryAsync(() => Api.GetProjectAsync(ProjectId, CancellationToken.None));
        if (_project is not null)
        {
            await LoadAsync();
        }
    }

    private async Task LoadAsync()
    {
        _loadError = null;
        _agreement = null;
        _problems = null;
        var threshold = _threshold?.ToString(CultureInfo.InvariantCulture);
        _loadError = await ApiCall.TryAsync(async () =>
        {
            // The three answers share one cached computation on the Api side; asking for them together keeps the page quick.
            var agreement = Api.GetAgreementAsync(ProjectId, _humanSource, threshold, null, null, CancellationToken.None);
            var problems = Api.GetAgreementByProblemAsync(ProjectId, _humanSource, threshold, null, null, CancellationToken.None);
            var items = Api.GetAgreementByRubricItemAsync(ProjectId, _humanSource, threshold, null, null, CancellationToken.None);
            _agreement = await agreement;
            _problems = await problems;
            _items = await items;
            _frontier = Figures.CostFrontier(_agreement.Graders.Select(g => (g.Grader.Id, g.Cost.PerSolution, Figures.Value(g.Metrics, "mae"))));
            if (_agreement.Graders.All(g => g.Grader.Id != _selected))
            {
                _selected = _agreement.Graders.FirstOrDefault()?.Grader.Id ?? Guid.Empty;
            }
            BuildCostChart();
            BuildGraderCharts();
        });
    }

    private async Task OnHumanSourceChanged(string value)
    {
        _humanSource = value;
        await LoadAsync();
    }

    private async Task OnThresholdChanged(decimal? value)
    {
        _threshold = value;
        await LoadAsync();
    }

    private void OnGraderSelected(Guid id)
    {
        _selected = id;
        BuildGraderCharts();
    }

    private void BuildCostChart()
    {
        var points = _agreement!.Graders
            .Select(g => (g.Grader.Id, Cost: g.Cost.PerSolution, Mae: Figures.Value(g.Metrics, "mae")))
            .Where(p => p.Cost is not null && p.Mae is not null)
            .ToList();
        _costSeries = [];
        var best = points.Where(p => _frontier.Contains(p.Id)).Select(p => ((double)p.Cost!.Value, p.Mae!.Value)).ToList();
        var beaten = points.Where(p => !_frontier.Contains(p.Id)).Select(p => ((double)p.Cost!.Value, p.Mae!.Value)).ToList();
        if (best.Count > 0) _costSeries.Add(new ChartSeries<double> { Name = "No cheaper grader beats it", Data = new ChartData<double>(best) });
        if (beaten.Count > 0) _costSeries.Add(new ChartSeries<double> { Name = "Beaten by a grader at most as cheap", Data = new ChartData<double>(beaten) });
    }

    private void BuildGraderCharts()
    {
        var grader = _agreement?.Graders.FirstOrDefault(g => g.Grader.Id == _selected);
        if (grader is null) return;

        _calibrationRows = grader.Calibration.Select(c => (c.Human, c.N, c.MeanModel)).ToList();
        var grid = Figures.CalibrationGrid(_calibrationRows.Select(r => (r.Human, r.MeanModel)).ToList(), grader.Confusion.Labels.Count - 1);
        _calibrationLabels = grid.Labels;
        _calibrationSeries =
        [
            new ChartSeries<double> { Name = "Mean model score", Data = new ChartData<double>(grid.Model) },
            new ChartSeries<double> { Name = "Diagonal (agreement)", Data = new ChartData<double>(grid.Diagonal) },
        ];

        _confusionLabels = grader.Confusion.Labels.ToArray();
        _confusionCounts = grader.Confusion.Counts.Select(r => (IReadOnlyList<int>)r.Take(_confusionLabels.Length).ToList()).Take(_confusionLabels.Length).ToList();
        _confusionMax = _confusionCounts.SelectMany(r => r).DefaultIfEmpty(0).Max();

        var scatter = Figures.ScatterPoints(grader.Confusion);
        _scatterSeries = scatter.Count == 0 ? [] :
        [
            new ChartSeries<double> { Name = grader.Grader.Label, Data = new ChartData<double>(scatter.Select(p => (p.Human, p.Model)).ToList()) },
        ];

        var items = _items?.Graders.FirstOrDefault(g => g.Grader.Id == _selected)?.Items ?? [];
        _itemRows = items.ToList();
        _itemLabels = _itemRows.Select(i => i.Title).ToArray();
        _itemSeries =
        [
            new ChartSeries<double> { Name = "People", Data = new ChartData<double>(_itemRows.Select(i => i.MeanHuman.Value).ToList()) },
            new ChartSeries<double> { Name = "Model", Data = new ChartData<double>(_itemRows.Select(i => i.MeanModel.Value).ToList()) },
        ];
    }
}
