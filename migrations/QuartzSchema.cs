namespace GradingPortal.Migrations;

/// <summary>
/// Quartz.NET's own PostgreSQL schema, read from the Quartz assembly so it always matches the job store that uses it.
/// The script is idempotent (CREATE ... IF NOT EXISTS) and never drops anything.
/// </summary>
public static class QuartzSchema
{
    /// <summary>The table prefix every Quartz host is configured with (see Domain's QuartzSettings).</summary>
    public const string TablePrefix = "qrtz_";

    private const string ResourceName = "Quartz.Impl.AdoJobStore.Schema.create_postgres.sql";

    /// <summary>The schema statements, with the table prefix substituted, in order.</summary>
    public static IReadOnlyList<string> Statements()
    {
        using var stream = typeof(Quartz.IScheduler).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The Quartz assembly does not contain {ResourceName}.");
        using var reader = new StreamReader(stream);
        var script = reader.ReadToEnd();
        // Statements are separated by lines that read exactly "--;;" (the marker also appears inside the header comment).
        var statements = new List<string>();
        var current = new System.Text.StringBuilder();
        foreach (var line in script.Split('\n'))
        {
            if (line.TrimEnd('\r') == "--;;")
            {
                statements.Add(current.ToString());
                current.Clear();
            }
            else if (!line.TrimStart().StartsWith("--", StringComparison.Ordinal))
            {
                current.Append(line).Append('\n');
            }
        }
        statements.Add(current.ToString());
        return statements
            .Select(statement => statement.Trim())
            .Where(statement => statement.Length > 0)
            .Select(statement => statement.Replace("{0}", TablePrefix, StringComparison.Ordinal).Replace("{1}", TablePrefix, StringComparison.Ordinal))
            .ToList();
    }
}
