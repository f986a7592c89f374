namespace GradingPortal.Hosting;

/// <summary>
/// Which kinds of rows of a solution changed (ADR 022): the database's notice names one kind, the Api's change stream
/// carries the kinds it folded together, and an open page reads again only what those kinds can change. A change of
/// unknown kind is <see cref="All"/>: read everything.
/// </summary>
[Flags]
internal enum SolutionChangeKinds
{
    None = 0,
    Grades = 1,
    Annotations = 2,
    Adjudication = 4,
    ModelGrades = 8,
    Findings = 16,
    Gold = 32,
    All = Grades | Annotations | Adjudication | ModelGrades | Findings | Gold,
}

/// <summary>The kinds' names on the wire: in the notice after the solution id, and in the stream's <c>changed</c> event.</summary>
internal static class SolutionChangeKindNames
{
    private static readonly (SolutionChangeKinds Kind, string Name)[] s_names =
    [
        (SolutionChangeKinds.Grades, "grades"),
        (SolutionChangeKinds.Annotations, "annotations"),
        (SolutionChangeKinds.Adjudication, "adjudication"),
        (SolutionChangeKinds.ModelGrades, "modelGrades"),
        (SolutionChangeKinds.Findings, "findings"),
        (SolutionChangeKinds.Gold, "gold"),
    ];

    /// <summary>Comma-separated names; empty for <see cref="SolutionChangeKinds.All"/> and none, which both mean "read everything".</summary>
    public static string Format(SolutionChangeKinds kinds) => kinds is SolutionChangeKinds.All or SolutionChangeKinds.None
        ? ""
        : string.Join(',', s_names.Where(n => kinds.HasFlag(n.Kind)).Select(n => n.Name));

    /// <summary>The kinds a list of names gives; a missing list, or any name not known here, is <see cref="SolutionChangeKinds.All"/>.</summary>
    public static SolutionChangeKinds Parse(ReadOnlySpan<char> names)
    {
        if (names.IsWhiteSpace())
        {
            return SolutionChangeKinds.All;
        }
        var kinds = SolutionChangeKinds.None;
        foreach (var range in names.Split(','))
        {
            var name = names[range].Trim();
            var known = false;
            foreach (var (kind, text) in s_names)
            {
                if (name.SequenceEqual(text))
                {
                    kinds |= kind;
                    known = true;
                    break;
                }
            }
            if (!known)
            {
                return SolutionChangeKinds.All;
            }
        }
        return kinds;
    }
}
