var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/", () => "GradingPortal Web");
await app.RunAsync();
