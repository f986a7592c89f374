using System.Linq.Expressions;

namespace GradingPortal.Api.Endpoints;

/// <summary>
/// Sorting by a status in the order of its lifecycle. Statuses are stored by name, so ordering by the column would be
/// alphabetical (awaitingRubricApproval, cancelled, completed, ...), which reads as random. The domain's enums declare
/// their members in lifecycle order, so each member's place in the declaration becomes a SQL CASE expression and the
/// database still sorts and pages.
/// </summary>
internal static class LifecycleOrder
{
    /// <summary>
    /// <paramref name="rows"/> ordered by <paramref name="status"/>'s place in <typeparamref name="TStatus"/>'s declaration
    /// (its numeric value), reversed when <paramref name="descending"/>. Ties are the caller's to break.
    /// </summary>
    public static IOrderedQueryable<TRow> OrderByLifecycle<TRow, TStatus>(this IQueryable<TRow> rows, Expression<Func<TRow, TStatus>> status,
        bool descending) where TStatus : struct, Enum
    {
        var rank = Rank(status);
        return descending ? rows.OrderByDescending(rank) : rows.OrderBy(rank);
    }

    /// <summary>CASE status WHEN first THEN 0 WHEN second THEN 1 ... END, built from the enum's members in value order.</summary>
    internal static Expression<Func<TRow, int>> Rank<TRow, TStatus>(Expression<Func<TRow, TStatus>> status) where TStatus : struct, Enum
    {
        var members = Enum.GetValues<TStatus>().OrderBy(m => Convert.ToInt64(m, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        // A value no member names (none can be stored through the converter) sorts last rather than failing the read.
        Expression body = Expression.Constant(members.Length);
        for (var i = members.Length - 1; i >= 0; i--)
        {
            body = Expression.Condition(Expression.Equal(status.Body, Expression.Constant(members[i], typeof(TStatus))), Expression.Constant(i), body);
        }
        return Expression.Lambda<Func<TRow, int>>(body, status.Parameters);
    }
}
