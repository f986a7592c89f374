using System.Globalization;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;

namespace GradingPortal.Web.Components.Pages.Admin;

/// <summary>
/// A model profile as its form edits it, and the requests made from it. The key is write-only: a draft made from a
/// stored profile never holds it, and <see cref="ForgetKey"/> drops a typed one once it was sent or refused.
/// </summary>
public sealed class ProfileDraft
{
    public static readonly IReadOnlyList<string> Efforts = ["minimal", "low", "medium", "high"];

    public string? Name { get; set; }
    public string? BaseUrl { get; set; }
    public string? Model { get; set; }
    public string? ApiKey { get; set; }
    public string? ApiKeyVariable { get; set; }
    public bool RemoveKey { get; set; }
    public double? Temperature { get; set; }
    public string? ReasoningEffort { get; set; }
    public int? MaxOutputTokens { get; set; }
    public int TimeoutSeconds { get; set; } = 600;
    public int MaxConcurrency { get; set; } = 4;
    public int? RequestsPerMinute { get; set; }
    public decimal PriceInput { get; set; }
    public decimal PriceCachedInput { get; set; }
    public decimal PriceOutput { get; set; }
    public decimal? DailySpendingCap { get; set; }
    public decimal? RunSpendingCap { get; set; }
    public string StructuredOutput { get; set; } = "jsonSchema";
    public HashSet<Guid> AllowedProjectIds { get; } = [];

    public static ProfileDraft From(ModelProfileResponse p)
    {
        var draft = new ProfileDraft
        {
            Name = p.Name,
            BaseUrl = p.BaseUrl,
            Model = p.Model,
            ApiKeyVariable = p.ApiKeyVariable,
            Temperature = p.Temperature,
            ReasoningEffort = p.ReasoningEffort,
            MaxOutputTokens = p.MaxOutputTokens,
            TimeoutSeconds = p.TimeoutSeconds,
            MaxConcurrency = p.MaxConcurrency,
            RequestsPerMinute = p.RequestsPerMinute,
            PriceInput = p.Prices.Input,
            PriceCachedInput = p.Prices.CachedInput,
            PriceOutput = p.Prices.Output,
            DailySpendingCap = p.DailySpendingCap,
            RunSpendingCap = p.RunSpendingCap,
            StructuredOutput = p.StructuredOutput,
        };
        draft.AllowedProjectIds.UnionWith(p.AllowedProjectIds ?? []);
        return draft;
    }

    public void ForgetKey() => ApiKey = null;

    private string? Key => Format.Blank(ApiKey);

    private string? Variable => Format.Blank(ApiKeyVariable);

    private ModelPricesDto Prices => new() { Input = PriceInput, CachedInput = PriceCachedInput, Output = PriceOutput };

    public CreateModelProfileRequest ToCreate() => new()
    {
        Name = Name?.Trim(),
        BaseUrl = BaseUrl?.Trim(),
        Model = Model?.Trim(),
        ApiKey = Key,
        // The Api takes a key or a variable, not both: a typed key wins.
        ApiKeyVariable = Key is null ? Variable : null,
        Temperature = Temperature,
        ReasoningEffort = Format.Blank(ReasoningEffort),
        MaxOutputTokens = MaxOutputTokens,
        TimeoutSeconds = TimeoutSeconds,
        MaxConcurrency = MaxConcurrency,
        RequestsPerMinute = RequestsPerMinute,
        Prices = Prices,
        StructuredOutput = StructuredOutput,
        AllowedProjectIds = [.. AllowedProjectIds],
        DailySpendingCap = DailySpendingCap,
        RunSpendingCap = RunSpendingCap,
    };

    /// <summary>
    /// The PATCH for <paramref name="stored"/>: the Api reads a missing optional value as "unchanged", so an optional field
    /// emptied here is named in <c>clear</c>; the key changes only when a new key or a different variable is given.
    /// </summary>
    public UpdateModelProfileRequest ToUpdate(ModelProfileResponse stored)
    {
        var clear = new List<string>();
        void ClearIf(bool emptied, bool had, string field)
        {
            if (emptied && had)
            {
                clear.Add(field);
            }
        }
        ClearIf(Temperature is null, stored.Temperature is not null, "temperature");
        ClearIf(Format.Blank(ReasoningEffort) is null, stored.ReasoningEffort is not null, "reasoningEffort");
        ClearIf(MaxOutputTokens is null, stored.MaxOutputTokens is not null, "maxOutputTokens");
        ClearIf(RequestsPerMinute is null, stored.RequestsPerMinute is not null, "requestsPerMinute");
        ClearIf(DailySpendingCap is null, stored.DailySpendingCap is not null, "dailySpendingCap");
        ClearIf(RunSpendingCap is null, stored.RunSpendingCap is not null, "runSpendingCap");
        var newVariable = Key is null && Variable is not null && Variable != stored.ApiKeyVariable ? Variable : null;
        if (RemoveKey && Key is null && newVariable is null)
        {
            clear.Add("apiKey");
        }
        return new UpdateModelProfileRequest
        {
            Name = Name?.Trim(),
            BaseUrl = BaseUrl?.Trim(),
            Model = Model?.Trim(),
            ApiKey = Key,
            ApiKeyVariable = newVariable,
            Temperature = Temperature,
            ReasoningEffort = Format.Blank(ReasoningEffort),
            MaxOutputTokens = MaxOutputTokens,
            TimeoutSeconds = TimeoutSeconds,
            MaxConcurrency = MaxConcurrency,
            RequestsPerMinute = RequestsPerMinute,
            Prices = Prices,
            StructuredOutput = StructuredOutput,
            Clear = clear,
            RowVersion = stored.RowVersion,
            AllowedProjectIds = [.. AllowedProjectIds],
            DailySpendingCap = DailySpendingCap,
            RunSpendingCap = RunSpendingCap,
        };
    }
}

/// <summary>How the profiles list describes a profile: where its key comes from, its caps and who may use it.</summary>
public static class ProfileLabels
{
    public static string Key(ModelProfileResponse p) =>
        p.HasStoredKey ? "stored (encrypted)" : p.ApiKeyVariable is { } name ? $"from {name}" : "none";

    public static string Caps(ModelProfileResponse p)
    {
        var day = p.DailySpendingCap;
        var run = p.RunSpendingCap;
        if (day is null && run is null)
        {
            return "no caps";
        }
        return string.Join(" · ", new[] { day is { } d ? $"{Money(d)}/day" : null, run is { } r ? $"{Money(r)}/run" : null }.OfType<string>());
    }

    /// <summary>The projects allowed to use it by name; a count when some are not among <paramref name="projects"/>.</summary>
    public static string Allowed(ModelProfileResponse p, IReadOnlyList<ProjectResponse> projects)
    {
        var ids = p.AllowedProjectIds ?? [];
        if (ids.Count == 0)
        {
            return "site admins only";
        }
        var names = projects.Where(x => ids.Contains(x.Id)).Select(x => x.Name).ToList();
        return names.Count == ids.Count ? string.Join(", ", names) : $"{ids.Count} project{(ids.Count == 1 ? "" : "s")}";
    }

    public static string Money(decimal value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
