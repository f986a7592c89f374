using GradingPortal.Api;
using GradingPortal.Api.Endpoints;
using GradingPortal.Api.Imports;
using GradingPortal.Api.Export;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("gradingportal-api");
builder.AddApiServices();

var app = builder.Build();

app.UseTrustedProxies();
app.UseApiSecurityHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseJobsDashboardTickets();
app.UseAuthorization();
app.UseRateLimiter();

app.MapOpenApi();
app.UseSwaggerUI(options =>
{
    options.RoutePrefix = "api/docs";
    options.SwaggerEndpoint("/openapi/v1.json", "GradingPortal v1");
});
app.MapHealthChecks("/health");

app.MapAuthEndpoints();
app.MapTokenEndpoints();
app.MapUserEndpoints();
app.MapProjectEndpoints();
app.MapProblemEndpoints();
app.MapRubricEndpoints();
app.MapSolutionEndpoints();
app.MapSolutionChangeEndpoints();
app.MapGradingEndpoints();
app.MapModelProfileEndpoints();
app.MapGradingRunEndpoints();
app.MapModelGradeEndpoints();
app.MapImportEndpoints();
app.MapExportEndpoints();
app.MapAgreementEndpoints();
app.MapPartialCreditAuditEndpoints();
app.MapReviewQueueEndpoints();
app.MapGoldEndpoints();
app.MapJobsDashboard();

await app.RunAsync();
