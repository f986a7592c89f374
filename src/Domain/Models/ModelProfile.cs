using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Models;

/// <summary>How a profile asks for structured output.</summary>
public enum StructuredOutputMode
{
    /// <summary><c>response_format: json_schema</c> with <c>strict: true</c> (OpenAI, Gemini, vLLM, llama.cpp, recent Ollama).</summary>
    JsonSchema = 0,
    /// <summary><c>response_format: json_object</c>; the schema travels in the instructions, output is validated and repaired once.</summary>
    JsonMode = 1,
}

/// <summary>Prices in a currency unit per million tokens.</summary>
public sealed record ModelPrices(decimal Input, decimal CachedInput, decimal Output)
{
    public static readonly ModelPrices Free = new(0, 0, 0);

    /// <summary>Cost of one call. Cached input tokens are part of the input count and billed at the cached price.</summary>
    public decimal CostOf(long inputTokens, long cachedInputTokens, long outputTokens)
    {
        var cached = Math.Clamp(cachedInputTokens, 0, Math.Max(0, inputTokens));
        return ((inputTokens - cached) * Input + cached * CachedInput + outputTokens * Output) / 1_000_000m;
    }
}

/// <summary>Everything about a profile except its key: what a run and every stage call record as provenance.</summary>
public sealed record ModelProfileSnapshot(Guid Id, string Name, string BaseUrl, string Model, double? Temperature, string? ReasoningEffort,
    int? MaxOutputTokens, int TimeoutSeconds, int MaxConcurrency, int? RequestsPerMinute, ModelPrices Prices, string StructuredOutput);

/// <summary>
/// The settings a profile is created or edited with. Exactly one key source, or none (local servers). Spending caps are
/// in the currency of <see cref="Prices"/>: per UTC day across every run on the profile, and per run; null = no cap.
/// </summary>
public sealed record ModelProfileSettings(string Name, string BaseUrl, string Model, double? Temperature, string? ReasoningEffort,
    int? MaxOutputTokens, int TimeoutSeconds, int MaxConcurrency, int? RequestsPerMinute, ModelPrices Prices,
    StructuredOutputMode StructuredOutput, decimal? DailySpendingCap = null, decimal? RunSpendingCap = null);

/// <summary>
/// Where a profile's key variable may be read from. A name is <c>GP_MODEL_KEY_</c> followed by letters, digits and single
/// underscores: the environment variable of that name, or else the configuration entry <c>ModelKeys:&lt;rest of the name&gt;</c>
/// (so <c>GP_MODEL_KEY_OPENAI</c> is also found as <c>ModelKeys:OPENAI</c>, matched without regard to case). A name can never
/// reach any other setting: <c>:</c> and <c>__</c>, which address nested configuration, are refused.
/// </summary>
public static class ModelKeyNames
{
    public const string Prefix = "GP_MODEL_KEY_";
    public const string Section = "ModelKeys";
    public const int MaxLength = 200;

    /// <summary>Why <paramref name="name"/> cannot name a key, or null when it can.</summary>
    public static string? Problem(string name)
    {
        if (name.Contains(':', StringComparison.Ordinal) || name.Contains("__", StringComparison.Ordinal))
        {
            return $"A key variable cannot contain ':' or '__' (they reach other settings); use {Prefix}<NAME>, e.g. {Prefix}OPENAI.";
        }
        var rest = name.StartsWith(Prefix, StringComparison.Ordinal) ? name[Prefix.Length..] : null;
        if (rest is null || rest.Length == 0 || name.Length > MaxLength || rest.EndsWith('_')
            || !rest.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            return $"A key variable is named {Prefix}<NAME> (letters, digits and single underscores, at most {MaxLength} characters), e.g. {Prefix}OPENAI.";
        }
        return null;
    }

    /// <summary>The entry under <see cref="Section"/> that also holds the key of a valid <paramref name="name"/>.</summary>
    public static string SectionKey(string name) => $"{Section}:{name[Prefix.Length..]}";
}

/// <summary>
/// An OpenAI-compatible model endpoint that grading runs call: where it is, which model, with which settings, limits and
/// prices. The key is either the name of a configuration/environment variable read by the Worker, or a key encrypted by
/// the Api with ASP.NET Core data protection (<see cref="ProtectedApiKey"/>); the plain key is never stored or returned.
/// </summary>
public sealed class ModelProfile : AuditedEntity
{
    public const int DefaultTimeoutSeconds = 600;
    public const decimal MaxSpendingCap = 100_000_000m;
    public static readonly IReadOnlyList<string> ReasoningEfforts = ["minimal", "low", "medium", "high"];

    private ModelProfile()
    {
    }

    public string Name { get; private set; } = "";
    public string BaseUrl { get; private set; } = "";
    public string Model { get; private set; } = "";
    /// <summary>Name of the configuration key / environment variable that holds the API key.</summary>
    public string? ApiKeyVariable { get; private set; }
    /// <summary>The API key encrypted with data protection (purpose <see cref="KeyProtectionPurpose"/>).</summary>
    public string? ProtectedApiKey { get; private set; }
    public double? Temperature { get; private set; }
    public string? ReasoningEffort { get; private set; }
    public int? MaxOutputTokens { get; private set; }
    public int TimeoutSeconds { get; private set; } = DefaultTimeoutSeconds;
    /// <summary>Requests in flight at once, across all Workers together.</summary>
    public int MaxConcurrency { get; private set; } = 4;
    /// <summary>Requests started per rolling minute, across all Workers together; null = unlimited.</summary>
    public int? RequestsPerMinute { get; private set; }
    public decimal PriceInput { get; private set; }
    public decimal PriceCachedInput { get; private set; }
    public decimal PriceOutput { get; private set; }
    public StructuredOutputMode StructuredOutput { get; private set; }
    public bool IsDeleted { get; private set; }
    public Guid? CreatedById { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    /// <summary>Spending cap per UTC day across every run on the profile, in the currency of the prices; null = none.</summary>
    public decimal? DailySpendingCap { get; private set; }
    /// <summary>Spending cap of one run, in the currency of the prices; null = none.</summary>
    public decimal? RunSpendingCap { get; private set; }
    /// <summary>
    /// Projects whose Adjudicators and Admins may run this profile (site administrators may run any profile anywhere). A new
    /// profile allows none.
    /// </summary>
    public List<Guid> AllowedProjectIds { get; private set; } = [];
    public uint RowVersion { get; private set; }

    /// <summary>Data-protection purpose string shared by the Api (protects) and the Worker (unprotects).</summary>
    public const string KeyProtectionPurpose = "GradingPortal.ModelProfiles.ApiKey.v1";

    /// <summary>Application name both hosts give data protection so they share the key ring in PostgreSQL.</summary>
    public const string DataProtectionApplicationName = "GradingPortal.Api";

    public bool HasStoredKey => ProtectedApiKey is not null;

    public ModelPrices Prices => new(PriceInput, PriceCachedInput, PriceOutput);

    /// <summary>
    /// Why the stored key variable cannot be used (a name from before keys were confined to <see cref="ModelKeyNames"/>), or
    /// null. Such a profile resolves to no key and makes no call until an admin names a valid variable or stores a key.
    /// </summary>
    public string? KeyProblem => ApiKeyVariable is { } name && ModelKeyNames.Problem(name) is { } problem
        ? $"The key variable '{name}' is no longer read: {problem}"
        : null;

    /// <summary>The one rule of who may start runs on this profile in a project: site administrators anywhere, others where it is allowed.</summary>
    public bool MayBeUsedIn(Guid projectId, bool isSiteAdmin) => isSiteAdmin || AllowedProjectIds.Contains(projectId);

    /// <summary>Replaces the projects allowed to use the profile.</summary>
    public void AllowProjects(IEnumerable<Guid> projectIds, DateTimeOffset now)
    {
        AllowedProjectIds = [.. projectIds.Where(id => id != Guid.Empty).Distinct().Order()];
        UpdatedAt = now;
    }

    public static ModelProfile Create(ModelProfileSettings settings, string? apiKeyVariable, string? protectedApiKey, Guid? createdById,
        DateTimeOffset now, IEnumerable<Guid>? allowedProjectIds = null)
    {
        var profile = new ModelProfile { Id = Ids.New(), CreatedById = createdById, CreatedAt = now };
        profile.Apply(settings, now);
        profile.SetKey(apiKeyVariable, protectedApiKey, now, validateOnly: false);
        profile.AllowProjects(allowedProjectIds ?? [], now);
        return profile;
    }

    /// <summary>Replaces the settings (the key is changed separately with <see cref="SetKey"/>).</summary>
    public void Update(ModelProfileSettings settings, DateTimeOffset now) => Apply(settings, now);

    /// <summary>
    /// Sets the key source: a variable name, or an already protected key; passing neither removes the key (for servers
    /// that need none). Both at once is an error.
    /// </summary>
    public void SetKey(string? apiKeyVariable, string? protectedApiKey, DateTimeOffset now, bool validateOnly = false)
    {
        var errors = new ValidationErrors();
        apiKeyVariable = string.IsNullOrWhiteSpace(apiKeyVariable) ? null : apiKeyVariable.Trim();
        errors.Require(apiKeyVariable is null || protectedApiKey is null, "apiKey", "Give either apiKey or apiKeyVariable, not both.");
        if (apiKeyVariable is not null && ModelKeyNames.Problem(apiKeyVariable) is { } problem)
        {
            errors.Add("apiKeyVariable", problem);
        }
        errors.ThrowIfAny();
        if (validateOnly)
        {
            return;
        }
        ApiKeyVariable = apiKeyVariable;
        ProtectedApiKey = protectedApiKey;
        UpdatedAt = now;
        MarkAuditAction("keyChanged");
    }

    public void Delete(DateTimeOffset now)
    {
        IsDeleted = true;
        UpdatedAt = now;
        MarkAuditAction("deleted");
    }

    public ModelProfileSnapshot Snapshot() => new(Id, Name, BaseUrl, Model, Temperature, ReasoningEffort, MaxOutputTokens, TimeoutSeconds,
        MaxConcurrency, RequestsPerMinute, Prices, StructuredOutput == StructuredOutputMode.JsonSchema ? "jsonSchema" : "jsonMode");

    /// <summary>Validates settings without a profile (the Api reports every field error at once).</summary>
    public static void Validate(ModelProfileSettings s)
    {
        var errors = new ValidationErrors();
        errors.Require(!string.IsNullOrWhiteSpace(s.Name) && s.Name.Trim().Length <= 200, "name", "A name is required (at most 200 characters).");
        errors.Require(Uri.TryCreate(s.BaseUrl?.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && string.IsNullOrEmpty(uri.UserInfo) && string.IsNullOrEmpty(uri.Query),
            "baseUrl", "The base URL must be an absolute http(s) URL without credentials or query, e.g. https://api.openai.com/v1.");
        errors.Require(!string.IsNullOrWhiteSpace(s.Model) && s.Model.Trim().Length <= 200, "model", "A model id is required (at most 200 characters).");
        errors.Require(s.Temperature is null || (s.Temperature >= 0 && s.Temperature <= 2), "temperature", "Temperature is between 0 and 2.");
        errors.Require(s.ReasoningEffort is null || ReasoningEfforts.Contains(s.ReasoningEffort), "reasoningEffort",
            $"Reasoning effort is one of {string.Join(", ", ReasoningEfforts)}.");
        errors.Require(s.MaxOutputTokens is null || (s.MaxOutputTokens >= 16 && s.MaxOutputTokens <= 1_000_000), "maxOutputTokens",
            "Max output tokens is between 16 and 1,000,000.");
        errors.Require(s.TimeoutSeconds >= 1 && s.TimeoutSeconds <= 7200, "timeoutSeconds", "The timeout is between 1 and 7,200 seconds.");
        errors.Require(s.MaxConcurrency >= 1 && s.MaxConcurrency <= 1000, "maxConcurrency", "Max concurrency is between 1 and 1,000.");
        errors.Require(s.RequestsPerMinute is null || (s.RequestsPerMinute >= 1 && s.RequestsPerMinute <= 1_000_000), "requestsPerMinute",
            "Requests per minute is between 1 and 1,000,000 (or absent for no limit).");
        errors.Require(s.Prices is { Input: >= 0, CachedInput: >= 0, Output: >= 0 }, "prices", "Prices cannot be negative.");
        // Above zero: a cap counts as reached once the spending is at least the cap, and a free local model spends nothing.
        errors.Require(s.DailySpendingCap is null || (s.DailySpendingCap > 0 && s.DailySpendingCap <= MaxSpendingCap), "dailySpendingCap",
            $"The daily spending cap is above 0 and at most {MaxSpendingCap:0} (or absent for none).");
        errors.Require(s.RunSpendingCap is null || (s.RunSpendingCap > 0 && s.RunSpendingCap <= MaxSpendingCap), "runSpendingCap",
            $"The per-run spending cap is above 0 and at most {MaxSpendingCap:0} (or absent for none).");
        errors.ThrowIfAny();
    }

    private void Apply(ModelProfileSettings s, DateTimeOffset now)
    {
        Validate(s);
        Name = s.Name.Trim();
        BaseUrl = s.BaseUrl.Trim().TrimEnd('/');
        Model = s.Model.Trim();
        Temperature = s.Temperature;
        ReasoningEffort = s.ReasoningEffort;
        MaxOutputTokens = s.MaxOutputTokens;
        TimeoutSeconds = s.TimeoutSeconds;
        MaxConcurrency = s.MaxConcurrency;
        RequestsPerMinute = s.RequestsPerMinute;
        PriceInput = s.Prices.Input;
        PriceCachedInput = s.Prices.CachedInput;
        PriceOutput = s.Prices.Output;
        StructuredOutput = s.StructuredOutput;
        DailySpendingCap = s.DailySpendingCap;
        RunSpendingCap = s.RunSpendingCap;
        UpdatedAt = now;
    }

    internal override string AuditEntityType => "modelProfile";
    internal override Guid? AuditProjectId => null;
    // Never the key: only whether one is stored and which variable names it.
    internal override object AuditSnapshot() => new
    {
        Snapshot = Snapshot(), ApiKeyVariable, HasStoredKey, IsDeleted, DailySpendingCap, RunSpendingCap, AllowedProjectIds,
    };
}
