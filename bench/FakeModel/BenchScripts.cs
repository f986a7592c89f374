using GradingPortal.Testing.FakeOpenAi;

namespace GradingPortal.Bench.FakeModel;

/// <summary>
/// The answers the benchmark's fake model gives, one script per output schema name (the <c>json_schema</c> name each stage
/// sends): the default valid answers of every grading stage (<see cref="GradingScripts"/>), so whole workflows run. A
/// request whose schema has no script gets an HTTP 500 naming the schema, which makes a missing script obvious in the
/// Worker's stage calls.
/// </summary>
internal static class BenchScripts
{
    public static void Register(FakeOpenAiServer server)
    {
        // A liveness check that any client can make: asks for schema "ping", gets {"ok": true}.
        server.ScriptJson("ping", _ => new { ok = true });
        GradingScripts.RegisterAll(server);
    }
}
