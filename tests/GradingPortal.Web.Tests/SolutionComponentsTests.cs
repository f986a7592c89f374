using Bunit;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Pages.Solutions;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace GradingPortal.Web.Tests;

/// <summary>
/// bUnit: the solution page's pieces without hosts: the grade sheet's arithmetic and keys, the grade panel's blind
/// rules, the annotation list and the model grades' points.
/// </summary>
public sealed class SolutionComponentsTests : BunitContext
{
    private static readonly Guid s_me = Guid.NewGuid();

    public SolutionComponentsTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private static GradeSheet Sheet() =>
        new(7, [new SheetItem(Guid.NewGuid(), "Step one", null, 3), new SheetItem(Guid.NewGuid(), "Step two", null, 4)]);

    [Fact]
    public void GradeSheet_DigitThenHalf_GivesHalfPointsCapsAtTheItemMaximumAndSums()
    {
        var sheet = Sheet();

        sheet.Key("2", 0).ShouldBe(1);
        sheet.Key(".", 1);
        sheet.Key("5", 1);
        sheet.Key("9", 1).ShouldBe(1);

        sheet.Items[0].Points.ShouldBe(2.5m);
        sheet.Items[1].Points.ShouldBe(4m);
        sheet.Total.ShouldBe(6.5m);
        sheet.Complete.ShouldBeTrue();
    }

    [Fact]
    public void GradeSheet_HalfOnAFullItem_StaysAtItsMaximum()
    {
        var sheet = Sheet();
        sheet.Key("3", 0);
        sheet.Key(".", 1);
        sheet.Key("5", 1);

        sheet.Items[0].Points.ShouldBe(3m);
    }

    [Fact]
    public void GradeSheet_BlankOrOverMax_IsNotCompleteAndRequestSendsOnlyGivenItems()
    {
        var sheet = Sheet();
        sheet.Items[0].Points = 1.5m;
        sheet.Complete.ShouldBeFalse();
        sheet.Items[1].Points = 5m;
        sheet.OverMax.ShouldBeTrue();
        sheet.Items[1].Points = null;

        var request = sheet.ToRequest(rowVersion: 3);

        request.Points.ShouldBe(1.5m);
        request.Items!.Count.ShouldBe(1);
        request.RowVersion.ShouldBe(3);
    }

    [Fact]
    public void GradeSheet_KeyWithoutFocusedItem_DoesNothing()
    {
        var sheet = Sheet();
        sheet.Key("2", null).ShouldBeNull();
        sheet.Total.ShouldBe(0m);
    }

    [Fact]
    public void GradePanel_BlindWithTwoHidden_SaysHowManyAndListsNoOtherGrade()
    {
        var solution = Solution(blind: true, hidden: 2, others: 1);

        var panel = Render<SolutionGradePanel>(p => p.Add(c => c.Solution, solution).Add(c => c.Sheet, GradeSheet.For(solution)));

        panel.Find("[data-testid=blind-notice]").TextContent.ShouldBe("2 other grades hidden until you submit yours.");
        panel.FindAll("[data-testid=other-grade]").ShouldBeEmpty();
    }

    [Fact]
    public void GradePanel_NotBlind_ShowsOtherGradesAndTheRunningTotal()
    {
        var solution = Solution(blind: false, hidden: 0, others: 2);
        var sheet = GradeSheet.For(solution);
        sheet.Items[0].Points = 1.5m;

        var panel = Render<SolutionGradePanel>(p => p.Add(c => c.Solution, solution).Add(c => c.Sheet, sheet));

        panel.FindAll("[data-testid=blind-notice]").ShouldBeEmpty();
        panel.FindAll("[data-testid=other-grade]").Count.ShouldBe(2);
        panel.Find("[data-testid=grade-total-value]").TextContent.ShouldBe("1.5");
    }

    [Fact]
    public void GradePanel_PointsTyped_SetTheItemAndTheTotalAndOverMaxShowsTheLimit()
    {
        var solution = Solution(blind: false, hidden: 0, others: 0);
        var sheet = GradeSheet.For(solution);
        var panel = Render<SolutionGradePanel>(p => p.Add(c => c.Solution, solution).Add(c => c.Sheet, sheet));

        panel.Find("#grade-item-0").Change("2.5");
        panel.Find("#grade-item-1").Change("5");

        sheet.Items[0].Points.ShouldBe(2.5m);
        panel.Find("[data-testid=grade-total-value]").TextContent.ShouldBe("7.5");
        var over = panel.Find("#grade-item-1");
        over.GetAttribute("aria-invalid").ShouldBe("true");
        over.Closest(".mud-input-control")!.TextContent.ShouldContain("At most 4");
        panel.Find("#grade-item-0").GetAttribute("aria-invalid").ShouldBe("false");

        panel.Find("#grade-item-1").Change("");
        sheet.Items[1].Points.ShouldBeNull();
        panel.Find("#grade-item-1").GetAttribute("value").ShouldBe("");
    }

    [Fact]
    public void GradePanel_CommentsTyped_GoToTheSheet()
    {
        var solution = Solution(blind: false, hidden: 0, others: 0);
        var sheet = GradeSheet.For(solution);
        var panel = Render<SolutionGradePanel>(p => p.Add(c => c.Solution, solution).Add(c => c.Sheet, sheet));

        panel.Find("input[aria-label='Comment on Step two']").Change("Half of it.");
        panel.Find("#grade-comment").Change("Fine overall.");

        sheet.Items[1].Comment.ShouldBe("Half of it.");
        sheet.Comment.ShouldBe("Fine overall.");
    }

    // The panel's inputs are MudBlazor's markup without its components (ADR 022): the same elements and classes as
    // MudNumericField and MudTextField render, so an upgrade that changes them fails here.
    [Theory]
    [InlineData(null)]
    [InlineData(1.5)]
    [InlineData(5.0)]
    public void GradePanel_PointsField_HasMudNumericFieldsElementsAndClasses(double? given)
    {
        var points = (decimal?)given;
        var solution = Solution(blind: false, hidden: 0, others: 0);
        var sheet = GradeSheet.For(solution);
        sheet.Items[0].Points = points;
        var over = points > 3;
        var panel = Render<SolutionGradePanel>(p => p.Add(c => c.Solution, solution).Add(c => c.Sheet, sheet));
        var mud = Render<MudBlazor.MudNumericField<decimal?>>(p => p.Add(c => c.Value, points).Add(c => c.Min, 0m).Add(c => c.Max, 3m)
            .Add(c => c.Step, 0.5m).Add(c => c.Variant, MudBlazor.Variant.Outlined).Add(c => c.Margin, MudBlazor.Margin.Dense)
            .Add(c => c.Style, "width:7.5rem").Add(c => c.Adornment, MudBlazor.Adornment.End).Add(c => c.AdornmentText, "/ 3")
            .Add(c => c.InputId, "grade-item-0").Add(c => c.Label, "Points").Add(c => c.HideSpinButtons, true)
            .Add(c => c.Error, over).Add(c => c.ErrorText, over ? "At most 3" : null));

        var mine = panel.Find("#grade-item-0").Closest(".mud-input-control")!;
        Shape(mine).ShouldBe(Shape(mud.Find(".mud-input-control")));
        // The panel's markup is laid out on lines; MudBlazor's has no whitespace between elements.
        System.Text.RegularExpressions.Regex.Replace(mine.TextContent, @"\s*\n\s*", "").ShouldBe(mud.Find(".mud-input-control").TextContent);
        panel.Find("#grade-item-0").GetAttribute("value").ShouldBe(mud.Find("input").GetAttribute("value") ?? "");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Too short.")]
    public void GradePanel_CommentFields_HaveMudTextFieldsElementsAndClasses(string? error)
    {
        var solution = Solution(blind: false, hidden: 0, others: 0);
        var sheet = GradeSheet.For(solution);
        sheet.Comment = "Overall";
        var problem = error is null ? null : new ApiError(400, "Invalid", new Dictionary<string, IReadOnlyList<string>> { ["comment"] = [error] });
        var panel = Render<SolutionGradePanel>(p => p.Add(c => c.Solution, solution).Add(c => c.Sheet, sheet).Add(c => c.Error, problem));
        var itemComment = Render<MudBlazor.MudTextField<string>>(p => p.Add(c => c.Value, "").Add(c => c.Placeholder, "Comment on this item (optional)")
            .Add(c => c.Margin, MudBlazor.Margin.Dense).Add(c => c.Class, "mt-1"));
        var overall = Render<MudBlazor.MudTextField<string>>(p => p.Add(c => c.Value, "Overall").Add(c => c.Label, "Overall comment").Add(c => c.Lines, 2)
            .Add(c => c.Variant, MudBlazor.Variant.Outlined).Add(c => c.Placeholder, "What decided the grade").Add(c => c.InputId, "grade-comment")
            .Add(c => c.Error, error is not null).Add(c => c.ErrorText, error));

        Shape(panel.Find("input[aria-label='Comment on Step one']").Closest(".mud-input-control")!).ShouldBe(Shape(itemComment.Find(".mud-input-control")));
        Shape(panel.Find("#grade-comment").Closest(".mud-input-control")!).ShouldBe(Shape(overall.Find(".mud-input-control")));
        panel.Find("#grade-comment").TextContent.ShouldBe("Overall");
    }

    // Tag and classes of an element and everything in it, leaving out MudBlazor's hidden slot for child content.
    private static List<string> Shape(AngleSharp.Dom.IElement root) =>
        [.. new[] { root }.Concat(root.QuerySelectorAll("*")).Where(e => e.GetAttribute("style") != "display:none")
            .Select(e => e.TagName + " " + string.Join(' ', e.ClassList.Order(StringComparer.Ordinal)))];

    [Fact]
    public void BlindRules_OneHidden_IsSingular() =>
        BlindRules.HiddenNotice(1).ShouldBe("1 other grade hidden until you submit yours.");

    [Fact]
    public void AnnotationList_InTextOrder_OffersDeleteOnlyWhereAllowed()
    {
        AnnotationResponse[] annotations = [Annotation(40, 50, s_me, "second"), Annotation(5, 12, Guid.NewGuid(), "first")];

        var list = Render<SolutionAnnotations>(p => p.Add(c => c.Annotations, annotations)
            .Add(c => c.CanDelete, a => a.CanDelete)
            .Add(c => c.ErrorTypes, [new ErrorTypeResponse { Id = "logic", Label = "Logical gap" }]));

        var items = list.FindAll("[data-testid=annotation-item]");
        items.Count.ShouldBe(2);
        items[0].QuerySelector("[data-testid=annotation-comment]")!.TextContent.ShouldBe("first");
        items[0].QuerySelector("[data-testid=delete-annotation]").ShouldBeNull();
        items[1].QuerySelector("[data-testid=delete-annotation]").ShouldNotBeNull();
        items[0].TextContent.ShouldContain("Logical gap");
        list.Find("[data-testid=annotation-count]").TextContent.ShouldBe("2");
    }

    [Fact]
    public async Task AnnotationList_OwnAnnotation_OffersEditAndHandsItToThePage()
    {
        var mine = Annotation(5, 12, s_me, "mine");
        mine.CanEdit = true;
        AnnotationResponse[] annotations = [mine, Annotation(40, 50, Guid.NewGuid(), "theirs")];
        AnnotationResponse? edited = null;

        var list = Render<SolutionAnnotations>(p => p.Add(c => c.Annotations, annotations).Add(c => c.CanAnnotate, true)
            .Add(c => c.OnEdit, (AnnotationResponse a) => edited = a));

        var items = list.FindAll("[data-testid=annotation-item]");
        items[1].QuerySelector("[data-testid=edit-annotation]").ShouldBeNull();
        // What the page's module sends for a click on the pencil: the button's action and its item's key.
        var pencil = items[0].QuerySelector("[data-testid=edit-annotation]")!;
        await list.InvokeAsync(() => list.Instance.ActAsync(pencil.GetAttribute("data-gp-act")!, items[0].GetAttribute("data-gp-ann")!));
        edited.ShouldBeSameAs(mine);
    }

    [Fact]
    public async Task AnnotationList_ActionNotOfferedForTheItem_DoesNothing()
    {
        var theirs = Annotation(40, 50, Guid.NewGuid(), "theirs");
        AnnotationResponse? edited = null, deleted = null, shown = null;

        var list = Render<SolutionAnnotations>(p => p.Add(c => c.Annotations, [theirs]).Add(c => c.CanAnnotate, true)
            .Add(c => c.CanDelete, a => a.CanDelete).Add(c => c.OnEdit, (AnnotationResponse a) => edited = a)
            .Add(c => c.OnDelete, (AnnotationResponse a) => deleted = a).Add(c => c.OnShow, (AnnotationResponse a) => shown = a));

        var key = list.Find("[data-testid=annotation-item]").GetAttribute("data-gp-ann")!;
        await list.InvokeAsync(() => list.Instance.ActAsync("edit", key));
        await list.InvokeAsync(() => list.Instance.ActAsync("delete", key));
        await list.InvokeAsync(() => list.Instance.ActAsync("show", "a-key-of-no-item"));
        await list.InvokeAsync(() => list.Instance.ActAsync("show", key));

        edited.ShouldBeNull();
        deleted.ShouldBeNull();
        shown.ShouldBeSameAs(theirs);
    }

    [Fact]
    public void AnnotationList_Buttons_AreMudIconButtonsMarkupWithSpriteIcons()
    {
        var mine = Annotation(5, 12, s_me, "mine");
        mine.CanEdit = true;
        mine.CanDelete = true;

        var list = Render<SolutionAnnotations>(p => p.Add(c => c.Annotations, [mine]).Add(c => c.CanAnnotate, true).Add(c => c.CanDelete, a => a.CanDelete));
        var reference = Render<MudBlazor.MudIconButton>(p => p.Add(b => b.Icon, MudBlazor.Icons.Material.Filled.Edit)
            .Add(b => b.Size, MudBlazor.Size.Small).AddUnmatched("aria-label", "Edit annotation"));

        var buttons = list.FindAll("[data-gp-act]");
        buttons.Select(b => b.GetAttribute("aria-label")).ShouldBe(["Show in the proof", "Edit annotation", "Delete annotation"]);
        var mud = reference.Find("button");
        // Same classes on the button, its label and its icon as MudBlazor renders, so an upgrade that changes them fails here.
        buttons[1].ClassList.OrderBy(c => c).ShouldBe(mud.ClassList.OrderBy(c => c));
        buttons[1].QuerySelector("span")!.ClassName.ShouldBe(mud.QuerySelector("span")!.ClassName);
        buttons[1].QuerySelector("svg")!.ClassList.OrderBy(c => c).ShouldBe(mud.QuerySelector("svg")!.ClassList.OrderBy(c => c));
        buttons[1].QuerySelector("use")!.GetAttribute("href").ShouldBe("#" + GradingPortal.Web.Components.Ui.IconSprite.Edit);
        buttons.ShouldAllBe(b => b.TagName == "BUTTON");
    }

    [Fact]
    public void AnnotationList_Empty_TellsAGraderHowToAnnotate()
    {
        var list = Render<SolutionAnnotations>(p => p.Add(c => c.Annotations, []).Add(c => c.CanAnnotate, true));

        list.Find("[data-testid=no-annotations]").TextContent.ShouldContain("press a");
    }

    [Fact]
    public void ModelGrades_GradeWithoutPointsBesideOneWithHalfPoints_ShowsADashAndTheHalf()
    {
        var solution = Solution(blind: false, hidden: 0, others: 0);
        ModelGradeResponse Grade(decimal? points, string status) => new()
        {
            Id = Guid.NewGuid(), SolutionId = solution.Id, Source = "run", Model = "m", Points = points, MaxPoints = 7, Status = status,
            StatusReason = "", Summary = "", Rationale = "", CreatedAt = DateTimeOffset.UtcNow,
        };

        var list = Render<SolutionModelGrades>(p => p.Add(c => c.Solution, solution)
            .Add(c => c.Grades, [Grade(null, "needsAttention"), Grade(4.5m, "graded")]));

        // A grade the model could not finish has no points: it must not read as a zero.
        list.FindAll("[data-testid=model-grade-points]").Select(e => e.TextContent).ShouldBe(["–/7", "4.5/7"]);
    }

    // The solution page writes some buttons as MudBlazor's markup instead of its components (ADR 022): same classes, so the
    // same look and contrast, as long as MudBlazor renders them so. These fail when an upgrade of MudBlazor changes them.
    [Theory]
    [InlineData(MudBlazor.Variant.Outlined, MudBlazor.Color.Default, MudBlazor.Size.Small)]
    [InlineData(MudBlazor.Variant.Filled, MudBlazor.Color.Warning, MudBlazor.Size.Small)]
    [InlineData(MudBlazor.Variant.Filled, MudBlazor.Color.Primary, MudBlazor.Size.Medium)]
    [InlineData(MudBlazor.Variant.Text, MudBlazor.Color.Primary, MudBlazor.Size.Medium)]
    public void MudMarkupButton_VariantColorAndSize_HasTheClassesMudButtonRenders(MudBlazor.Variant variant, MudBlazor.Color color, MudBlazor.Size size)
    {
        var cut = Render<MudBlazor.MudButton>(p => p.Add(b => b.Variant, variant).Add(b => b.Color, color).Add(b => b.Size, size));

        cut.Find("button").GetAttribute("class").ShouldBe(MudMarkup.Button(variant, color, size));
    }

    [Fact]
    public void MudMarkupGroup_OutlinedSmall_HasTheClassesMudButtonGroupRendersAndItsButtonsKeepTheirDefaults()
    {
        var cut = Render<MudBlazor.MudButtonGroup>(p => p.Add(g => g.Variant, MudBlazor.Variant.Outlined).Add(g => g.Size, MudBlazor.Size.Small)
            .AddChildContent<MudBlazor.MudButton>(b => b.Add(x => x.Color, MudBlazor.Color.Primary)));

        cut.Find("[role=group]").GetAttribute("class").ShouldBe(MudMarkup.Group(MudBlazor.Variant.Outlined, MudBlazor.Size.Small));
        cut.Find("button").GetAttribute("class").ShouldBe(MudMarkup.Button(MudBlazor.Variant.Text, MudBlazor.Color.Primary, MudBlazor.Size.Medium));
    }

    [Fact]
    public void MudMarkupStartIcon_SmallButton_IsTheMarkupMudButtonRendersForItsStartIcon()
    {
        var icon = MudBlazor.Icons.Material.Filled.Download;
        var cut = Render<MudBlazor.MudButton>(p => p.Add(b => b.Size, MudBlazor.Size.Small).Add(b => b.StartIcon, icon));

        cut.Find(".mud-button-icon-start").MarkupMatches(MudMarkup.StartIcon(icon, MudBlazor.Size.Small).Value);
    }

    [Theory]
    [InlineData(MudBlazor.Color.Success)]
    [InlineData(MudBlazor.Color.Warning)]
    [InlineData(MudBlazor.Color.Default)]
    public void MudMarkupChip_FilledSmall_HasTheClassesMudChipRenders(MudBlazor.Color color)
    {
        var cut = Render<MudBlazor.MudChip<string>>(p => p.Add(c => c.Size, MudBlazor.Size.Small).Add(c => c.Color, color).AddChildContent("valid"));

        cut.Find(".mud-chip").GetAttribute("class").ShouldBe(MudMarkup.Chip(color));
        cut.Find(".mud-chip").ParentElement!.ClassName.ShouldBe("mud-chip-container");
    }

    [Fact]
    public void MudMarkupLinkAndTable_AsTheModelGradesUseThem_HaveTheClassesMudLinkAndMudSimpleTableRender()
    {
        var link = Render<MudBlazor.MudLink>(p => p.Add(c => c.Href, "/runs/1").Add(c => c.Underline, MudBlazor.Underline.Always).AddChildContent("run"));
        var table = Render<MudBlazor.MudSimpleTable>(p => p.Add(c => c.Dense, true).AddChildContent("<thead></thead>"));

        link.Find("a").GetAttribute("class").ShouldBe(MudMarkup.Link);
        table.Find(".mud-table").GetAttribute("class").ShouldBe(MudMarkup.SimpleTable);
        table.Find(".mud-table > .mud-table-container > table").ShouldNotBeNull();
    }

    [Fact]
    public void ModelGrades_FindingReviewedAndNot_AreMudButtonGroupsMarkupWithTheChoiceFilled()
    {
        var solution = Solution(blind: false, hidden: 0, others: 0);
        var grade = new ModelGradeResponse
        {
            Id = Guid.NewGuid(), Source = "run", Model = "m", Status = "valid", Points = 3m, MaxPoints = 7, CreatedAt = DateTimeOffset.UtcNow,
            RunId = Guid.NewGuid(), Summary = "Short.",
            Findings =
            [
                new ModelFindingResponse { Id = Guid.NewGuid(), Severity = "major", Category = "logic", Explanation = "Gap.", Review = "accepted" },
                new ModelFindingResponse { Id = Guid.NewGuid(), Severity = "minor", Category = "logic", Explanation = "Typo.", Review = "proposed" },
            ],
        };
        (ModelFindingResponse, bool)? reviewed = null;
        var list = Render<SolutionModelGrades>(p => p.Add(c => c.Solution, solution).Add(c => c.Grades, [grade])
            .Add(c => c.OnReview, ((ModelFindingResponse, bool) r) => reviewed = r));
        var mud = Render<MudBlazor.MudButtonGroup>(p => p.Add(g => g.Variant, MudBlazor.Variant.Outlined).Add(g => g.Size, MudBlazor.Size.Small)
            .AddChildContent<MudBlazor.MudButton>(b => b.Add(x => x.Color, MudBlazor.Color.Success).Add(x => x.Variant, MudBlazor.Variant.Filled)));

        var groups = list.FindAll("[role=group]");
        groups[0].GetAttribute("class").ShouldBe(mud.Find("[role=group]").GetAttribute("class") + " mt-1");
        groups[0].QuerySelector("[data-testid=accept-finding]")!.GetAttribute("class").ShouldBe(mud.Find("button").GetAttribute("class"));
        groups[1].QuerySelector("[data-testid=accept-finding]")!.ClassList.ShouldContain("mud-button-outlined");
        list.Find("[data-testid=model-grade-status]").GetAttribute("class").ShouldBe(MudMarkup.Chip(MudBlazor.Color.Success));
        list.Find("a[href^='/runs/']").TextContent.ShouldBe("run");

        groups[1].QuerySelector("[data-testid=reject-finding]")!.Click();
        reviewed.ShouldBe((grade.Findings.ElementAt(1), false));
    }

    private static AnnotationResponse Annotation(int start, int end, Guid author, string comment) => new()
    {
        Id = Guid.NewGuid(), Start = start, End = end, Quote = "q", ErrorType = "logic", Severity = "major", Comment = comment,
        Origin = "human", Review = "accepted", AuthorId = author, AuthorName = "Ann", CreatedAt = DateTimeOffset.UtcNow, CanDelete = author == s_me,
    };

    private static SolutionResponse Solution(bool blind, int hidden, int others)
    {
        var rubricId = Guid.NewGuid();
        return new SolutionResponse
        {
            Id = Guid.NewGuid(), Text = "proof",
            Problem = new SolutionProblemResponse { Title = "P", MaxPoints = 7 },
            Rubric = new RubricResponse
            {
                Id = rubricId,
                Items = [new RubricItemResponse { Id = Guid.NewGuid(), Ordinal = 1, Title = "Step one", Points = 3m },
                         new RubricItemResponse { Id = Guid.NewGuid(), Ordinal = 2, Title = "Step two", Points = 4m }],
            },
            HumanGrades = [.. Enumerable.Range(0, others).Select(i => new HumanGradeResponse
            {
                Id = Guid.NewGuid(), GraderName = $"Grader {i}", Points = 3m, Comment = "", CreatedAt = DateTimeOffset.UtcNow,
            })],
            Permissions = new SolutionPermissions { Role = "grader", CanGrade = true, CanAnnotate = true, OthersGradesHidden = blind, HiddenGradeCount = hidden },
        };
    }
}
