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
        ModelCaller.ParseRetryAfter("7", now).ShouldBe(TimeSpan.FromSeconds(7));
        ModelCaller.ParseRetryAfter("Sun, 22 Nov 2026 12:00:20 GMT", now).ShouldBe(TimeSpan.FromSeconds(20));
        ModelCaller.ParseRetryAfter("Sun, 22 Nov 2026 11:59:00 GMT", now).ShouldBe(TimeSpan.Zero);
        ModelCaller.ParseRetryAfter("soon", now).ShouldBeNull();
    }

    [Fact]
    public void RetryWait_RetryAfterBeyondTheCap_IsCapped() =>
        ModelCaller.RetryWait(TimeSpan.FromMinutes(10), 1, s_options).ShouldBe(TimeSpan.FromSeconds(30));

    [Fact]
    public void RetryWait_RetryAfterGiven_IsNeverShorterThanAsked() =>
        Enumerable.Range(0, 50).Select(_ => ModelCaller.RetryWait(TimeSpan.FromSeconds(3), 1, s_options))
            .ShouldAllBe(wait => wait >= TimeSpan.FromSeconds(3) && wait < TimeSpan.FromSeconds(3.3));

    [Fact]
    public void RetryWait_WithoutRetryAfter_DoublesWithJitterBelowTheCeiling()
    {
        Enumerable.Range(0, 50).Select(_ => ModelCaller.RetryWait(null, 3, s_options))
            .ShouldAllBe(wait => wait >= TimeSpan.FromSeconds(2) && wait <= TimeSpan.FromSeconds(4));
        ModelCaller.RetryWait(null, 20, s_options).ShouldBe(TimeSpan.FromSeconds(30));
    }
}
