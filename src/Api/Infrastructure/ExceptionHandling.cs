using GradingPortal.Domain.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GradingPortal.Api.Infrastructure;

/// <summary>
/// Turns rule violations into ProblemDetails: Domain validation → 400 with field errors; stale row versions, state
/// conflicts and unique-key clashes → 409; malformed request bodies → 400. Anything else stays a 500 (logged).
/// </summary>
internal sealed class DomainExceptionHandler(IProblemDetailsService problemDetails, ILogger<DomainExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail, errors) = exception switch
        {
            DomainValidationException v => (400, "One or more fields are invalid.", (string?)null, v.Errors),
            DomainConflictException c => (409, "Conflict", c.Message, null),
            DbUpdateConcurrencyException => (409, "Conflict",
                "Someone else changed this since you loaded it. Reload to see their change; nothing was overwritten.", null),
            DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg } =>
                (409, "Conflict", UniqueMessage(pg), null),
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message, null),
            _ => (0, "", null, (IReadOnlyDictionary<string, string[]>?)null),
        };
        if (status == 0)
        {
            return false;
        }
        if (status >= 500)
        {
            logger.LogError(exception, "Unhandled request failure");
        }
        httpContext.Response.StatusCode = status;
        var problem = errors is null
            ? new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail }
            : new HttpValidationProblemDetails(errors.ToDictionary(e => e.Key, e => e.Value)) { Status = status, Title = title };
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static string UniqueMessage(PostgresException pg) => pg.ConstraintName switch
    {
        { } name when name.Contains("external_id", StringComparison.Ordinal) => "Another record already uses this external id.",
        { } name when name.Contains("version", StringComparison.Ordinal) => "Another rubric version was created at the same time; try again.",
        _ => "This record already exists.",
    };
}
