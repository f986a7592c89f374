using System.Globalization;
using System.Runtime.InteropServices;
using GradingPortal.Bench.FakeModel;
using GradingPortal.Testing.FakeOpenAi;

// Usage: dotnet run --project bench/FakeModel -- [--port N] [--latency-ms N] [--record]
// Prints "FAKE_MODEL_URL=<base url>" once listening, serves until SIGINT/SIGTERM, then prints its counters.
var port = IntArg("--port", 0);
var latency = TimeSpan.FromMilliseconds(IntArg("--latency-ms", 200));
await using var server = await FakeOpenAiServer.StartAsync(port, latency);
server.RecordRequests = args.Contains("--record");
BenchScripts.Register(server);
Console.WriteLine($"FAKE_MODEL_URL={server.BaseUrl}");
Console.WriteLine($"latency {latency.TotalMilliseconds} ms; counters at {server.BaseUrl[..^3]}/_fake/stats");

var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.TrySetResult();
});
await stop.Task;
Console.WriteLine($"stats: {server.Stats}");

int IntArg(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
