using GradingPortal.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddWebServices();

var app = builder.Build();
app.MapWeb();

await app.RunAsync();
