using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;

namespace GradingPortal.Api.Export;

/// <summary>
/// Where an export stopped: the export walks problems by id and each problem's solutions by id, so a position is a
/// (problem id, solution id) pair, plus the model grade id within that solution for the pairs flavor. Resuming returns
/// what comes strictly after it. On the wire it is opaque: base64url of a version byte and the ids (big-endian).
/// </summary>
internal readonly record struct ExportCursor(Guid ProblemId, Guid SolutionId, Guid? ModelGradeId)
{
    private const byte Format = 1;
    private const int ShortLength = 1 + 16 + 16;
    private const int LongLength = ShortLength + 16;

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[LongLength];
        bytes[0] = Format;
        ProblemId.TryWriteBytes(bytes[1..], bigEndian: true, out _);
        SolutionId.TryWriteBytes(bytes[17..], bigEndian: true, out _);
        var length = ShortLength;
        if (ModelGradeId is { } grade)
        {
            grade.TryWriteBytes(bytes[33..], bigEndian: true, out _);
            length = LongLength;
        }
        return Base64Url.EncodeToString(bytes[..length]);
    }

    public static bool TryParse(string? text, [NotNullWhen(true)] out ExportCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text) || text.Length > 100)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[80];
        if (!Base64Url.TryDecodeFromChars(text, bytes, out var written) || (written != ShortLength && written != LongLength)
            || bytes[0] != Format)
        {
            return false;
        }
        var problem = new Guid(bytes[1..17], bigEndian: true);
        var solution = new Guid(bytes[17..33], bigEndian: true);
        Guid? grade = written == LongLength ? new Guid(bytes[33..49], bigEndian: true) : null;
        cursor = new ExportCursor(problem, solution, grade);
        return true;
    }
}
