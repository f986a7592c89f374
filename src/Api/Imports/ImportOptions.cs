using System.ComponentModel.DataAnnotations;

namespace GradingPortal.Api.Imports;

/// <summary>Limits on uploaded import files (section <c>Imports</c>).</summary>
public sealed class ImportOptions
{
    public const string SectionName = "Imports";

    /// <summary>Largest file accepted, in bytes (default 1 GiB). Larger uploads get 413.</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 1L << 30;

    /// <summary>
    /// Largest single record, in bytes (default 2 MiB): a JSON Lines line, a CSV row, or one JSON file (a whole .json
    /// upload, or each file inside a .zip). Longer records are reported as failed; a lone .json over it gets 413.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxRecordBytes { get; set; } = 2 << 20;
}
