using System.Linq.Expressions;
using GradingPortal.Api.Contracts;
using GradingPortal.Domain.Common;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.EntityFrameworkCore;
using Microsoft.OpenApi;

namespace GradingPortal.Api.Infrastructure;

/// <summary>
/// Optimistic concurrency of edits: the row version (PostgreSQL's <c>xmin</c>) the caller read must still be the
/// row's when the edit is saved. Without it, two people editing the same settings would silently overwrite each other,
/// so an edit that does not name one is refused (400), and a stale one fails on save (409, see DomainExceptionHandler).
/// </summary>
internal static class RowVersions
{
    public const string Field = "rowVersion";

    public const string MissingMessage =
        "Send the rowVersion you read with this edit (from the resource's last response); it keeps you from overwriting someone else's change.";

    /// <summary>Makes <paramref name="entity"/>'s save succeed only if its row version is still the one the caller read.</summary>
    public static void ExpectRowVersion<TEntity>(this DbContext db, TEntity entity, Expression<Func<TEntity, uint>> rowVersion, IVersionedEdit request)
        where TEntity : class
    {
        if (request.RowVersion is not { } expected)
        {
            throw new DomainValidationException(Field, MissingMessage);
        }
        db.Entry(entity).Property(rowVersion).OriginalValue = expected;
    }

    /// <summary>OpenAPI: in an edit request, <c>rowVersion</c> is a required integer, not an optional one.</summary>
    public static Task DescribeAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (context.JsonPropertyInfo is { Name: Field, DeclaringType: var owner } && typeof(IVersionedEdit).IsAssignableFrom(owner))
        {
            schema.Type = JsonSchemaType.Integer;
            schema.Pattern = null;
            schema.Description = "The rowVersion of the resource as you last read it. Required; a stale value gets 409 and changes nothing.";
        }
        return Task.CompletedTask;
    }
}
