using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;

namespace GradingPortal.Domain.Tests;

public sealed class AdjudicationTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid s_adjudicator = Guid.CreateVersion7();

    private static Adjudication Create(decimal points, string? rationale, IEnumerable<GradeReference>? basedOn = null) =>
        Adjudication.Create(Guid.CreateVersion7(), Guid.CreateVersion7(), 7, points, rationale, basedOn ?? [], s_adjudicator, s_now);

    [Fact]
    public void Create_PointsAndRationale_RecordsTheDecision()
    {
        var grade = new GradeReference(GradeSourceKind.Human, Guid.CreateVersion7());
        var adjudication = Create(5.5m, "  Gap in the finish.  ", [grade, grade]);

        adjudication.Points.ShouldBe(5.5m);
        adjudication.Rationale.ShouldBe("Gap in the finish.");
        adjudication.AdjudicatorId.ShouldBe(s_adjudicator);
        adjudication.BasedOn.ShouldBe([grade]);
        adjudication.CreatedAt.ShouldBe(s_now);
        adjudication.TakePendingAuditAction().ShouldBe("created");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  \n ")]
    public void Create_WithoutRationale_ReportsRationale(string? rationale)
    {
        var ex = Should.Throw<DomainValidationException>(() => Create(4, rationale));
        ex.Errors.Keys.ShouldBe(["rationale"]);
        ex.Errors["rationale"].ShouldBe(["An adjudication needs a rationale."]);
    }

    [Fact]
    public void Create_RationaleTooLong_ReportsRationale()
    {
        Should.Throw<DomainValidationException>(() => Create(4, new string('r', Adjudication.MaxRationaleLength + 1))).Errors.Keys.ShouldBe(["rationale"]);
        Should.NotThrow(() => Create(4, new string('r', Adjudication.MaxRationaleLength)));
    }

    [Theory]
    [InlineData("-1", "Points must be between 0 and 7.")]
    [InlineData("7.5", "Points must be between 0 and 7.")]
    [InlineData("3.3", "Points must be whole or half points.")]
    public void Create_PointsOutOfBounds_ReportsPoints(string points, string message)
    {
        var ex = Should.Throw<DomainValidationException>(() => Create(decimal.Parse(points, System.Globalization.CultureInfo.InvariantCulture), "why"));
        ex.Errors["points"].ShouldContain(message);
    }

    [Fact]
    public void Create_NoPointsNoRationale_ReportsBoth()
    {
        Should.Throw<DomainValidationException>(() => Create(9, null)).Errors.Keys.ShouldBe(["points", "rationale"], ignoreOrder: true);
    }

    [Fact]
    public void Revise_NewDecision_ReplacesItAndSaysRevised()
    {
        var adjudication = Create(3, "first");
        adjudication.TakePendingAuditAction();
        var other = Guid.CreateVersion7();

        adjudication.Revise(7, 0, "second look: circular", [], other, s_now.AddDays(1));

        adjudication.Points.ShouldBe(0m);
        adjudication.Rationale.ShouldBe("second look: circular");
        adjudication.AdjudicatorId.ShouldBe(other);
        adjudication.UpdatedAt.ShouldBe(s_now.AddDays(1));
        adjudication.TakePendingAuditAction().ShouldBe("revised");
    }

    [Fact]
    public void Revise_WithoutRationale_ThrowsAndKeepsTheDecision()
    {
        var adjudication = Create(3, "first");
        Should.Throw<DomainValidationException>(() => adjudication.Revise(7, 2, " ", [], s_adjudicator, s_now)).Errors.Keys.ShouldContain("rationale");
        adjudication.Points.ShouldBe(3m);
        adjudication.Rationale.ShouldBe("first");
    }

    [Theory]
    [InlineData(0, 0, false, EvidenceLevel.None)]
    [InlineData(3, 0, false, EvidenceLevel.ModelOnly)]
    [InlineData(3, 1, false, EvidenceLevel.OneHuman)]
    [InlineData(0, 1, false, EvidenceLevel.OneHuman)]
    [InlineData(0, 2, false, EvidenceLevel.TwoHumans)]
    [InlineData(5, 4, false, EvidenceLevel.TwoHumans)]
    [InlineData(0, 0, true, EvidenceLevel.Adjudicated)]
    [InlineData(2, 2, true, EvidenceLevel.Adjudicated)]
    public void EvidenceLevel_WhatExists_GivesTheStrongestEvidence(int modelGrades, int humanGrades, bool adjudicated, EvidenceLevel expected) =>
        Evidence.Level(modelGrades, humanGrades, adjudicated).ShouldBe(expected);
}
