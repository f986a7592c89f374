using GradingPortal.Testing.FakeOpenAi;

namespace GradingPortal.Bench.FakeModel;

/// <summary>
/// The answers the benchmark's fake model gives, one script per output schema name (the <c>json_schema</c> name each stage
/// sends): the default valid answers of every grading stage (<see cref="GradingScripts"/>), so whole workflows run. A
/// request whose schema has no script gets an HTTP 500 naming the schema, which makes a missing script obvious in the
/// Worker's stage calls; a request without a schema gets a plain "ok".
/// </summary>
internal static class BenchScripts
{
    public static void Register(FakeOpenAiServer server)
    {
        // A liveness check that any client can make: asks for schema "ping", gets {"ok": true}.
        server.ScriptJson("ping", _ => new { ok = true });
        // The portal's connection check (Test on a model profile) asks in plain text, without a schema: a profile on this
        // server should pass it, as one on a real endpoint does.
        server.ScriptFallback(request => request.SchemaName is null ? new FakeReply("ok") : null);
        GradingScripts.RegisterAll(server);
        // The default rubric splits the points over two whole-point items, which a one-point problem (the Open Proof
        // Corpus grades pass or fail) cannot have: there it is a single item.
        server.ScriptJson(GradingScripts.Rubric, request => GradingScripts.MaxPoints(request) >= 2 ? GradingScripts.RubricAnswer(request) : new
        {
            items = new[]
            {
                new
                {
                    title = "Complete and correct proof", description = "Proves the statement without gaps.",
                    points = (decimal)GradingScripts.MaxPoints(request), insightId = (string?)"K1",
                },
            },
            zeroCredit = "Anything short of a complete proof.",
            topScores = "Full marks: a complete proof.",
            deductions = Array.Empty<object>(),
        });
    }
}
