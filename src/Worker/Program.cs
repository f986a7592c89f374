// The Worker becomes a Quartz.NET cluster node with the grading pipeline (see the grading-pipeline issue).
// Until then it is an empty generic host so deployments and scripts already have their final shape.
var builder = Host.CreateApplicationBuilder(args);
var host = builder.Build();
await host.RunAsync();
