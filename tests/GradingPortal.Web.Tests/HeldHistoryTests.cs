using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Pages.Solutions;

namespace GradingPortal.Web.Tests;

/// <summary>The window of a solution's history an open page holds: the newest events, the count, and newer events added.</summary>
public sealed class HeldHistoryTests
{
    // Newest first, as the Api lists them.
    private static List<AuditEventResponse> Events(long from, long to) =>
        [.. Enumerable.Range((int)from, (int)(to - from + 1)).Reverse().Select(i => new AuditEventResponse { Id = i, EntityType = "annotation", Action = "created" })];

    [Fact]
    public void Whole_LongHistory_HoldsTheNewestTwentyAndCountsAll()
    {
        var held = HeldHistory.Whole(Events(1, 30), all: false);

        held.Events.Select(e => e.Id).ShouldBe(Enumerable.Range(11, 20).Reverse().Select(i => (long)i));
        held.Total.ShouldBe(30);
        held.After.ShouldBe(30);
    }

    [Fact]
    public void With_NewerEvents_PutsThemOnTopKeepsTwentyAndCountsThem()
    {
        var held = HeldHistory.Whole(Events(1, 30), all: false).With(Events(31, 32));

        held.Events.Select(e => e.Id).Take(3).ShouldBe([32L, 31L, 30L]);
        held.Events.Count.ShouldBe(HeldHistory.Newest);
        held.Total.ShouldBe(32);
    }

    [Fact]
    public void With_EventsAlreadyHeld_ChangesNothing()
    {
        var held = HeldHistory.Whole(Events(1, 5), all: false);

        held.With(Events(4, 5)).ShouldBeSameAs(held);
        held.With([]).ShouldBeSameAs(held);
    }

    [Fact]
    public void With_AllShown_KeepsEveryEvent()
    {
        var held = HeldHistory.Whole(Events(1, 30), all: true).With(Events(31, 31));

        held.Events.Count.ShouldBe(31);
        held.Total.ShouldBe(31);
        held.All.ShouldBeTrue();
    }
}
