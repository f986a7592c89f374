using System.Globalization;
using GradingPortal.Web.ApiClient;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Evaluation;

/// <summary>
/// The solutions a figure of the Evaluation page rests on: a grader's pairs (or the human ceiling's), optionally one
/// calibration row (<c>human</c>), one confusion cell (<c>hc</c>, <c>mc</c>) or one problem, largest disagreement first.
/// The Api pages and filters them (<c>/agreement/pairs</c>); the address carries the filter, so every number of the
/// Evaluation page is a plain link here.
/// </summary>
public sealed partial class FigureSolutionsPage
{
    private MudDataGrid<AgreementPairDto>? _grid;
    private ApiError? _loadError;
    private string _description = "";
    private int? _total;

    [Parameter]
    public Guid ProjectId { get; set; }

    [SupplyParameterFromQuery(Name = "grader")]
    public Guid? Grader { get; set; }

    [SupplyParameterFromQuery(Name = "ceiling")]
    public bool Ceiling { get; set; }

    [SupplyParameterFromQuery(Name = "human")]
    public string? Human { get; set; }

    [SupplyParameterFromQuery(Name = "model")]
    public string? Model { get; set; }

    [SupplyParameterFromQuery(Name = "hc")]
    public int? HumanCategory { get; set; }

    [SupplyParameterFromQuery(Name = "mc")]
    public int? ModelCategory { get; set; }

    [SupplyParameterFromQuery(Name = "problem")]
    public Guid? Problem { get; set; }

    [SupplyParameterFromQuery(Name = "humanSource")]
    public string? HumanSource { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    private string BackLink => $"/projects/{ProjectId}/evaluation" + (HumanSource is "mean" or "first" ? $"?humanSource={HumanSource}" : "");

    protected override async Task OnParametersSetAsync()
    {
        _loadError = null;
        _total = null;
        _description = FigureSolutions.Describe(null, Ceiling, Human, Model, HumanCategory, ModelCategory, null, HumanSource);
        if (_grid is not null)
        {
            await _grid.ReloadServerData();
        }
    }

    private async Task<GridData<AgreementPairDto>> LoadRowsAsync(GridState<AgreementPairDto> state, CancellationToken ct)
    {
        var (page, error) = await ApiCall.TryAsync(() => Api.GetAgreementPairsAsync(ProjectId, HumanSource, Problem is { } p ? [p.ToString()] : null,
            Ceiling ? null : Grader?.ToString(), Ceiling ? "true" : null, Human, Model,
            HumanCategory?.ToString(CultureInfo.InvariantCulture), ModelCategory?.ToString(CultureInfo.InvariantCulture),
            (state.Page + 1).ToString(CultureInfo.InvariantCulture), state.PageSize.ToString(CultureInfo.InvariantCulture), ct));
        _loadError = error;
        if (page is not null)
        {
            _total = page.Total;
            var problemTitle = Problem is not null ? page.Items.FirstOrDefault()?.ProblemTitle : null;
            _description = FigureSolutions.Describe(page.Grader?.Label, Ceiling, Human, Model, HumanCategory, ModelCategory,
                Problem is null ? null : problemTitle ?? "the chosen problem", HumanSource);
        }
        StateHasChanged();
        return page is null
            ? new GridData<AgreementPairDto> { Items = [], TotalItems = 0 }
            : new GridData<AgreementPairDto> { Items = page.Items, TotalItems = page.Total };
    }
}

/// <summary>The wording of the solutions-behind-a-figure page, kept apart so it can be tested without a circuit.</summary>
public static class FigureSolutions
{
    /// <summary>What the listed solutions are, in a sentence.</summary>
    public static string Describe(string? graderLabel, bool ceiling, string? human, string? model, int? humanCategory, int? modelCategory,
        string? problemTitle, string? humanSource)
    {
        var who = ceiling ? "Solutions two people graded (first person against second)" : $"Solutions graded by {graderLabel ?? "the grader"} and by people";
        var reference = ceiling ? "" : humanSource switch
        {
            "mean" => " (people: the mean of their grades)",
            "first" => " (people: the first person's grade)",
            _ => " (people: the adjudicated grade, else the mean of their grades)",
        };
        var conditions = new List<string>();
        var first = ceiling ? "the first person" : "people";
        var second = ceiling ? "the second person" : "the model";
        if (!string.IsNullOrWhiteSpace(human)) conditions.Add($"{first} gave {human}");
        if (!string.IsNullOrWhiteSpace(model)) conditions.Add($"{second} gave {model}");
        if (humanCategory is { } hc) conditions.Add($"{first} gave {hc} in whole points");
        if (modelCategory is { } mc) conditions.Add($"{second} gave {mc} in whole points");
        if (problemTitle is not null) conditions.Add($"on {problemTitle}");
        return who + reference + (conditions.Count > 0 ? ", where " + string.Join(" and ", conditions) : "") + "; largest disagreement first.";
    }

    /// <summary>How many solutions the figure rests on.</summary>
    public static string TotalLine(int? total) => total switch
    {
        null => "",
        1 => "1 solution",
        _ => $"{total} solutions",
    };

    /// <summary>"+1", "−0.5", "0".</summary>
    public static string Signed(decimal? value) => value switch
    {
        null => "—",
        > 0 => "+" + value.Value.ToString("0.##", CultureInfo.InvariantCulture),
        < 0 => "−" + (-value.Value).ToString("0.##", CultureInfo.InvariantCulture),
        _ => "0",
    };

    /// <summary>The address of the solutions behind a figure.</summary>
    public static string Link(Guid projectId, Guid? grader = null, bool ceiling = false, decimal? human = null, int? humanCategory = null,
        int? modelCategory = null, Guid? problem = null, string? humanSource = null)
    {
        var query = new List<string>();
        if (ceiling) query.Add("ceiling=true");
        else if (grader is { } g) query.Add($"grader={g}");
        if (human is { } h) query.Add("human=" + h.ToString(CultureInfo.InvariantCulture));
        if (humanCategory is { } hc) query.Add($"hc={hc}");
        if (modelCategory is { } mc) query.Add($"mc={mc}");
        if (problem is { } p) query.Add($"problem={p}");
        if (humanSource is "mean" or "first") query.Add($"humanSource={humanSource}");
        return $"/projects/{projectId}/evaluation/solutions?" + string.Join("&", query);
    }
}
