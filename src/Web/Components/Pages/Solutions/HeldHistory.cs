using GradingPortal.Web.ApiClient;

namespace GradingPortal.Web.Components.Pages.Solutions;

/// <summary>
/// The part of a solution's history an open page holds: the newest <see cref="Newest"/> events (all of them once the person
/// asked for all) and how many the Api listed in all. An idle page keeps what it holds as one markup string in its circuit,
/// so a long history is not held for nobody; a change adds the events newer than <see cref="After"/>.
/// </summary>
internal sealed class HeldHistory
{
    /// <summary>How many events the page shows until the person asks for all.</summary>
    public const int Newest = 20;

    public static readonly HeldHistory Empty = new([], 0, all: false);

    private HeldHistory(IReadOnlyList<AuditEventResponse> events, int total, bool all)
    {
        Events = events;
        Total = Math.Max(total, events.Count);
        All = all;
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<AuditEventResponse> Events { get; }

    /// <summary>How many events the history has in all (as far as the Api lists them).</summary>
    public int Total { get; }

    /// <summary>Whether the person asked to see every event.</summary>
    public bool All { get; }

    /// <summary>The id of the newest event held: a change reads only events after it.</summary>
    public long After => Events.Count > 0 ? Events[0].Id : 0;

    /// <summary>The whole history as the Api listed it (newest first).</summary>
    public static HeldHistory Whole(IReadOnlyList<AuditEventResponse> events, bool all) =>
        new(all || events.Count <= Newest ? events : [.. events.Take(Newest)], events.Count, all);

    /// <summary>The same window after the events newer than <see cref="After"/> were read; the same instance when there were none.</summary>
    public HeldHistory With(IReadOnlyList<AuditEventResponse> newer)
    {
        // Strictly newer than what is held, so nothing is counted twice; a repeated read of the same events adds nothing.
        var fresh = newer.Where(e => e.Id > After).ToList();
        if (fresh.Count == 0)
        {
            return this;
        }
        var merged = fresh.Concat(Events);
        return new HeldHistory(All ? [.. merged] : [.. merged.Take(Newest)], Total + fresh.Count, All);
    }

    /// <summary>Whether <paramref name="other"/> holds the same events and count, so the panel need not render again.</summary>
    public bool Same(HeldHistory other) =>
        Total == other.Total && All == other.All && Events.Count == other.Events.Count
        && Events.Zip(other.Events).All(p => p.First.Id == p.Second.Id);
}
