using Bunit;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Pages.Account;
using GradingPortal.Web.Components.Pages.Admin;
using MudBlazor.Services;

namespace GradingPortal.Web.Tests;

/// <summary>
/// bUnit and plain tests for the logic of the model profiles and tokens pages: what a profile's PATCH clears, how a
/// profile is described, a connection test's outcome, and what a token's expiry date means.
/// </summary>
public sealed class AccountComponentsTests : BunitContext
{
    public AccountComponentsTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    /// <summary>A stored profile as the generated client reads it.</summary>
    private static ModelProfileResponse Stored(bool storedKey = true, string? variable = null, decimal? daily = 25m, decimal? run = 2.5m,
        Guid[]? allowed = null) => new()
    {
        Id = Guid.NewGuid(),
        Name = "Fake",
        BaseUrl = "http://127.0.0.1:9/v1",
        Model = "fake-model-1",
        HasStoredKey = storedKey,
        ApiKeyVariable = variable,
        Temperature = 0.2,
        ReasoningEffort = "low",
        MaxOutputTokens = 2000,
        TimeoutSeconds = 600,
        MaxConcurrency = 4,
        RequestsPerMinute = 60,
        Prices = new ModelPricesDto { Input = 1.25m, CachedInput = 0.125m, Output = 10m },
        StructuredOutput = "jsonSchema",
        RowVersion = 7,
        AllowedProjectIds = allowed ?? [],
        DailySpendingCap = daily,
        RunSpendingCap = run,
    };

    [Theory]
    [InlineData("DisplayName", false, "name")]
    [InlineData("Email", true, "-email")]
    [InlineData("CreatedAt", true, "-createdAt")]
    [InlineData("DisabledAt", false, "status")]
    [InlineData("DisabledAt", true, "-status")]
    [InlineData("Actions", false, null)]
    public void UsersPage_GridColumnSorted_AsksTheApiForThatOrder(string column, bool descending, string? expected) =>
        UserListView.Sorts.ApiSort(column, descending).ShouldBe(expected);

    [Fact]
    public void ProfileDraft_FromStoredProfile_KeepsValuesButNeverAKey()
    {
        var draft = ProfileDraft.From(Stored());

        draft.ApiKey.ShouldBeNull();
        draft.PriceCachedInput.ShouldBe(0.125m);
        draft.DailySpendingCap.ShouldBe(25m);
        draft.RunSpendingCap.ShouldBe(2.5m);
        draft.ReasoningEffort.ShouldBe("low");
    }

    [Fact]
    public void ProfileDraft_UnchangedEdit_ClearsNothingAndSendsTheRowVersion()
    {
        var stored = Stored();

        var update = ProfileDraft.From(stored).ToUpdate(stored);

        update.Clear.ShouldBeEmpty();
        update.RowVersion.ShouldBe(7);
        update.ApiKey.ShouldBeNull();
        update.ApiKeyVariable.ShouldBeNull();
    }

    [Fact]
    public void ProfileDraft_EmptiedOptionalFields_AreNamedInClear()
    {
        var stored = Stored();
        var draft = ProfileDraft.From(stored);
        draft.Temperature = null;
        draft.ReasoningEffort = " ";
        draft.MaxOutputTokens = null;
        draft.RequestsPerMinute = null;
        draft.RunSpendingCap = null;

        var update = draft.ToUpdate(stored);

        update.Clear.ShouldBe(["temperature", "reasoningEffort", "maxOutputTokens", "requestsPerMinute", "runSpendingCap"]);
        update.ReasoningEffort.ShouldBeNull();
        update.DailySpendingCap.ShouldBe(25m);
    }

    [Fact]
    public void ProfileDraft_RemoveKeyTicked_ClearsTheKeyUnlessANewOneIsTyped()
    {
        var stored = Stored();
        var draft = ProfileDraft.From(stored);
        draft.RemoveKey = true;
        draft.ToUpdate(stored).Clear.ShouldBe(["apiKey"]);

        draft.ApiKey = "sk-new";
        var replaced = draft.ToUpdate(stored);
        replaced.Clear.ShouldBeEmpty();
        replaced.ApiKey.ShouldBe("sk-new");
    }

    [Fact]
    public void ProfileDraft_VariableName_IsSentOnlyWhenChangedAndNoKeyTyped()
    {
        var stored = Stored(storedKey: false, variable: "GP_MODEL_KEY_A");
        var draft = ProfileDraft.From(stored);
        draft.ToUpdate(stored).ApiKeyVariable.ShouldBeNull();

        draft.ApiKeyVariable = "GP_MODEL_KEY_B";
        draft.ToUpdate(stored).ApiKeyVariable.ShouldBe("GP_MODEL_KEY_B");

        var create = new ProfileDraft { ApiKey = "sk-typed", ApiKeyVariable = "GP_MODEL_KEY_B" }.ToCreate();
        create.ApiKey.ShouldBe("sk-typed");
        create.ApiKeyVariable.ShouldBeNull();
    }

    [Fact]
    public void ProfileDraft_ForgetKey_DropsTheTypedKey()
    {
        var draft = new ProfileDraft { ApiKey = "sk-typed" };

        draft.ForgetKey();

        draft.ToCreate().ApiKey.ShouldBeNull();
    }

    [Fact]
    public void ProfileLabels_DescribeKeyCapsAndAllowList()
    {
        var project = new ProjectResponse { Id = Guid.NewGuid(), Name = "USAMO" };

        ProfileLabels.Key(Stored()).ShouldBe("stored (encrypted)");
        ProfileLabels.Key(Stored(storedKey: false, variable: "GP_MODEL_KEY_A")).ShouldBe("from GP_MODEL_KEY_A");
        ProfileLabels.Key(Stored(storedKey: false)).ShouldBe("none");
        ProfileLabels.Caps(Stored()).ShouldBe("25/day · 2.5/run");
        ProfileLabels.Caps(Stored(daily: null)).ShouldBe("2.5/run");
        ProfileLabels.Caps(Stored(daily: null, run: null)).ShouldBe("no caps");
        ProfileLabels.Allowed(Stored(), [project]).ShouldBe("site admins only");
        ProfileLabels.Allowed(Stored(allowed: [project.Id]), [project]).ShouldBe("USAMO");
        ProfileLabels.Allowed(Stored(allowed: [project.Id, Guid.NewGuid()]), [project]).ShouldBe("2 projects");
        ProfileLabels.Money(0.125m).ShouldBe("0.125");
    }

    [Fact]
    public void ProfileTestOutcome_ShowsSuccessFailureOrTheApiError()
    {
        var ok = Render<ProfileTestOutcome>(p => p.Add(c => c.Result, new ModelProfileTestResponse { Ok = true, LatencyMs = 42, Model = "fake-model-1" }));
        ok.Find("[data-testid=test-ok]").TextContent.ShouldContain("Connected in 42 ms");

        var failed = Render<ProfileTestOutcome>(p => p.Add(c => c.Result, new ModelProfileTestResponse { Ok = false, Model = "m", Error = "401 from the endpoint" }));
        failed.Find("[data-testid=test-failed]").TextContent.ShouldBe("401 from the endpoint");

        var refused = Render<ProfileTestOutcome>(p => p.Add(c => c.Error, ApiError.Unreachable));
        refused.Find("[data-testid=test-failed]").TextContent.ShouldBe(ApiError.Unreachable.Message);

        var running = Render<ProfileTestOutcome>(p => p.Add(c => c.Running, true));
        running.FindAll("[data-testid=test-ok], [data-testid=test-failed]").ShouldBeEmpty();
    }

    [Theory]
    [InlineData("2027-03-01", "2027-03-01T00:00:00+00:00")]
    [InlineData("", null)]
    [InlineData(null, null)]
    [InlineData("01/03/2027", null)]
    public void TokenExpiry_FromDate_IsMidnightUtcOfThatDay(string? day, string? expected)
    {
        TokenExpiry.FromDate(day).ShouldBe(expected is null ? null : DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture));
    }
}
