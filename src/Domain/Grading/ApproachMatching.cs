namespace GradingPortal.Domain.Grading;

/// <summary>Which cluster a solution was matched to and why (the figures the choice rested on).</summary>
/// <param name="ClusterIndex">0-based index of the chosen cluster.</param>
/// <param name="CommonPrefix">Length of the longest common prefix with the chosen cluster's main steps.</param>
/// <param name="CommonSubsequence">Length of the longest common subsequence with them.</param>
/// <param name="Sequences">For every cluster, the solution's steps as that cluster's step numbers (1-based), in solution order.</param>
public sealed record ApproachMatch(int ClusterIndex, int CommonPrefix, int CommonSubsequence, IReadOnlyList<IReadOnlyList<int>> Sequences);

/// <summary>
/// Matches a solution to a reference cluster (stage b of the three- and five-stage workflows), in plain code so it is
/// deterministic and auditable. The model only labels each main step of the solution with the reference steps it
/// establishes (ids like <c>C2.S3</c> = cluster 2, step 3, both 1-based); from those labels, for every cluster, the
/// solution becomes a sequence of that cluster's step numbers in the order the solution takes them (a solution step
/// labelled with several steps of one cluster contributes them in ascending order; unlabelled steps drop out; a step
/// number already seen is not repeated). The cluster whose own order 1, 2, ..., n shares the longest common prefix with
/// that sequence wins; ties go to the longest common subsequence, then to the earliest cluster.
/// </summary>
public static class ApproachMatching
{
    /// <summary>Parses a step id <c>C{cluster}.S{step}</c> (1-based, case-insensitive) into 0-based cluster and 1-based step.</summary>
    public static bool TryParseStepId(string? id, out int cluster, out int step)
    {
        cluster = -1;
        step = 0;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }
        var parts = id.Trim().ToUpperInvariant().Split('.');
        if (parts.Length != 2 || parts[0].Length < 2 || parts[1].Length < 2 || parts[0][0] != 'C' || parts[1][0] != 'S'
            || !int.TryParse(parts[0].AsSpan(1), out var c) || !int.TryParse(parts[1].AsSpan(1), out var s) || c < 1 || s < 1)
        {
            return false;
        }
        cluster = c - 1;
        step = s;
        return true;
    }

    public static string StepId(int clusterIndex, int step) => $"C{clusterIndex + 1}.S{step}";

    /// <param name="stepCounts">Number of main steps of each cluster, in cluster order.</param>
    /// <param name="solutionSteps">For each main step of the solution, in order, the reference step ids it establishes.</param>
    public static ApproachMatch Match(IReadOnlyList<int> stepCounts, IReadOnlyList<IReadOnlyList<string>> solutionSteps)
    {
        if (stepCounts.Count == 0)
        {
            throw new ArgumentException("At least one cluster is needed.", nameof(stepCounts));
        }
        var sequences = new List<IReadOnlyList<int>>(stepCounts.Count);
        for (var c = 0; c < stepCounts.Count; c++)
        {
            var seen = new HashSet<int>();
            var sequence = new List<int>();
            foreach (var labels in solutionSteps)
            {
                var steps = labels
                    .Select(l => TryParseStepId(l, out var lc, out var ls) && lc == c && ls <= stepCounts[c] ? ls : 0)
                    .Where(s => s > 0)
                    .Distinct()
                    .Order();
                foreach (var s in steps)
                {
                    if (seen.Add(s))
                    {
                        sequence.Add(s);
                    }
                }
            }
            sequences.Add(sequence);
        }
        var best = 0;
        var bestPrefix = -1;
        var bestLcs = -1;
        for (var c = 0; c < stepCounts.Count; c++)
        {
            var reference = Enumerable.Range(1, stepCounts[c]).ToList();
            var prefix = CommonPrefix(sequences[c], reference);
            var lcs = CommonSubsequence(sequences[c], reference);
            if (prefix > bestPrefix || (prefix == bestPrefix && lcs > bestLcs))
            {
                best = c;
                bestPrefix = prefix;
                bestLcs = lcs;
            }
        }
        return new ApproachMatch(best, bestPrefix, bestLcs, sequences);
    }

    public static int CommonPrefix(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        var n = 0;
        while (n < a.Count && n < b.Count && a[n] == b[n])
        {
            n++;
        }
        return n;
    }

    public static int CommonSubsequence(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        var previous = new int[b.Count + 1];
        var current = new int[b.Count + 1];
        for (var i = 1; i <= a.Count; i++)
        {
            for (var j = 1; j <= b.Count; j++)
            {
                current[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Count];
    }
}
