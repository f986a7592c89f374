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

/// <summary>The settings a profile is created or edited with. Exactly one key source, or none (local servers).</summary>
public sealed record ModelProfileSettings(string Name, string BaseUrl, string Model, double? Temperature, string? ReasoningEffort,
    int? MaxOutputTokens, int TimeoutSeconds, int MaxConcurrency, int? RequestsPerMinute, ModelPrices Prices,
    StructuredOutputMode StructuredOutput);

/// <summary>
/// An OpenAI-compatible model endpoint that grading runs call: where it is, which model, with which settings, limits and
/// prices. The key is either the name of a configuration/environment variable read by the Worker, or a key encrypted by
/// the Api with ASP.NET Core data protection (<see cref="ProtectedApiKey"/>); the plain key is never stored or returned.
/// </summary>
public sealed class ModelProfile : AuditedEntity
{
    public const int DefaultTimeoutSeconds = 600;
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
    public uint RowVersion { get; private set; }

    /// <summary>Data-protection purpose string shared by the Api (protects) and the Worker (unprotects).</summary>
    public const string KeyProtectionPurpose = "GradingPortal.ModelProfiles.ApiKey.v1";

    /// <summary>Application name both hosts give data protection so they share the key ring in PostgreSQL.</summary>
    public const string DataProtectionApplicationName = "GradingPortal.Api";

    public bool HasStoredKey => ProtectedApiKey is not null;

    public ModelPrices Prices => new(PriceInput, PriceCachedInput, PriceOutput);

    public static ModelProfile Create(ModelProfileSettings settings, string? apiKeyVariable, string? protectedApiKey, Guid? createdById,
        DateTimeOffset now)
    {
        var profile = new ModelProfile { Id = Ids.New(), CreatedById = createdById, CreatedAt = now };
        profile.Apply(settings, now);
        profile.SetKey(apiKeyVariable, protectedApiKey, now, validateOnly: false);
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
        errors.Require(apiKeyVariable is null || (apiKeyVariable.Length <= 200 && apiKeyVariable.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':' or '.' or '-')),
            "apiKeyVariable", "A variable name uses letters, digits, '_', ':', '.', '-' (at most 200).");
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
        UpdatedAt = now;
    }

    internal override string AuditEntityType => "modelProfile";
    internal override Guid? AuditProjectId => null;
    // Never the key: only whether one is stored and which variable names it.
    internal override object AuditSnapshot() => new { Snapshot = Snapshot(), ApiKeyVariable, HasStoredKey, IsDeleted };
}
