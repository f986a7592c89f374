namespace GradingPortal.Domain.Evaluation;

/// <summary>
/// Computes every metric of one weighting of a sample's cells (the point estimate: each cell weighted by its size;
/// a resample: by how often its solutions were drawn). Written for the bootstrap's inner loop: arrays only, no
/// allocation; the pooled metrics read the counts per type (two passes), τ-b sweeps the cells of each problem once.
/// Undefined values are written as NaN.
/// </summary>
internal sealed class AgreementKernel
{
    public const int Mae = 0, Rmse = 1, Bias = 2, Exact = 3, Within1 = 4, Pearson = 5, Spearman = 6, KendallTauB = 7,
        Qwk = 8, CohenKappa = 9, Accuracy = 10, Precision = 11, Recall = 12, F1 = 13;

    private readonly AgreementSample _s;
    private readonly long[] _refWeight;
    private readonly long[] _grdWeight;
    private readonly double[] _refRank;
    private readonly double[] _grdRank;
    private readonly double[] _grdSumByRef;
    private readonly long[] _tree;
    private readonly long[] _localWeight;
    private readonly long[] _cumulative;
    private readonly long[] _typeCounts;
    private readonly long[] _labelRow;
    private readonly long[] _labelColumn;
    private readonly long[] _itemCount;
    private readonly double[] _itemRef;
    private readonly double[] _itemGrd;

    public AgreementKernel(AgreementSample sample)
    {
        _s = sample;
        _refWeight = new long[sample.RefValues.Length];
        _grdWeight = new long[sample.GrdValueCount];
        _refRank = new double[sample.RefValues.Length];
        _grdRank = new double[sample.GrdValueCount];
        _grdSumByRef = new double[sample.RefValues.Length];
        _tree = new long[sample.MaxGrdDistinct + 1];
        _localWeight = new long[sample.MaxGrdDistinct];
        _cumulative = new long[sample.MaxGrdDistinct + 1];
        _typeCounts = new long[sample.TypeCount];
        _labelRow = new long[sample.Labels.Length];
        _labelColumn = new long[sample.Labels.Length];
        _itemCount = new long[sample.ItemIds.Length];
        _itemRef = new double[sample.ItemIds.Length];
        _itemGrd = new double[sample.ItemIds.Length];
        Counts = new int[sample.CellCount];
    }

    /// <summary>Draws per cell of the current weighting.</summary>
    public int[] Counts { get; }

    /// <summary>Sets the point estimate's weighting: every solution once.</summary>
    public void WeighAll()
    {
        Array.Copy(_s.CellSize, Counts, Counts.Length);
        ClearItems();
        for (var s = 0; s < _s.SolutionCount; s++)
        {
            AddItems(s);
        }
    }

    /// <summary>
    /// Sets a bootstrap weighting: within each problem, as many draws with replacement as it has solutions, so every
    /// resample keeps the problem mix of the data (stratified resampling).
    /// </summary>
    public void Resample(ref BootstrapRandom random)
    {
        var counts = Counts;
        Array.Clear(counts);
        var start = _s.ProblemStart;
        var cellOf = _s.CellOf;
        var items = _s.HasItems;
        if (items)
        {
            ClearItems();
        }
        for (var p = 0; p < _s.ProblemCount; p++)
        {
            var first = start[p];
            var size = start[p + 1] - first;
            for (var j = 0; j < size; j++)
            {
                var solution = first + random.Next(size);
                counts[cellOf[solution]]++;
                if (items)
                {
                    AddItems(solution);
                }
            }
        }
    }

    /// <summary>Writes the metrics of the current weighting into <paramref name="output"/> (length <see cref="AgreementSample.MetricCount"/>).</summary>
    public void Evaluate(Span<double> output)
    {
        var s = _s;
        output.Fill(double.NaN);
        var types = _typeCounts;
        Array.Clear(types);
        var counts = Counts;
        var cellType = s.CellType;
        for (var c = 0; c < counts.Length; c++)
        {
            types[cellType[c]] += counts[c];
        }
        Array.Clear(_refWeight);
        Array.Clear(_grdWeight);
        Array.Clear(_grdSumByRef);
        Array.Clear(_labelRow);
        Array.Clear(_labelColumn);

        long total = 0, exact = 0, within1 = 0, tp = 0, fp = 0, fn = 0, tn = 0;
        long labelled = 0, labelAgree = 0;
        long catRef = 0, catGrd = 0, catRefSq = 0, catGrdSq = 0, catDiffSq = 0;
        double sumAbs = 0, sumSq = 0, sumDiff = 0, sumRef = 0, sumGrd = 0;
        for (var t = 0; t < types.Length; t++)
        {
            long w = types[t];
            if (w == 0)
            {
                continue;
            }
            var r = s.TypeRef[t];
            var g = s.TypeGrd[t];
            var d = g - r;
            total += w;
            sumAbs += w * Math.Abs(d);
            sumSq += w * d * d;
            sumDiff += w * d;
            sumRef += w * r;
            sumGrd += w * g;
            _refWeight[s.TypeRefCode[t]] += w;
            _grdWeight[s.TypeGrdCode[t]] += w;
            _grdSumByRef[s.TypeRefCode[t]] += w * g;

            long cr = s.TypeRefCat[t], cg = s.TypeGrdCat[t];
            catRef += w * cr;
            catGrd += w * cg;
            catRefSq += w * cr * cr;
            catGrdSq += w * cg * cg;
            catDiffSq += w * (cr - cg) * (cr - cg);

            int lr = s.TypeRefLabel[t], lg = s.TypeGrdLabel[t];
            if (lr >= 0 && lg >= 0)
            {
                labelled += w;
                _labelRow[lr] += w;
                _labelColumn[lg] += w;
                if (lr == lg)
                {
                    labelAgree += w;
                }
            }

            var flags = s.TypeFlags[t];
            if ((flags & AgreementSample.ExactFlag) != 0)
            {
                exact += w;
            }
            if ((flags & AgreementSample.Within1Flag) != 0)
            {
                within1 += w;
            }
            switch (flags & (AgreementSample.RefFailsFlag | AgreementSample.GrdFailsFlag))
            {
                case AgreementSample.RefFailsFlag | AgreementSample.GrdFailsFlag: tp += w; break;
                case AgreementSample.GrdFailsFlag: fp += w; break;
                case AgreementSample.RefFailsFlag: fn += w; break;
                default: tn += w; break;
            }
        }

        if (total > 0)
        {
            double n = total;
            output[Mae] = sumAbs / n;
            output[Rmse] = Math.Sqrt(sumSq / n);
            output[Bias] = sumDiff / n;
            output[Exact] = exact / n;
            output[Within1] = within1 / n;
            output[Accuracy] = (tp + tn) / n;
            output[Precision] = tp + fp > 0 ? (double)tp / (tp + fp) : double.NaN;
            output[Recall] = tp + fn > 0 ? (double)tp / (tp + fn) : double.NaN;
            output[F1] = 2 * tp + fp + fn > 0 ? 2.0 * tp / (2 * tp + fp + fn) : double.NaN;

            // Expected disagreement of the quadratic κ, times n², in integers so "no spread at all" is an exact zero:
            // n·Σ(i−j)²·r_i·c_j/n = (nΣi²r − (Σir)²) + (nΣj²c − (Σjc)²) + (Σir − Σjc)²; the (k−1)² weight scale cancels.
            var expected = (total * catRefSq - catRef * catRef) + (total * catGrdSq - catGrd * catGrd) + (catRef - catGrd) * (catRef - catGrd);
            output[Qwk] = expected > 0 ? 1 - (double)(total * catDiffSq) / expected : double.NaN;

            var refSpread = Ranks(_refWeight, _refRank);
            var grdSpread = Ranks(_grdWeight, _grdRank);
            if (refSpread && grdSpread)
            {
                Correlations(types, sumRef / n, sumGrd / n, (n + 1) / 2, output);
            }

            for (var k = 0; k < _refWeight.Length; k++)
            {
                if (_refWeight[k] > 0)
                {
                    output[AgreementSample.CoreMetrics + k] = _grdSumByRef[k] / _refWeight[k];
                }
            }
        }

        if (labelled > 0)
        {
            // κ = (p_o − p_e)/(1 − p_e), multiplied through by n² to stay in integers.
            long chance = 0;
            for (var k = 0; k < _labelRow.Length; k++)
            {
                chance += _labelRow[k] * _labelColumn[k];
            }
            var denominator = labelled * labelled - chance;
            output[CohenKappa] = denominator > 0 ? (double)(labelAgree * labelled - chance) / denominator : double.NaN;
        }

        output[KendallTauB] = KendallMacro(out _, out _);

        var itemBase = AgreementSample.CoreMetrics + _refWeight.Length;
        for (var i = 0; i < _itemCount.Length; i++)
        {
            if (_itemCount[i] > 0)
            {
                var meanRef = _itemRef[i] / _itemCount[i];
                var meanGrd = _itemGrd[i] / _itemCount[i];
                output[itemBase + 3 * i] = meanRef;
                output[itemBase + 3 * i + 1] = meanGrd;
                output[itemBase + 3 * i + 2] = meanGrd - meanRef;
            }
        }
    }

    /// <summary>
    /// Kendall's τ-b of each problem under the current weighting, averaged over the problems where it is defined (more
    /// than one distinct score on each side, hence at least two draws). Per problem the cells are swept in reference
    /// order while the weights of earlier reference scores are kept per grader score; a cell's concordant and
    /// discordant partners are the earlier weights below and above its grader score. Ties are exact: pairs tied on
    /// either side count for neither, and enter τ-b's denominator through the tie sums.
    /// </summary>
    public double KendallMacro(out int problems, out int solutions)
    {
        var s = _s;
        var counts = Counts;
        var local = _localWeight;
        var cumulative = _cumulative;
        var grdLocal = s.CellGrdLocal;
        var groupStart = s.GroupStart;
        double sum = 0;
        problems = 0;
        solutions = 0;
        for (var p = 0; p < s.ProblemCount; p++)
        {
            var size = s.ProblemGrdDistinct[p];
            var groups = s.ProblemRefDistinct[p];
            if (size < 2 || groups < 2)
            {
                continue;
            }
            Array.Clear(local, 0, size);
            // Few reference scores (the usual 0–7 grid): prefix sums refreshed once per reference score, O(1) per cell.
            // Many (near-continuous scores in a large problem): a Fenwick tree, O(log) per cell.
            var prefixSums = groups * size <= 4 * (s.CellStart[p + 1] - s.CellStart[p]) + 64;
            if (!prefixSums)
            {
                Array.Clear(_tree, 0, size + 1);
            }
            long before = 0, score = 0, refTies = 0;
            var refGroups = 0;
            for (var g = s.ProblemGroupStart[p]; g < s.ProblemGroupStart[p + 1]; g++)
            {
                var first = groupStart[g];
                var end = groupStart[g + 1];
                long group = 0;
                if (prefixSums)
                {
                    // A snapshot of the earlier groups, up to this group's highest grader score (cells are in grader
                    // order), so the group's own weights can be added to `local` as it goes.
                    var top = grdLocal[end - 1] + 1;
                    long running = 0;
                    for (var k = 0; k < top; k++)
                    {
                        cumulative[k] = running;
                        running += local[k];
                    }
                    cumulative[top] = running;
                    for (var c = first; c < end; c++)
                    {
                        long w = counts[c];
                        var m = grdLocal[c];
                        // Earlier draws below this grader score are concordant, above it discordant.
                        score += w * (cumulative[m] + cumulative[m + 1] - before);
                        local[m] += w;
                        group += w;
                    }
                }
                else
                {
                    for (var c = first; c < end; c++)
                    {
                        long w = counts[c];
                        if (w > 0)
                        {
                            var m = grdLocal[c];
                            var below = Prefix(_tree, m);
                            score += w * (2 * below + local[m] - before);
                            group += w;
                        }
                    }
                    for (var c = first; c < end; c++)
                    {
                        long w = counts[c];
                        if (w > 0)
                        {
                            var m = grdLocal[c];
                            local[m] += w;
                            Add(_tree, size, m, w);
                        }
                    }
                }
                if (group > 0)
                {
                    refGroups++;
                    refTies += group * (group - 1) / 2;
                    before += group;
                }
            }
            long grdTies = 0;
            var grdGroups = 0;
            for (var k = 0; k < size; k++)
            {
                var w = local[k];
                if (w > 0)
                {
                    grdGroups++;
                    grdTies += w * (w - 1) / 2;
                }
            }
            if (refGroups < 2 || grdGroups < 2)
            {
                continue;
            }
            var pairs = before * (before - 1) / 2;
            sum += score / Math.Sqrt((double)(pairs - refTies) * (pairs - grdTies));
            problems++;
            solutions += (int)before;
        }
        return problems > 0 ? sum / problems : double.NaN;
    }

    /// <summary>Average ranks of a weighted histogram (ties share the mean of their positions); false when it has one value.</summary>
    private static bool Ranks(long[] weights, double[] ranks)
    {
        long below = 0;
        var distinct = 0;
        for (var k = 0; k < weights.Length; k++)
        {
            var w = weights[k];
            if (w > 0)
            {
                distinct++;
                ranks[k] = below + (w + 1) / 2.0;
                below += w;
            }
        }
        return distinct > 1;
    }

    /// <summary>Pearson on the scores and on their average ranks, from centred sums (a second pass over the cells).</summary>
    private void Correlations(long[] types, double meanRef, double meanGrd, double meanRank, Span<double> output)
    {
        var s = _s;
        double vr = 0, vg = 0, cv = 0, rr = 0, rg = 0, rc = 0;
        for (var t = 0; t < types.Length; t++)
        {
            double w = types[t];
            if (w == 0)
            {
                continue;
            }
            var dr = s.TypeRef[t] - meanRef;
            var dg = s.TypeGrd[t] - meanGrd;
            vr += w * dr * dr;
            vg += w * dg * dg;
            cv += w * dr * dg;
            var kr = _refRank[s.TypeRefCode[t]] - meanRank;
            var kg = _grdRank[s.TypeGrdCode[t]] - meanRank;
            rr += w * kr * kr;
            rg += w * kg * kg;
            rc += w * kr * kg;
        }
        output[Pearson] = Math.Clamp(cv / Math.Sqrt(vr * vg), -1, 1);
        output[Spearman] = Math.Clamp(rc / Math.Sqrt(rr * rg), -1, 1);
    }

    private void ClearItems()
    {
        Array.Clear(_itemCount);
        Array.Clear(_itemRef);
        Array.Clear(_itemGrd);
    }

    private void AddItems(int solution)
    {
        var s = _s;
        for (var k = s.ItemStart[solution]; k < s.ItemStart[solution + 1]; k++)
        {
            var item = s.ItemOf[k];
            _itemCount[item]++;
            _itemRef[item] += s.ItemRef[k];
            _itemGrd[item] += s.ItemGrd[k];
        }
    }

    /// <summary>Total weight at tree positions below <paramref name="index"/>.</summary>
    private static long Prefix(long[] tree, int index)
    {
        long sum = 0;
        for (var i = index; i > 0; i -= i & -i)
        {
            sum += tree[i];
        }
        return sum;
    }

    private static void Add(long[] tree, int size, int index, long weight)
    {
        for (var i = index + 1; i <= size; i += i & -i)
        {
            tree[i] += weight;
        }
    }
}
