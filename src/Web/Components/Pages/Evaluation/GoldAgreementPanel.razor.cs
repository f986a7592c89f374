using GradingPortal.Web.ApiClient;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Evaluation;

/// <summary>
/// The Evaluation page's panel on gold solutions. The Api answers only project Admins; for anyone else (403) the panel
/// shows nothing rather than an error, since the rest of the page is theirs to read.
/// </summary>
public sealed partial class GoldAgreementPanel
{
    private GoldAgreementResponse? _agreement;
    private ApiError? _error;
    private string _bucket = "week";
    private List<ChartSeries<double>> _series = [];
    private string[] _labels = [];
    private readonly LineChartOptions _options = new() { XAxisTitle = "Period", YAxisTitle = "MAE against the final points", ShowDataMarkers = true };

    [Parameter, EditorRequired]
    public Guid ProjectId { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    protected override Task OnParametersSetAsync() => LoadAsync();

    private Task OnBucketChanged(string bucket)
    {
        _bucket = bucket;
        return LoadAsync();
    }

    private async Task LoadAsync()
    {
        (_agreement, _error) = await ApiCall.TryAsync(() => Api.GetGoldAgreementAsync(ProjectId, _bucket, null, CancellationToken.None));
        if (_agreement is null)
        {
            return;
        }
        (_labels, var lines) = GoldFigures.Lines(_agreement.Graders.Select(g =>
            (g.Name, (IReadOnlyList<(DateTimeOffset, double?)>)g.Periods.Select(p => (p.Start, GoldFigures.Of(p.Mae))).ToList())));
        _series = lines.Select(l => new ChartSeries<double> { Name = l.Name, Data = new ChartData<double>(l.Values.ToList()) }).ToList();
    }
}
