using GradingPortal.Web.Api;
using GradingPortal.Web.Auth;

namespace GradingPortal.Web.Tests;

public sealed class RefreshCoordinatorTests
{
    private static readonly TokenPairResponse s_tokens = new("Bearer", "access", 3600, "refresh-2");

    [Fact]
    public async Task RefreshAsync_ConcurrentCallsWithOneToken_CallApiOnce()
    {
        var coordinator = new RefreshCoordinator(TimeProvider.System);
        var calls = 0;
        var gate = new TaskCompletionSource<TokenResult>();
        Task<TokenResult> Refresh()
        {
            Interlocked.Increment(ref calls);
            return gate.Task;
        }

        var first = coordinator.RefreshAsync("refresh-1", Refresh);
        var second = coordinator.RefreshAsync("refresh-1", Refresh);
        gate.SetResult(new TokenResult(TokenOutcome.Issued, s_tokens));

        (await first).Tokens.ShouldBe(s_tokens);
        (await second).Tokens.ShouldBe(s_tokens);
        calls.ShouldBe(1);
    }

    [Fact]
    public async Task RefreshAsync_AfterAnOutage_AsksApiAgain()
    {
        var coordinator = new RefreshCoordinator(TimeProvider.System);
        var outcomes = new Queue<TokenOutcome>([TokenOutcome.Unavailable, TokenOutcome.Issued]);
        Task<TokenResult> Refresh() => Task.FromResult(outcomes.Dequeue() is var o && o == TokenOutcome.Issued
            ? new TokenResult(o, s_tokens)
            : new TokenResult(o, null));

        (await coordinator.RefreshAsync("refresh-1", Refresh)).Outcome.ShouldBe(TokenOutcome.Unavailable);
        (await coordinator.RefreshAsync("refresh-1", Refresh)).Outcome.ShouldBe(TokenOutcome.Issued);
    }

    [Fact]
    public void Session_RoundTripsThroughClaims()
    {
        var session = Session.Create(new MeResponse(Guid.NewGuid(), "a@example.org", "Ada", true), s_tokens, DateTimeOffset.UnixEpoch.AddYears(56));

        var back = Session.From(session.ToPrincipal());

        back.ShouldBe(session);
        back!.NeedsRenewal(session.ExpiresAt.AddSeconds(-61)).ShouldBeFalse();
        back.NeedsRenewal(session.ExpiresAt.AddSeconds(-59)).ShouldBeTrue();
    }
}
