using GradingPortal.Web.ApiClient;

namespace GradingPortal.Web.Tests;

/// <summary>The one way pages call the Api: refusals and silence become the page's error, and changes run one at a time.</summary>
public sealed class ApiCallTests
{
    private static readonly Dictionary<string, IEnumerable<string>> s_noHeaders = [];

    [Fact]
    public async Task TryAsync_CallSucceeds_GivesNoError()
    {
        var ran = false;

        var error = await ApiCall.TryAsync(() => { ran = true; return Task.CompletedTask; });

        ran.ShouldBeTrue();
        error.ShouldBeNull();
    }

    [Fact]
    public async Task TryAsync_ApiRefuses_GivesTheApisMessage()
    {
        var problem = new ProblemDetails { Title = "Conflict", Detail = "The rubric changed since you read it." };

        var (value, error) = await ApiCall.TryAsync<int>(() =>
            throw new ApiException<ProblemDetails>("Conflict", 409, "{}", s_noHeaders, problem, null));

        value.ShouldBe(0);
        error.ShouldNotBeNull().Status.ShouldBe(409);
        error.Message.ShouldBe("The rubric changed since you read it.");
    }

    [Fact]
    public async Task TryAsync_ApiUnreachable_GivesTheUnreachableMessage()
    {
        var error = await ApiCall.TryAsync(() => throw new HttpRequestException("connection refused"));

        error.ShouldBeSameAs(ApiError.Unreachable);
    }

    [Fact]
    public async Task TryAsync_OtherException_IsNotSwallowed()
    {
        // A bug in the page must reach the error boundary, not read as "the service is not answering".
        await Should.ThrowAsync<InvalidOperationException>(() => ApiCall.TryAsync(() => throw new InvalidOperationException("bug")));
    }

    [Fact]
    public async Task RunAsync_SecondActionWhileFirstRuns_IsIgnored()
    {
        var actions = new ApiActions();
        var release = new TaskCompletionSource();
        var runs = 0;
        ApiError? error = ApiError.Unreachable;

        var first = actions.RunAsync(async () => { runs++; await release.Task; }, e => error = e);
        actions.Busy.ShouldBeTrue();
        error.ShouldBeNull(); // the last refusal is cleared when a new action starts
        await actions.RunAsync(() => { runs++; return Task.CompletedTask; }, e => error = e);
        release.SetResult();
        await first;

        runs.ShouldBe(1);
        actions.Busy.ShouldBeFalse();
    }

    [Fact]
    public async Task RunAsync_Refused_ReportsTheErrorAndFreesTheForm()
    {
        var actions = new ApiActions();
        ApiError? error = null;

        await actions.RunAsync(() => throw new ApiException("Forbidden", 403, null, s_noHeaders, null), e => error = e);

        error.ShouldNotBeNull().Message.ShouldBe("Your role does not allow this.");
        actions.Busy.ShouldBeFalse();
    }

    [Fact]
    public async Task RunAsync_Bug_StillFreesTheForm()
    {
        var actions = new ApiActions();

        await Should.ThrowAsync<InvalidOperationException>(() => actions.RunAsync(() => throw new InvalidOperationException("bug"), _ => { }));

        actions.Busy.ShouldBeFalse();
    }
}
