namespace GradingPortal.Domain.Evaluation;

/// <summary>
/// A set of score pairs laid out for fast resampling. Solutions are sorted by (problem, solution) so that the draws
/// depend on the set, not on the order it was given in. Solutions of one problem that agree in everything a metric
/// reads (both scores, both labels, the maximum) share a cell; a resample only counts how often each cell was drawn,
/// and every metric is computed from those counts in one or two passes over the cells.
/// </summary>
internal sealed class AgreementSample
{
    public const int CoreMetrics = 14;

    public int SolutionCount { get; private init; }
    public int ProblemCount { get; private init; }

    /// <summary>Solutions of problem p are [ProblemStart[p], ProblemStart[p + 1]).</summary>
    public int[] ProblemStart { get; private init; } = [];

    /// <summary>The cell of each solution.</summary>
    public int[] CellOf { get; private init; } = [];

    /// <summary>Cells of problem p are [CellStart[p], CellStart[p + 1]), ordered by reference score, then grader score.</summary>
    public int[] CellStart { get; private init; } = [];

    public int CellCount { get; private init; }

    /// <summary>How many solutions each cell holds (the weights of the point estimate).</summary>
    public int[] CellSize { get; private init; } = [];

    public double[] Ref { get; private init; } = [];
    public double[] Grd { get; private init; } = [];

    /// <summary>Rank of the cell's reference (grader) score among all distinct reference (grader) scores.</summary>
    public int[] RefCode { get; private init; } = [];
    public int[] GrdCode { get; private init; } = [];

    /// <summary>Rank of the grader's score among the distinct grader scores of the cell's problem (τ-b's tree index).</summary>
    public int[] GrdLocal { get; private init; } = [];

    /// <summary>Distinct grader scores per problem.</summary>
    public int[] ProblemGrdDistinct { get; private init; } = [];

    public int MaxGrdDistinct { get; private init; }

    /// <summary>Whole-point categories (half up).</summary>
    public int[] RefCat { get; private init; } = [];
    public int[] GrdCat { get; private init; } = [];

    /// <summary>Index into <see cref="Labels"/>, or -1 where a side gave no label.</summary>
    public int[] RefLabel { get; private init; } = [];
    public int[] GrdLabel { get; private init; } = [];

    public bool[] RefFails { get; private init; } = [];
    public bool[] GrdFails { get; private init; } = [];
    public bool[] Exact { get; private init; } = [];
    public bool[] Within1 { get; private init; } = [];

    /// <summary>Distinct reference scores, ascending (the calibration rows).</summary>
    public decimal[] RefValues { get; private init; } = [];
    public int GrdValueCount { get; private init; }

    public string[] Labels { get; private init; } = [];
    public int MaxCategory { get; private init; }

    /// <summary>Awards of solution s are [ItemStart[s], ItemStart[s + 1]) in the item arrays.</summary>
    public int[] ItemStart { get; private init; } = [];
    public int[] ItemOf { get; private init; } = [];
    public double[] ItemRef { get; private init; } = [];
    public double[] ItemGrd { get; private init; } = [];
    public Guid[] ItemIds { get; private init; } = [];
    public bool HasItems => ItemIds.Length > 0;

    /// <summary>Values written per evaluation: the core metrics, one mean per reference score, three figures per item.</summary>
    public int MetricCount => CoreMetrics + RefValues.Length + 3 * ItemIds.Length;

    public static AgreementSample Create(IReadOnlyList<ScorePair> pairs, AgreementOptions options)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var sorted = new ScorePair[pairs.Count];
        var seen = new HashSet<Guid>();
        for (var i = 0; i < pairs.Count; i++)
        {
            var p = pairs[i] ?? throw new ArgumentException("A pair is null.", nameof(pairs));
            Validate(p);
            if (!seen.Add(p.SolutionId))
            {
                throw new ArgumentException($"Solution {p.SolutionId} appears twice; a sample holds each solution once.", nameof(pairs));
            }
            sorted[i] = p;
        }
        Array.Sort(sorted, static (a, b) =>
        {
            var c = a.ProblemId.CompareTo(b.ProblemId);
            return c != 0 ? c : a.SolutionId.CompareTo(b.SolutionId);
        });

        var n = sorted.Length;
        var refValues = sorted.Select(p => p.Reference).Distinct().Order().ToArray();
        var grdValues = sorted.Select(p => p.Grader).Distinct().Order().ToArray();
        var refIndex = Index(refValues);
        var grdIndex = Index(grdValues);
        var labels = OrderLabels(sorted, options.LabelOrder);
        var labelIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < labels.Length; i++)
        {
            labelIndex[labels[i]] = i;
        }

        var problemStart = new List<int>();
        var cellStart = new List<int>();
        var cellOf = new int[n];
        var cells = new List<CellKey>();
        var cellSize = new List<int>();
        var problemGrdDistinct = new List<int>();
        var start = 0;
        while (start < n)
        {
            var end = start;
            while (end < n && sorted[end].ProblemId == sorted[start].ProblemId)
            {
                end++;
            }
            problemStart.Add(start);
            cellStart.Add(cells.Count);
            var keys = new SortedDictionary<CellKey, int>();
            for (var s = start; s < end; s++)
            {
                var key = KeyOf(sorted[s], refIndex, grdIndex, labelIndex);
                keys[key] = keys.TryGetValue(key, out var count) ? count + 1 : 1;
            }
            var local = new Dictionary<CellKey, int>();
            foreach (var (key, count) in keys)
            {
                local[key] = cells.Count;
                cells.Add(key);
                cellSize.Add(count);
            }
            for (var s = start; s < end; s++)
            {
                cellOf[s] = local[KeyOf(sorted[s], refIndex, grdIndex, labelIndex)];
            }
            problemGrdDistinct.Add(keys.Keys.Select(k => k.GrdCode).Distinct().Count());
            start = end;
        }
        problemStart.Add(n);
        cellStart.Add(cells.Count);

        var c = cells.Count;
        var grdLocal = new int[c];
        for (var p = 0; p < problemGrdDistinct.Count; p++)
        {
            var codes = new SortedSet<int>();
            for (var i = cellStart[p]; i < cellStart[p + 1]; i++)
            {
                codes.Add(cells[i].GrdCode);
            }
            var rank = codes.Select((code, r) => (code, r)).ToDictionary(x => x.code, x => x.r);
            for (var i = cellStart[p]; i < cellStart[p + 1]; i++)
            {
                grdLocal[i] = rank[cells[i].GrdCode];
            }
        }

        var itemIds = sorted.SelectMany(p => p.Items ?? []).Select(a => a.RubricItemId).Distinct().Order().ToArray();
        var itemIndex = Index(itemIds);
        var itemStart = new int[n + 1];
        var itemOf = new List<int>();
        var itemRef = new List<double>();
        var itemGrd = new List<double>();
        for (var s = 0; s < n; s++)
        {
            itemStart[s] = itemOf.Count;
            foreach (var award in sorted[s].Items ?? [])
            {
                itemOf.Add(itemIndex[award.RubricItemId]);
                itemRef.Add((double)award.Reference);
                itemGrd.Add((double)award.Grader);
            }
        }
        itemStart[n] = itemOf.Count;

        return new AgreementSample
        {
            SolutionCount = n,
            ProblemCount = problemGrdDistinct.Count,
            ProblemStart = [.. problemStart],
            CellOf = cellOf,
            CellStart = [.. cellStart],
            CellCount = c,
            CellSize = [.. cellSize],
            Ref = cells.Select(k => (double)refValues[k.RefCode]).ToArray(),
            Grd = cells.Select(k => (double)grdValues[k.GrdCode]).ToArray(),
            RefCode = cells.Select(k => k.RefCode).ToArray(),
            GrdCode = cells.Select(k => k.GrdCode).ToArray(),
            GrdLocal = grdLocal,
            ProblemGrdDistinct = [.. problemGrdDistinct],
            MaxGrdDistinct = problemGrdDistinct.Count == 0 ? 0 : problemGrdDistinct.Max(),
            RefCat = cells.Select(k => Category(refValues[k.RefCode])).ToArray(),
            GrdCat = cells.Select(k => Category(grdValues[k.GrdCode])).ToArray(),
            RefLabel = cells.Select(k => k.RefLabel).ToArray(),
            GrdLabel = cells.Select(k => k.GrdLabel).ToArray(),
            RefFails = cells.Select(k => refValues[k.RefCode] < (options.Threshold ?? k.MaxPoints - 1)).ToArray(),
            GrdFails = cells.Select(k => grdValues[k.GrdCode] < (options.Threshold ?? k.MaxPoints - 1)).ToArray(),
            Exact = cells.Select(k => refValues[k.RefCode] == grdValues[k.GrdCode]).ToArray(),
            Within1 = cells.Select(k => Math.Abs(refValues[k.RefCode] - grdValues[k.GrdCode]) <= 1m).ToArray(),
            RefValues = refValues,
            GrdValueCount = grdValues.Length,
            Labels = labels,
            MaxCategory = n == 0 ? 0 : sorted.Max(p => p.MaxPoints),
            ItemStart = itemStart,
            ItemOf = [.. itemOf],
            ItemRef = [.. itemRef],
            ItemGrd = [.. itemGrd],
            ItemIds = itemIds,
        };
    }

    /// <summary>Whole-point category of a score: rounded half up (3.5 → 4, 3.25 → 3), as the method asks.</summary>
    public static int Category(decimal score) => (int)decimal.Floor(score + 0.5m);

    private static void Validate(ScorePair p)
    {
        if (p.MaxPoints < 1)
        {
            throw new ArgumentException($"Solution {p.SolutionId}: the maximum must be at least 1.", nameof(p));
        }
        if (p.Reference < 0 || p.Reference > p.MaxPoints || p.Grader < 0 || p.Grader > p.MaxPoints)
        {
            throw new ArgumentException($"Solution {p.SolutionId}: scores must lie between 0 and {p.MaxPoints}.", nameof(p));
        }
    }

    private static CellKey KeyOf(ScorePair p, Dictionary<decimal, int> refIndex, Dictionary<decimal, int> grdIndex, Dictionary<string, int> labels) =>
        new(refIndex[p.Reference], grdIndex[p.Grader],
            p.ReferenceLabel is { } r ? labels[r] : -1, p.GraderLabel is { } g ? labels[g] : -1, p.MaxPoints);

    private static Dictionary<T, int> Index<T>(T[] values) where T : notnull
    {
        var index = new Dictionary<T, int>(values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            index[values[i]] = i;
        }
        return index;
    }

    private static string[] OrderLabels(ScorePair[] pairs, IReadOnlyList<string>? order)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in pairs)
        {
            if (p.ReferenceLabel is { } r)
            {
                present.Add(r);
            }
            if (p.GraderLabel is { } g)
            {
                present.Add(g);
            }
        }
        var labels = new List<string>();
        foreach (var label in order ?? [])
        {
            // Listed labels keep their place even when unused, so matrices of different graders line up.
            if (!labels.Contains(label, StringComparer.Ordinal))
            {
                labels.Add(label);
            }
        }
        labels.AddRange(present.Where(l => !labels.Contains(l, StringComparer.Ordinal)).Order(StringComparer.Ordinal));
        return [.. labels];
    }

    /// <summary>Ordered by reference score, then grader score, so τ-b can sweep the cells of a problem in order.</summary>
    private readonly record struct CellKey(int RefCode, int GrdCode, int RefLabel, int GrdLabel, int MaxPoints) : IComparable<CellKey>
    {
        public int CompareTo(CellKey other)
        {
            var c = RefCode.CompareTo(other.RefCode);
            if (c == 0) c = GrdCode.CompareTo(other.GrdCode);
            if (c == 0) c = RefLabel.CompareTo(other.RefLabel);
            if (c == 0) c = GrdLabel.CompareTo(other.GrdLabel);
            return c != 0 ? c : MaxPoints.CompareTo(other.MaxPoints);
        }
    }
}
