using GradingPortal.Hosting;
using GradingPortal.Worker;
using GradingPortal.Worker.Models;

var builder = Host.CreateApplicationBuilder(args);
builder.AddServiceDefaults("gradingportal-worker", GradingTelemetry.MeterName);
builder.AddWorkerServices();
var host = builder.Build();
GradingTelemetry.ObserveRunItems(host.Services.GetRequiredService<PostgresConnections>());
await host.RunAsync();
