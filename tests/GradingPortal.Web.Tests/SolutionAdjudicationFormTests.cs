using Bunit;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Pages.Solutions;
using Microsoft.AspNetCore.Components;
using MudBlazor.Services;

namespace GradingPortal.Web.Tests;

/// <summary>
/// bUnit: the final grade's form in MudBlazor's markup without its components (ADR 022): what is typed and chosen reaches
/// the page, the Api's field errors show at their fields, and the elements and classes are those MudNumericField,
/// MudTextField and MudCheckBox render, so an upgrade of MudBlazor that changes them fails here.
/// </summary>
public sealed class SolutionAdjudicationFormTests : BunitContext
{
    private static readonly HumanGradeResponse[] s_grades =
    [
        new() { Id = Guid.NewGuid(), GraderName = "Ann", Points = 3m, Comment = "", CreatedAt = DateTimeOffset.UtcNow },
        new() { Id = Guid.NewGuid(), GraderName = "Bo", Points = 4.5m, Comment = "", CreatedAt = DateTimeOffset.UtcNow },
    ];

    public SolutionAdjudicationFormTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private IRenderedComponent<SolutionAdjudicationForm> Form(decimal? points = null, string rationale = "", ApiError? error = null,
        HashSet<Guid>? basedOn = null, Action<decimal?>? onPoints = null, Action<string>? onRationale = null,
        Action<(Guid, bool)>? onToggle = null, Action? onSubmit = null) =>
        Render<SolutionAdjudicationForm>(p => p
            .Add(c => c.MaxPoints, 7).Add(c => c.Grades, s_grades).Add(c => c.Points, points).Add(c => c.Rationale, rationale)
            .Add(c => c.BasedOn, basedOn ?? [s_grades[0].Id]).Add(c => c.Error, error)
            .Add(c => c.PointsChanged, (decimal? v) => onPoints?.Invoke(v))
            .Add(c => c.RationaleChanged, (string v) => onRationale?.Invoke(v))
            .Add(c => c.OnToggle, ((Guid, bool) v) => onToggle?.Invoke(v))
            .Add(c => c.OnSubmit, () => onSubmit?.Invoke()));

    private static ApiError FieldErrors(params (string Field, string Message)[] fields) =>
        new(400, "One or more validation errors occurred.", fields.ToDictionary(f => f.Field, f => (IReadOnlyList<string>)[f.Message]));

    [Fact]
    public void AdjudicationForm_TypedAndChosen_ReachesThePage()
    {
        decimal? points = -1;
        string? rationale = null;
        (Guid, bool)? toggled = null;
        var submitted = false;
        var form = Form(onPoints: v => points = v, onRationale: v => rationale = v, onToggle: v => toggled = v, onSubmit: () => submitted = true);

        form.Find("#adjudication-points").Change("5.5");
        points.ShouldBe(5.5m);
        form.Find("#adjudication-points").Change("");
        points.ShouldBeNull();
        form.Find("#adjudication-rationale").Change("Both graders agree.");
        rationale.ShouldBe("Both graders agree.");
        form.FindAll("[data-testid=based-on] input[type=checkbox]")[0].Change(false);
        toggled.ShouldBe((s_grades[0].Id, false));
        form.FindAll("[data-testid=based-on] input[type=checkbox]")[1].Change(true);
        toggled.ShouldBe((s_grades[1].Id, true));
        form.Find("[data-testid=submit-adjudication]").Click();
        submitted.ShouldBeTrue();
    }

    [Fact]
    public void AdjudicationForm_ChosenAndValues_AreShownChecked()
    {
        var form = Form(points: 6.5m, rationale: "Because.");

        form.Find("#adjudication-points").GetAttribute("value").ShouldBe("6.5");
        form.Find("#adjudication-rationale").TextContent.ShouldBe("Because.");
        var boxes = form.FindAll("[data-testid=based-on] input[type=checkbox]");
        boxes.Select(b => b.HasAttribute("checked")).ShouldBe([true, false]);
        form.FindAll("[data-testid=based-on]").Select(b => b.TextContent.Trim()).ShouldBe(["Ann (3)", "Bo (4.5)"]);
        form.Find("[data-testid=submit-adjudication]").TextContent.Trim().ShouldBe("Set final grade");
    }

    [Fact]
    public void AdjudicationForm_ApiFieldErrors_ShowAtTheirFieldsWithoutTheGeneralMessage()
    {
        var form = Form(error: FieldErrors(("points", "Points must be between 0 and 7."), ("rationale", "An adjudication needs a rationale."),
            ("basedOn[1]", "Not a grade of this solution.")));

        form.Find("[data-testid=adjudication-points-error]").TextContent.ShouldBe("Points must be between 0 and 7.");
        form.Find("#adjudication-points").GetAttribute("aria-invalid").ShouldBe("true");
        form.Find("[data-testid=adjudication-rationale-error]").TextContent.ShouldBe("An adjudication needs a rationale.");
        form.Find("#adjudication-rationale").GetAttribute("aria-invalid").ShouldBe("true");
        form.Find("[data-testid=adjudication-based-on-error]").TextContent.ShouldBe("Not a grade of this solution.");
        form.FindAll("[data-testid=adjudication-error]").ShouldBeEmpty();
    }

    [Fact]
    public void AdjudicationForm_RefusedWithoutFieldErrors_ShowsTheMessageAndMarksNoField()
    {
        var form = Form(error: new ApiError(409, "Someone changed this meanwhile. Reload to see their version.", new Dictionary<string, IReadOnlyList<string>>()));

        form.Find("[data-testid=adjudication-error]").TextContent.ShouldContain("Someone changed this meanwhile.");
        form.Find("#adjudication-points").GetAttribute("aria-invalid").ShouldBe("false");
        form.FindAll(".mud-input-error").ShouldBeEmpty();
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(2.5, "Points must be between 0 and 7.")]
    public void AdjudicationForm_PointsField_HasMudNumericFieldsElementsAndClasses(double? given, string? error)
    {
        var points = (decimal?)given;
        var form = Form(points: points, error: error is null ? null : FieldErrors(("points", error)));
        var mud = Render<MudBlazor.MudNumericField<decimal?>>(p => p.Add(c => c.Value, points).Add(c => c.Label, "Final points").Add(c => c.Min, 0m)
            .Add(c => c.Max, 7m).Add(c => c.Step, 0.5m).Add(c => c.Variant, MudBlazor.Variant.Outlined).Add(c => c.Margin, MudBlazor.Margin.Dense)
            .Add(c => c.InputId, "adjudication-points").Add(c => c.AdornmentText, "/ 7").Add(c => c.Adornment, MudBlazor.Adornment.End)
            .Add(c => c.HideSpinButtons, true).Add(c => c.Error, error is not null).Add(c => c.ErrorText, error));

        var mine = form.Find("#adjudication-points").Closest(".mud-input-control")!;
        Shape(mine).ShouldBe(Shape(mud.Find(".mud-input-control")));
        Text(mine).ShouldBe(mud.Find(".mud-input-control").TextContent);
        form.Find("#adjudication-points").GetAttribute("value").ShouldBe(mud.Find("input").GetAttribute("value") ?? "");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("An adjudication needs a rationale.")]
    public void AdjudicationForm_RationaleField_HasMudTextFieldsElementsAndClasses(string? error)
    {
        var form = Form(rationale: "Because.", error: error is null ? null : FieldErrors(("rationale", error)));
        var mud = Render<MudBlazor.MudTextField<string>>(p => p.Add(c => c.Value, "Because.").Add(c => c.Label, "Rationale").Add(c => c.Lines, 3)
            .Add(c => c.Variant, MudBlazor.Variant.Outlined).Add(c => c.InputId, "adjudication-rationale").Add(c => c.Placeholder, "Why this is the final grade")
            .Add(c => c.Error, error is not null).Add(c => c.ErrorText, error));

        var mine = form.Find("#adjudication-rationale").Closest(".mud-input-control")!;
        Shape(mine).ShouldBe(Shape(mud.Find(".mud-input-control")));
        Text(mine).ShouldBe(mud.Find(".mud-input-control").TextContent);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AdjudicationForm_Choice_HasMudCheckBoxsElementsAndClasses(bool on)
    {
        var form = Form(basedOn: on ? [s_grades[0].Id] : []);
        var mud = Render<MudBlazor.MudCheckBox<bool>>(p => p.Add(c => c.Value, on).Add(c => c.Dense, true).AddChildContent("Ann (3)"));

        var mine = form.FindAll("[data-testid=based-on]")[0];
        Shape(mine).ShouldBe(Shape(mud.Find(".mud-input-control")));
        mine.QuerySelector("svg")!.InnerHtml.ShouldBe(mud.Find("svg").InnerHtml);
    }

    [Fact]
    public void MudMarkupGrid_SpacingThreeWithTwoColumns_HasTheClassesMudGridAndMudItemRender()
    {
        var grid = Render<MudBlazor.MudGrid>(p => p.Add(c => c.Spacing, 3).AddChildContent<MudBlazor.MudItem>(i => i.Add(c => c.xs, 12).Add(c => c.md, 7)));

        grid.Find(".mud-grid").GetAttribute("class").ShouldBe(MudMarkup.Grid(3));
        grid.Find(".mud-grid-item").GetAttribute("class").ShouldBe(MudMarkup.GridItem(12, 7));
    }

    // Tag and classes of an element and everything in it, leaving out MudBlazor's hidden slot for child content.
    private static List<string> Shape(AngleSharp.Dom.IElement root) =>
        [.. new[] { root }.Concat(root.QuerySelectorAll("*")).Where(e => e.GetAttribute("style") != "display:none")
            .Select(e => e.TagName + " " + string.Join(' ', e.ClassList.Order(StringComparer.Ordinal)))];

    // The form's markup is laid out on lines; MudBlazor's has no whitespace between elements.
    private static string Text(AngleSharp.Dom.IElement element) =>
        System.Text.RegularExpressions.Regex.Replace(element.TextContent, @"\s*\n\s*", "");
}
