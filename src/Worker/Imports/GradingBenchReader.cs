using System.Globalization;
using System.Runtime.CompilerServices;

namespace GradingPortal.Worker.Imports;

/// <summary>
/// IMO-GradingBench's table (<c>Grading ID, Problem ID, Problem, Solution, Grading guidelines, Response, Points, Reward,
/// Problem Source</c>): one graded response per row. The first row of a Problem ID also brings its problem (worth 7, the
/// Solution as reference, the guidelines as marking scheme); every row brings the response as a solution and the expert's
/// Points, with Reward as its label, as a human grade. A row that cannot be read fails whole, reported by its line.
/// </summary>
internal static class GradingBenchReader
{
    public const int MaxPoints = 7;
    public const string Grader = "IMO-GradingBench expert";
    public const string Scale = "IMO-GradingBench grades: Correct 7, Almost 6, Partial 1, Incorrect 0.";

    private static readonly (string Key, string Name)[] s_required =
        [("gradingid", "Grading ID"), ("problemid", "Problem ID"), ("problem", "Problem"), ("response", "Response"), ("points", "Points"),
            ("reward", "Reward")];

    public static async IAsyncEnumerable<ImportRecord> ReadAsync(Stream stream, int maxRecordBytes, int skipThrough,
        [EnumeratorCancellation] CancellationToken ct)
    {
        Dictionary<string, int>? columns = null;
        // Problems already brought by an earlier row: later rows of the same problem carry only the solution and grade.
        var problems = new HashSet<string>(StringComparer.Ordinal);
        var seq = 0;
        await foreach (var (line, fields, tooLong) in CsvRows.ReadAsync(stream, maxRecordBytes, ct))
        {
            if (columns is null)
            {
                columns = fields is null ? [] : CsvReader.Header(fields);
                var missing = s_required.Where(c => !columns.ContainsKey(c.Key)).Select(c => c.Name).ToList();
                if (missing.Count > 0)
                {
                    throw new ImportFileException("Not an IMO-GradingBench table: the header needs Grading ID, Problem ID, Problem, Solution, " +
                        $"Grading guidelines, Response, Points, Reward, Problem Source (missing: {string.Join(", ", missing)}).");
                }
                continue;
            }
            seq++;
            var location = $"line {line}";
            if (fields is null)
            {
                yield return seq <= skipThrough
                    ? new ImportRecord(seq, location, [], null, 0)
                    : ImportRecord.Unreadable(seq, location, null, JsonlReader.TooLong(tooLong, maxRecordBytes));
                continue;
            }
            // Rows already imported before a resume are still parsed, so the problems they brought are known.
            var record = Row(seq, location, columns, fields, problems);
            yield return seq <= skipThrough ? new ImportRecord(seq, location, [], null, 0) : record;
        }
        if (columns is null)
        {
            throw new ImportFileException("The file is empty: no IMO-GradingBench header row.");
        }
    }

    private static ImportRecord Row(int seq, string location, Dictionary<string, int> columns, string[] fields, HashSet<string> problems)
    {
        var width = columns.Values.Max() + 1;
        if (fields.Length < width)
        {
            return ImportRecord.Unreadable(seq, location, null,
                $"The row has {fields.Length} column(s) and the header {width}: a value is missing or a quote is unbalanced.");
        }
        string Get(string key) => columns.TryGetValue(key, out var i) ? fields[i].Trim() : "";
        foreach (var (key, name) in s_required)
        {
            if (Get(key).Length == 0)
            {
                return ImportRecord.Unreadable(seq, location, name, $"`{name}` is empty.");
            }
        }
        var pointsText = Get("points");
        if (!decimal.TryParse(pointsText, NumberStyles.Number, CultureInfo.InvariantCulture, out var points))
        {
            return ImportRecord.Unreadable(seq, location, "Points", $"Points '{pointsText}' is not a number.");
        }
        if (points is < 0 or > MaxPoints)
        {
            return ImportRecord.Unreadable(seq, location, "Points", $"Points {pointsText} is outside 0 to {MaxPoints}.");
        }

        var problemId = Get("problemid");
        var gradingId = Get("gradingid");
        var reward = Get("reward");
        var items = new List<ImportItem>(3);
        if (problems.Add(problemId))
        {
            var reference = Get("solution");
            var guidelines = Get("gradingguidelines");
            var scheme = guidelines.Length > 0 ? $"{guidelines}\n\n{Scale}" : Scale;
            items.Add(new ProblemImport(location, problemId, problemId, Get("problem"), MaxPoints, NullIfEmpty(Get("problemsource")),
                reference.Length > 0 ? [new ReferenceInput(reference, "IMO-GradingBench")] : [], null, scheme));
        }
        items.Add(new SolutionImport(location, problemId, gradingId, fields[columns["response"]], null));
        // Imports never create users and the corpus names no person: the grade is filed under the importer, and its
        // comment keeps who gave it and the benchmark's label, which the 1-4 scale of points cannot recover (Almost is 6).
        items.Add(new HumanGradeImport(location, problemId, gradingId, PersonRef.TheImporter, points, null,
            $"{Grader}: {reward} ({points.ToString(CultureInfo.InvariantCulture)} of {MaxPoints}), grading {gradingId}.", Blind: false));
        return new ImportRecord(seq, location, items, null, fields.Sum(f => (long)f.Length));
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
