using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace GradingPortal.Domain.Persistence;

/// <summary>
/// PostgreSQL convention: snake_case tables, columns, keys and indexes, so hand-written SQL (reports, exports,
/// psql sessions) needs no quoting. EFCore.NamingConventions is not available for EF Core 10 on our source.
/// </summary>
internal static class SnakeCaseNames
{
    public static void Apply(ModelBuilder builder)
    {
        foreach (var entity in builder.Model.GetEntityTypes())
        {
            if (entity.IsOwned() && entity.GetTableName() == entity.FindOwnership()?.PrincipalEntityType.GetTableName())
            {
                continue;
            }
            var table = entity.GetTableName();
            if (table is not null && entity.FindAnnotation(RelationalAnnotationNames.TableName) is null)
            {
                entity.SetTableName(ToSnake(table));
            }
            var tableName = entity.GetTableName();
            // uint concurrency tokens are PostgreSQL's xmin system column (Npgsql's row-version mapping): never renamed.
            foreach (var property in entity.GetProperties())
            {
                if (tableName is not null && property.FindAnnotation(RelationalAnnotationNames.ColumnName) is null
                    && !(property.IsConcurrencyToken && property.ClrType == typeof(uint)))
                {
                    property.SetColumnName(ToSnake(property.Name));
                }
            }
            foreach (var key in entity.GetKeys())
            {
                key.SetName(ToSnake(key.GetName()!));
            }
            foreach (var fk in entity.GetForeignKeys())
            {
                fk.SetConstraintName(ToSnake(fk.GetConstraintName()!));
            }
            foreach (var index in entity.GetIndexes())
            {
                index.SetDatabaseName(ToSnake(index.GetDatabaseName()!));
            }
        }
    }

    public static string ToSnake(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_' && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])
                    || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                {
                    sb.Append('_');
                }
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}
