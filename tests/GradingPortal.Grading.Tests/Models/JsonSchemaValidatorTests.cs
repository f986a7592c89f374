using System.Text.Json;
using GradingPortal.Worker.Models;

namespace GradingPortal.Grading.Tests.Models;

public sealed class JsonSchemaValidatorTests
{
    private static readonly JsonElement s_schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "verdict": { "type": "string", "enum": ["pass", "fail"] },
            "points": { "type": "number", "minimum": 0, "maximum": 7 },
            "comment": { "type": ["string", "null"] },
            "items": {
              "type": "array",
              "items": {
                "type": "object",
                "properties": { "id": { "type": "integer" }, "quote": { "type": "string" } },
                "required": ["id", "quote"],
                "additionalProperties": false
              }
            }
          },
          "required": ["verdict", "points", "comment", "items"],
          "additionalProperties": false
        }
        """).RootElement.Clone();

    private static IReadOnlyList<string> Check(string json) => JsonSchemaValidator.Validate(s_schema, JsonDocument.Parse(json).RootElement);

    [Fact]
    public void Validate_ConformingValueWithNullableNull_HasNoProblems() =>
        Check("""{"verdict": "pass", "points": 6.5, "comment": null, "items": [{"id": 1, "quote": "x"}]}""").ShouldBeEmpty();

    [Fact]
    public void Validate_EveryKindOfViolation_IsReportedWithItsPath()
    {
        var problems = Check("""{"verdict": "maybe", "points": 9, "comment": 3, "items": [{"id": 1.5, "quote": "x", "extra": true}], "more": 1}""");

        // The wording is JsonSchema.Net's; the paths and the unexpected properties are ours.
        foreach (var path in new[] { "$.verdict: ", "$.points: ", "$.comment: ", "$.items[0].id: " })
        {
            problems.ShouldContain(p => p.StartsWith(path, StringComparison.Ordinal), path);
        }
        problems.ShouldContain("$.items[0]: unexpected property 'extra'");
        problems.ShouldContain("$: unexpected property 'more'");
    }

    [Fact]
    public void Validate_MissingRequiredAndWrongRootType_AreReported()
    {
        Check("""{"verdict": "fail", "points": 0}""").ShouldBe(["$: missing required property 'comment'", "$: missing required property 'items'"],
            ignoreOrder: true);
        Check("[]").ShouldHaveSingleItem().ShouldStartWith("$: ");
    }

    [Fact]
    public void Validate_WholeNumberWrittenWithDecimals_IsAnInteger() =>
        Check("""{"verdict": "pass", "points": 1, "comment": "", "items": [{"id": 2.0, "quote": ""}]}""").ShouldBeEmpty();
}

public sealed class RetryPolicyTests
{
    private static readonly ModelCallOptions s_options = new() { InitialBackoff = TimeSpan.FromSeconds(1), MaxRetryWait = TimeSpan.FromSeconds(30) };

    [Fact]
    public void ParseRetryAfter_SecondsOrHttpDate_GiveTheDelay()
    {
        var now = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
        ModelRetry.ParseRetryAfter("7", now).ShouldBe(TimeSpan.FromSeconds(7));
        ModelRetry.ParseRetryAfter("Sun, 22 Nov 2026 12:00:20 GMT", now).ShouldBe(TimeSpan.FromSeconds(20));
        ModelRetry.ParseRetryAfter("Sun, 22 Nov 2026 11:59:00 GMT", now).ShouldBe(TimeSpan.Zero);
        ModelRetry.ParseRetryAfter("soon", now).ShouldBeNull();
    }

    [Fact]
    public void RetryAfterWait_BeyondTheCap_IsCapped() =>
        ModelRetry.RetryAfterWait(TimeSpan.FromMinutes(10), s_options).ShouldBe(TimeSpan.FromSeconds(30));

    [Fact]
    public void RetryAfterWait_Given_IsNeverShorterThanAsked() =>
        Enumerable.Range(0, 50).Select(_ => ModelRetry.RetryAfterWait(TimeSpan.FromSeconds(3), s_options))
            .ShouldAllBe(wait => wait >= TimeSpan.FromSeconds(3) && wait < TimeSpan.FromSeconds(3.3));

    [Fact]
    public async Task RetryPipeline_FailuresWithoutRetryAfter_BackOffWithJitterWithinTheCapUntilTheUpperBound()
    {
        var options = new ModelCallOptions { MaxAttempts = 4, TimeoutRetries = 1, InitialBackoff = TimeSpan.FromMilliseconds(5), MaxRetryWait = TimeSpan.FromMilliseconds(20) };
        var waits = new List<TimeSpan>();
        var pipeline = ModelRetry.Build<int>(options, TimeProvider.System, _ => AttemptNext.Retry, _ => null, (_, wait) =>
        {
            waits.Add(wait);
            return ValueTask.CompletedTask;
        });
        var attempts = 0;

        await pipeline.ExecuteAsync(_ => ValueTask.FromResult(++attempts), TestContext.Current.CancellationToken);

        // The upper bound is every allowance together (3 retries, 1 timeout, 1 repair); the attempts keep their own counts.
        attempts.ShouldBe(6);
        waits.Count.ShouldBe(5);
        waits.ShouldAllBe(wait => wait > TimeSpan.Zero && wait <= TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public async Task RetryPipeline_RetryAfterRepairAndStop_WaitWhatWasAskedThenNothingThenEnd()
    {
        var options = new ModelCallOptions { InitialBackoff = TimeSpan.FromSeconds(5), MaxRetryWait = TimeSpan.FromSeconds(10) };
        var outcomes = new[] { (AttemptNext.Retry, (TimeSpan?)TimeSpan.FromMilliseconds(50)), (AttemptNext.Repair, null), (AttemptNext.Stop, null) };
        var waits = new List<TimeSpan>();
        var pipeline = ModelRetry.Build<int>(options, TimeProvider.System, i => outcomes[i].Item1, i => outcomes[i].Item2, (_, wait) =>
        {
            waits.Add(wait);
            return ValueTask.CompletedTask;
        });
        var attempt = -1;

        var last = await pipeline.ExecuteAsync(_ => ValueTask.FromResult(++attempt), TestContext.Current.CancellationToken);

        last.ShouldBe(2);
        waits.Count.ShouldBe(2);
        waits[0].ShouldBeInRange(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(300));
        waits[1].ShouldBe(TimeSpan.Zero);
    }
}
