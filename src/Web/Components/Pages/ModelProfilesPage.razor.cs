using System.Globalization;
using System.Net;
using GradingPortal.Web.Api;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Pages;

/// <summary>Site admins manage model profiles: list, create, edit, delete, test the connection.</summary>
public sealed partial class ModelProfilesPage
{
    private static readonly string[] s_efforts = ["minimal", "low", "medium", "high"];
    private IReadOnlyList<ModelProfileResponse> _profiles = [];
    private IReadOnlyList<ProjectResponse> _projects = [];
    private ModelProfileResponse? _editing;
    private ApiProblem? _loadProblem;
    private ApiProblem? _saveProblem;
    private string? _message;
    private ModelProfileForm? _shown;

    [Parameter]
    public Guid? ProfileId { get; set; }

    [SupplyParameterFromForm(FormName = "save-profile")]
    public ModelProfileForm? Form { get; set; }

    [SupplyParameterFromForm(FormName = "delete-profile")]
    public Guid? DeleteId { get; set; }

    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [Inject]
    private PortalApi Api { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private IReadOnlyList<Crumb> Trail => _editing is null
        ? [new Crumb("Model profiles")]
        : [new Crumb("Model profiles", "/admin/model-profiles"), new Crumb(_editing.Name)];

    /// <summary>What the form shows: what was posted (after a failure), else the profile being edited, else defaults.</summary>
    private ModelProfileForm Value => _shown ?? new ModelProfileForm();

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
        if (_loadProblem is null && HttpMethods.IsGet(HttpContext.Request.Method))
        {
            _shown = _editing is null ? null : FromProfile(_editing);
        }
    }

    private async Task LoadAsync()
    {
        var profiles = await Api.ListModelProfilesAsync();
        _profiles = profiles.Ok ? profiles.Data : [];
        _loadProblem = profiles.Problem;
        if (_loadProblem is null)
        {
            // The allow-list is chosen among every project (a site administrator's list holds them all).
            var projects = await Api.ListProjectsAsync();
            _projects = projects.Ok ? [.. projects.Data.OrderBy(p => p.Name, StringComparer.CurrentCultureIgnoreCase)] : [];
        }
        if (ProfileId is { } id && _loadProblem is null)
        {
            _editing = _profiles.FirstOrDefault(p => p.Id == id);
            if (_editing is null)
            {
                _loadProblem = new ApiProblem(HttpStatusCode.NotFound, "Not found", "The model profile was not found.");
                HttpContext.Response.StatusCode = StatusCodes.Status404NotFound;
            }
        }
    }

    private async Task SaveAsync()
    {
        var form = Form ?? new ModelProfileForm();
        // Ticked checkboxes arrive as one repeated field, read here rather than through form mapping of a list.
        form.AllowedProjectIds = [.. HttpContext.Request.Form["allowedProjectIds"]
            .Select(v => Guid.TryParse(v, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty)];
        _shown = form;
        var parse = new FieldParser();
        var temperature = parse.Double(form.Temperature, "temperature");
        var maxTokens = parse.Int(form.MaxOutputTokens, "maxOutputTokens");
        var timeout = parse.Int(form.TimeoutSeconds, "timeoutSeconds");
        var concurrency = parse.Int(form.MaxConcurrency, "maxConcurrency");
        var rpm = parse.Int(form.RequestsPerMinute, "requestsPerMinute");
        var prices = new ModelPricesDto(parse.Decimal(form.PriceInput, "prices") ?? 0, parse.Decimal(form.PriceCachedInput, "prices") ?? 0,
            parse.Decimal(form.PriceOutput, "prices") ?? 0);
        var dailyCap = parse.Decimal(form.DailySpendingCap, "dailySpendingCap");
        var runCap = parse.Decimal(form.RunSpendingCap, "runSpendingCap");
        var allowed = form.AllowedProjectIds.Distinct().ToList();
        if (parse.Problem is { } invalid)
        {
            _saveProblem = invalid;
            return;
        }
        var key = string.IsNullOrWhiteSpace(form.ApiKey) ? null : form.ApiKey.Trim();
        var variable = string.IsNullOrWhiteSpace(form.ApiKeyVariable) ? null : form.ApiKeyVariable.Trim();
        var effort = string.IsNullOrWhiteSpace(form.ReasoningEffort) ? null : form.ReasoningEffort;
        ApiResult<ModelProfileResponse> saved;
        if (_editing is null)
        {
            saved = await Api.CreateModelProfileAsync(new CreateModelProfileRequest(form.Name?.Trim(), form.BaseUrl?.Trim(), form.Model?.Trim(), key,
                key is null ? variable : null, temperature, effort, maxTokens, timeout, concurrency, rpm, prices, form.StructuredOutput, allowed,
                dailyCap, runCap));
        }
        else
        {
            // Empty optional fields that had a value are cleared; the key changes only when a new one (or a new variable) is given.
            var clear = new List<string>();
            void ClearIf(bool empty, bool had, string field)
            {
                if (empty && had)
                {
                    clear.Add(field);
                }
            }
            ClearIf(temperature is null, _editing.Temperature is not null, "temperature");
            ClearIf(effort is null, _editing.ReasoningEffort is not null, "reasoningEffort");
            ClearIf(maxTokens is null, _editing.MaxOutputTokens is not null, "maxOutputTokens");
            ClearIf(rpm is null, _editing.RequestsPerMinute is not null, "requestsPerMinute");
            ClearIf(dailyCap is null, _editing.DailySpendingCap is not null, "dailySpendingCap");
            ClearIf(runCap is null, _editing.RunSpendingCap is not null, "runSpendingCap");
            var newVariable = key is null && variable is not null && variable != _editing.ApiKeyVariable ? variable : null;
            if (form.RemoveKey && key is null && newVariable is null)
            {
                clear.Add("apiKey");
            }
            saved = await Api.UpdateModelProfileAsync(_editing.Id, new UpdateModelProfileRequest(form.Name?.Trim(), form.BaseUrl?.Trim(),
                form.Model?.Trim(), key, newVariable, temperature, effort, maxTokens, timeout, concurrency, rpm, prices, form.StructuredOutput,
                clear, form.RowVersion, allowed, dailyCap, runCap));
        }
        if (!saved.Ok)
        {
            _saveProblem = saved.Problem;
            _shown = Without(form);
            return;
        }
        _message = _editing is null ? $"Profile {saved.Data.Name} created." : "Saved.";
        await LoadAsync();
        _editing = ProfileId is null ? null : saved.Data;
        _shown = _editing is null ? null : FromProfile(saved.Data);
    }

    private async Task DeleteAsync()
    {
        if (DeleteId is not { } id)
        {
            return;
        }
        var deleted = await Api.DeleteModelProfileAsync(id);
        if (!deleted.Ok)
        {
            _saveProblem = deleted.Problem;
            return;
        }
        Navigation.NavigateTo("/admin/model-profiles");
    }

    /// <summary>The posted form minus the key: a failed save must not put the typed key back into the page.</summary>
    private static ModelProfileForm Without(ModelProfileForm form)
    {
        form.ApiKey = null;
        return form;
    }

    private static ModelProfileForm FromProfile(ModelProfileResponse p) => new()
    {
        Name = p.Name,
        BaseUrl = p.BaseUrl,
        Model = p.Model,
        ApiKeyVariable = p.ApiKeyVariable,
        Temperature = p.Temperature?.ToString(CultureInfo.InvariantCulture),
        ReasoningEffort = p.ReasoningEffort,
        MaxOutputTokens = p.MaxOutputTokens?.ToString(CultureInfo.InvariantCulture),
        TimeoutSeconds = p.TimeoutSeconds.ToString(CultureInfo.InvariantCulture),
        MaxConcurrency = p.MaxConcurrency.ToString(CultureInfo.InvariantCulture),
        RequestsPerMinute = p.RequestsPerMinute?.ToString(CultureInfo.InvariantCulture),
        PriceInput = p.Prices.Input.ToString(CultureInfo.InvariantCulture),
        PriceCachedInput = p.Prices.CachedInput.ToString(CultureInfo.InvariantCulture),
        PriceOutput = p.Prices.Output.ToString(CultureInfo.InvariantCulture),
        StructuredOutput = p.StructuredOutput,
        DailySpendingCap = p.DailySpendingCap?.ToString(CultureInfo.InvariantCulture),
        RunSpendingCap = p.RunSpendingCap?.ToString(CultureInfo.InvariantCulture),
        AllowedProjectIds = [.. p.AllowedProjectIds ?? []],
        RowVersion = p.RowVersion,
    };

    private static string KeyLabel(ModelProfileResponse p) =>
        p.HasStoredKey ? "stored (encrypted)" : p.ApiKeyVariable is { } name ? $"from {name}" : "none";

    private string AllowedLabel(ModelProfileResponse p)
    {
        var ids = p.AllowedProjectIds ?? [];
        if (ids.Count == 0)
        {
            return "site admins only";
        }
        var names = _projects.Where(x => ids.Contains(x.Id)).Select(x => x.Name).ToList();
        return names.Count == ids.Count ? string.Join(", ", names) : $"{ids.Count} project{(ids.Count == 1 ? "" : "s")}";
    }

    private static string Caps(ModelProfileResponse p) =>
        p.DailySpendingCap is null && p.RunSpendingCap is null ? "no caps"
            : string.Join(" · ", new[]
            {
                p.DailySpendingCap is { } day ? $"{Money(day)}/day" : null,
                p.RunSpendingCap is { } run ? $"{Money(run)}/run" : null,
            }.OfType<string>());

    private static string Money(decimal value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}

/// <summary>Parses optional numeric form fields; collects a field error for text that is not a number.</summary>
internal sealed class FieldParser
{
    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public ApiProblem? Problem => _errors.Count == 0 ? null : new ApiProblem(HttpStatusCode.BadRequest, "One or more fields are invalid.", null, _errors);

    public int? Int(string? text, string field) =>
        Parse(text, field, t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : (int?)null);

    public double? Double(string? text, string field) =>
        Parse(text, field, t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : (double?)null);

    public decimal? Decimal(string? text, string field) =>
        Parse(text, field, t => decimal.TryParse(t, NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : (decimal?)null);

    private T? Parse<T>(string? text, string field, Func<string, T?> parse) where T : struct
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var value = parse(text.Trim());
        if (value is null)
        {
            _errors[field] = [$"'{text.Trim()}' is not a number."];
        }
        return value;
    }
}
