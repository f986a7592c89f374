using GradingPortal.Hosting;
using GradingPortal.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("gradingportal-web");
builder.AddWebServices();

var app = builder.Build();
app.MapWeb();

await app.RunAsync();
