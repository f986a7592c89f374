namespace GradingPortal.Domain.Evaluation;

/// <summary>
/// A set of score pairs laid out for fast resampling. Solutions are sorted by (problem, solution) so that the draws
/// depend on the set, not on the order it was given in. Two levels of grouping keep the resample loop short:
/// - a <em>type</em> is everything a pooled metric reads (both scores, both labels, the maximum); a few hundred types
///   at most on the usual half-point scales, however many solutions there are;
/// - a <em>cell</em> is a type within one problem, which is what τ-b (computed per problem) needs.
/// A resample only counts draws per cell; every metric is then computed from those counts.
/// </summary>
internal sealed class AgreementSample
{
    public const int CoreMetrics = 14;

    public const byte ExactFlag = 1, Within1Flag = 2, RefFailsFlag = 4, GrdFailsFlag = 8;

    public int SolutionCount { get; private init; }
    public int ProblemCount { get; private init; }

    /// <summary>Solutions of problem p are [ProblemStart[p], ProblemStart[p + 1]).</summary>
    public int[] ProblemStart { get; private init; } = [];

    /// <summary>The cell of each solution.</summary>
    public int[] CellOf { get; private init; } = [];

    /// <summary>Cells of problem p are [CellStart[p], CellStart[p + 1]), ordered by reference score, then grader score.</summary>
    public int[] CellStart { get; private init; } = [];

    public int CellCount => CellType.Length;

    /// <summary>How many solutions each cell holds (the weights of the point estimate).</summary>
    public int[] CellSize { get; private init; } = [];

    public int[] CellType { get; private init; } = [];

    /// <summary>The cell's reference score as a rank among all distinct reference scores (τ-b's grouping key).</summary>
    public int[] CellRefCode { get; private init; } = [];

    /// <summary>The cell's grader score as a rank among the distinct grader scores of its problem.</summary>
    public int[] CellGrdLocal { get; private init; } = [];

    /// <summary>Distinct grader scores per problem.</summary>
    public int[] ProblemGrdDistinct { get; private init; } = [];

    /// <summary>Distinct reference scores per problem.</summary>
    public int[] ProblemRefDistinct { get; private init; } = [];

    /// <summary>
    /// Cells sharing a problem and a reference score form a group: group g is cells [GroupStart[g], GroupStart[g + 1]),
    /// and the groups of problem p are [ProblemGroupStart[p], ProblemGroupStart[p + 1]).
    /// </summary>
    public int[] GroupStart { get; private init; } = [];
    public int[] ProblemGroupStart { get; private init; } = [];

    public int MaxGrdDistinct { get; private init; }

    public int TypeCount => TypeRef.Length;
    public double[] TypeRef { get; private init; } = [];
    public double[] TypeGrd { get; private init; } = [];

    /// <summary>Rank of the type's reference (grader) score among all distinct reference (grader) scores.</summary>
    public int[] TypeRefCode { get; private init; } = [];
    public int[] TypeGrdCode { get; private init; } = [];

    /// <summary>Whole-point categories (half up).</summary>
    public int[] TypeRefCat { get; private init; } = [];
    public int[] TypeGrdCat { get; private init; } = [];

    /// <summary>Index into <see cref="Labels"/>, or -1 where a side gave no label.</summary>
    public int[] TypeRefLabel { get; private init; } = [];
    public int[] TypeGrdLabel { get; private init; } = [];

    /// <summary><see cref="ExactFlag"/>, <see cref="Within1Flag"/>, <see cref="RefFailsFlag"/>, <see cref="GrdFailsFlag"/>.</summary>
    public byte[] TypeFlags { get; private init; } = [];

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
        var n = pairs.Count;
        var sorted = new ScorePair[n];
        var seen = new HashSet<Guid>(n);
        for (var i = 0; i < n; i++)
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

        var refValues = Distinct(sorted, static p => p.Reference);
        var grdValues = Distinct(sorted, static p => p.Grader);
        var labels = OrderLabels(sorted, options.LabelOrder);
        var labelIndex = new Dictionary<string, int>(labels.Length, StringComparer.Ordinal);
        for (var i = 0; i < labels.Length; i++)
        {
            labelIndex[labels[i]] = i;
        }
        var keys = new Key[n];
        for (var s = 0; s < n; s++)
        {
            var p = sorted[s];
            keys[s] = new Key(Array.BinarySearch(refValues, p.Reference), Array.BinarySearch(grdValues, p.Grader),
                p.ReferenceLabel is { } r ? labelIndex[r] : -1, p.GraderLabel is { } g ? labelIndex[g] : -1, p.MaxPoints);
        }

        // Cells: per problem, sort the solutions' keys and cut runs of equal keys.
        var problemStart = new List<int>();
        var cellStart = new List<int>();
        var problemGrdDistinct = new List<int>();
        var problemRefDistinct = new List<int>();
        var cellOf = new int[n];
        var cellKeys = new List<Key>();
        var cellSize = new List<int>();
        var cellGrdLocal = new List<int>();
        var order = new int[n];
        var scratch = new Key[n];
        var grdCodes = new List<int>();
        var groupStart = new List<int>();
        var problemGroupStart = new List<int>();
        for (var start = 0; start < n;)
        {
            var end = start + 1;
            while (end < n && sorted[end].ProblemId == sorted[start].ProblemId)
            {
                end++;
            }
            problemStart.Add(start);
            cellStart.Add(cellKeys.Count);
            var size = end - start;
            for (var i = 0; i < size; i++)
            {
                order[i] = start + i;
                scratch[i] = keys[start + i];
            }
            Array.Sort(scratch, order, 0, size);
            var firstCell = cellKeys.Count;
            for (var i = 0; i < size; i++)
            {
                if (i == 0 || scratch[i].CompareTo(scratch[i - 1]) != 0)
                {
                    cellKeys.Add(scratch[i]);
                    cellSize.Add(0);
                }
                cellSize[^1]++;
                cellOf[order[i]] = cellKeys.Count - 1;
            }
            grdCodes.Clear();
            var refDistinct = 0;
            problemGroupStart.Add(groupStart.Count);
            for (var c = firstCell; c < cellKeys.Count; c++)
            {
                grdCodes.Add(cellKeys[c].GrdCode);
                if (c == firstCell || cellKeys[c].RefCode != cellKeys[c - 1].RefCode)
                {
                    refDistinct++;
                    groupStart.Add(c);
                }
            }
            grdCodes.Sort();
            var distinct = 0;
            for (var i = 0; i < grdCodes.Count; i++)
            {
                if (i == 0 || grdCodes[i] != grdCodes[i - 1])
                {
                    grdCodes[distinct++] = grdCodes[i];
                }
            }
            for (var c = firstCell; c < cellKeys.Count; c++)
            {
                cellGrdLocal.Add(grdCodes.BinarySearch(0, distinct, cellKeys[c].GrdCode, null));
            }
            problemGrdDistinct.Add(distinct);
            problemRefDistinct.Add(refDistinct);
            start = end;
        }
        problemStart.Add(n);
        cellStart.Add(cellKeys.Count);
        problemGroupStart.Add(groupStart.Count);
        groupStart.Add(cellKeys.Count);

        // Types: the cells' keys with the problem forgotten.
        var cells = cellKeys.Count;
        var typeOrder = new int[cells];
        var typeKeys = cellKeys.ToArray();
        for (var c = 0; c < cells; c++)
        {
            typeOrder[c] = c;
        }
        Array.Sort(typeKeys, typeOrder);
        var cellType = new int[cells];
        var types = new List<Key>();
        for (var i = 0; i < cells; i++)
        {
            if (i == 0 || typeKeys[i].CompareTo(typeKeys[i - 1]) != 0)
            {
                types.Add(typeKeys[i]);
            }
            cellType[typeOrder[i]] = types.Count - 1;
        }
        var t = types.Count;
        var typeRef = new double[t];
        var typeGrd = new double[t];
        var typeRefCode = new int[t];
        var typeGrdCode = new int[t];
        var typeRefCat = new int[t];
        var typeGrdCat = new int[t];
        var typeRefLabel = new int[t];
        var typeGrdLabel = new int[t];
        var typeFlags = new byte[t];
        for (var i = 0; i < t; i++)
        {
            var k = types[i];
            var r = refValues[k.RefCode];
            var g = grdValues[k.GrdCode];
            var threshold = options.Threshold ?? k.MaxPoints - 1;
            typeRef[i] = (double)r;
            typeGrd[i] = (double)g;
            typeRefCode[i] = k.RefCode;
            typeGrdCode[i] = k.GrdCode;
            typeRefCat[i] = Category(r);
            typeGrdCat[i] = Category(g);
            typeRefLabel[i] = k.RefLabel;
            typeGrdLabel[i] = k.GrdLabel;
            // Decided on the exact decimals once here, so no floating-point tolerance is needed anywhere else.
            typeFlags[i] = (byte)((r == g ? ExactFlag : 0) | (Math.Abs(r - g) <= 1m ? Within1Flag : 0)
                | (r < threshold ? RefFailsFlag : 0) | (g < threshold ? GrdFailsFlag : 0));
        }

        var itemIds = n == 0 ? [] : sorted.SelectMany(p => p.Items ?? []).Select(a => a.RubricItemId).Distinct().Order().ToArray();
        var itemStart = new int[n + 1];
        var itemOf = new List<int>();
        var itemRef = new List<double>();
        var itemGrd = new List<double>();
        if (itemIds.Length > 0)
        {
            var itemIndex = new Dictionary<Guid, int>(itemIds.Length);
            for (var i = 0; i < itemIds.Length; i++)
            {
                itemIndex[itemIds[i]] = i;
            }
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
        }

        var maxCategory = 0;
        foreach (var p in sorted)
        {
            maxCategory = Math.Max(maxCategory, p.MaxPoints);
        }
        return new AgreementSample
        {
            SolutionCount = n,
            ProblemCount = problemGrdDistinct.Count,
            ProblemStart = [.. problemStart],
            CellOf = cellOf,
            CellStart = [.. cellStart],
            CellSize = [.. cellSize],
            CellType = cellType,
            CellRefCode = cellKeys.Select(k => k.RefCode).ToArray(),
            CellGrdLocal = [.. cellGrdLocal],
            ProblemGrdDistinct = [.. problemGrdDistinct],
            ProblemRefDistinct = [.. problemRefDistinct],
            GroupStart = [.. groupStart],
            ProblemGroupStart = [.. problemGroupStart],
            MaxGrdDistinct = problemGrdDistinct.Count == 0 ? 0 : problemGrdDistinct.Max(),
            TypeRef = typeRef,
            TypeGrd = typeGrd,
            TypeRefCode = typeRefCode,
            TypeGrdCode = typeGrdCode,
            TypeRefCat = typeRefCat,
            TypeGrdCat = typeGrdCat,
            TypeRefLabel = typeRefLabel,
            TypeGrdLabel = typeGrdLabel,
            TypeFlags = typeFlags,
            RefValues = refValues,
            GrdValueCount = grdValues.Length,
            Labels = labels,
            MaxCategory = maxCategory,
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
        if (p.MaxPoints is < 1 or > 1000)
        {
            throw new ArgumentException($"Solution {p.SolutionId}: the maximum must lie between 1 and 1000.", nameof(p));
        }
        if (p.Reference < 0 || p.Reference > p.MaxPoints || p.Grader < 0 || p.Grader > p.MaxPoints)
        {
            throw new ArgumentException($"Solution {p.SolutionId}: scores must lie between 0 and {p.MaxPoints}.", nameof(p));
        }
    }

    private static decimal[] Distinct(ScorePair[] pairs, Func<ScorePair, decimal> score)
    {
        var values = new decimal[pairs.Length];
        for (var i = 0; i < pairs.Length; i++)
        {
            values[i] = score(pairs[i]);
        }
        Array.Sort(values);
        var distinct = 0;
        for (var i = 0; i < values.Length; i++)
        {
            // 3.5 and 3.50 are one score: decimal equality ignores the scale.
            if (i == 0 || values[i] != values[distinct - 1])
            {
                values[distinct++] = values[i];
            }
        }
        Array.Resize(ref values, distinct);
        return values;
    }

    private static string[] OrderLabels(ScorePair[] pairs, IReadOnlyList<string>? order)
    {
        var labels = new List<string>();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var label in order ?? [])
        {
            // Listed labels keep their place even when unused, so matrices of different graders line up.
            if (listed.Add(label))
            {
                labels.Add(label);
            }
        }
        var rest = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var p in pairs)
        {
            if (p.ReferenceLabel is { } r && !listed.Contains(r))
            {
                rest.Add(r);
            }
            if (p.GraderLabel is { } g && !listed.Contains(g))
            {
                rest.Add(g);
            }
        }
        labels.AddRange(rest);
        return [.. labels];
    }

    /// <summary>Ordered by reference score, then grader score, so τ-b can sweep the cells of a problem in order.</summary>
    private readonly record struct Key(int RefCode, int GrdCode, int RefLabel, int GrdLabel, int MaxPoints) : IComparable<Key>
    {
        public int CompareTo(Key other)
        {
            var c = RefCode.CompareTo(other.RefCode);
            if (c == 0) c = GrdCode.CompareTo(other.GrdCode);
            if (c == 0) c = RefLabel.CompareTo(other.RefLabel);
            if (c == 0) c = GrdLabel.CompareTo(other.GrdLabel);
            return c != 0 ? c : MaxPoints.CompareTo(other.MaxPoints);
        }
    }
}
