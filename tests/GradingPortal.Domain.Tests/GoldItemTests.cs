using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;

namespace GradingPortal.Domain.Tests;

public sealed class GoldItemTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Mark_NotAdjudicated_IsAConflict()
    {
        Should.Throw<DomainConflictException>(() => GoldItem.Mark(Guid.NewGuid(), Guid.NewGuid(), adjudicated: false, null, Guid.NewGuid(), s_now));
    }

    [Fact]
    public void UnmarkThenRemark_SwitchesBackOnWithTheNewNote()
    {
        var adjudicator = Guid.NewGuid();
        var item = GoldItem.Mark(Guid.NewGuid(), Guid.NewGuid(), adjudicated: true, "  first  ", adjudicator, s_now);
        (item.Active, item.Note).ShouldBe((true, "first"));

        item.Unmark(adjudicator, s_now.AddDays(1));
        (item.Active, item.UnmarkedAt).ShouldBe((false, s_now.AddDays(1)));
        // Unmarking what is not gold changes nothing.
        item.Unmark(Guid.NewGuid(), s_now.AddDays(2));
        item.UnmarkedAt.ShouldBe(s_now.AddDays(1));

        item.Remark(adjudicated: true, "second", adjudicator, s_now.AddDays(3));
        (item.Active, item.Note, item.MarkedAt, item.UnmarkedAt).ShouldBe((true, "second", s_now.AddDays(3), (DateTimeOffset?)null));
    }

    [Fact]
    public void Mark_LongNote_IsAFieldError()
    {
        var error = Should.Throw<DomainValidationException>(() =>
            GoldItem.Mark(Guid.NewGuid(), Guid.NewGuid(), adjudicated: true, new string('n', GoldItem.MaxNoteLength + 1), Guid.NewGuid(), s_now));
        error.Errors.Keys.ShouldBe(["note"]);
    }
}
