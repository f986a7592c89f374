using System.Globalization;
using System.Text;
using GradingPortal.Domain.Rubrics;
using GradingPortal.Worker.Grading.Wire;

namespace GradingPortal.Worker.Grading;

/// <summary>What every stage of one problem reads: statement, max points, references in order, the project's error types.</summary>
internal sealed record ProblemMaterial(Guid ProblemId, Guid ProjectId, string Statement, int MaxPoints, IReadOnlyList<string> References,
    IReadOnlyList<string> CustomErrorTypes)
{
    public IReadOnlyList<string> ErrorTypes => WireJson.ErrorTypesOf(CustomErrorTypes);
}

/// <summary>One cluster of reference solutions as the later stages use it.</summary>
/// <param name="Index">0-based.</param>
/// <param name="Title">The cluster's name (from the model, or "the reference solution").</param>
/// <param name="Representative">Text of the representative reference solution.</param>
/// <param name="MainSteps">Main steps of the representative, in order (step ids C{Index+1}.S1...).</param>
internal sealed record ClusterMaterial(int Index, string Title, string Representative, IReadOnlyList<string> MainSteps)
{
    public string Heading => $"approach {Index + 1}: {Title}";
}

/// <summary>How stable content is written into prompts. Deterministic: the same inputs give the same text (and prompt prefix).</summary>
internal static class PromptText
{
    public static string Points(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static string References(IReadOnlyList<string> references)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < references.Count; i++)
        {
            sb.Append("## Reference solution ").Append(i + 1).Append("\n\n").Append(references[i].Trim()).Append("\n\n");
        }
        return sb.ToString().TrimEnd();
    }

    public static string Clusters(IReadOnlyList<ClusterMaterial> clusters)
    {
        var sb = new StringBuilder();
        foreach (var cluster in clusters)
        {
            sb.Append("## Approach ").Append(cluster.Index + 1).Append(": ").Append(cluster.Title.Trim()).Append('\n');
            for (var s = 0; s < cluster.MainSteps.Count; s++)
            {
                sb.Append(Domain.Grading.ApproachMatching.StepId(cluster.Index, s + 1)).Append(": ").Append(cluster.MainSteps[s].Trim()).Append('\n');
            }
            sb.Append('\n');
        }
        return sb.ToString().TrimEnd();
    }

    public static string MainSteps(IReadOnlyList<string> steps) =>
        steps.Count == 0 ? "(not listed)" : string.Join("\n", steps.Select((s, i) => $"{i + 1}. {s.Trim()}"));

    public static string Analysis(AnalysisOutput analysis)
    {
        var sb = new StringBuilder();
        foreach (var insight in analysis.KeyInsights)
        {
            sb.Append(insight.Id).Append(": ").Append(insight.Statement.Trim());
            if (insight.Approachability is { } a)
            {
                sb.Append(" (approachability ").Append(a).Append("/5)");
            }
            sb.Append('\n');
            if (!string.IsNullOrWhiteSpace(insight.WhyNonObvious))
            {
                sb.Append("   Why it is not obvious: ").Append(insight.WhyNonObvious.Trim()).Append('\n');
            }
            foreach (var sub in insight.SubSteps)
            {
                sb.Append("   ").Append(sub.Id).Append(": ").Append(sub.Text.Trim());
                if (sub.Approachability is { } sa)
                {
                    sb.Append(" (approachability ").Append(sa).Append("/5)");
                }
                sb.Append('\n');
            }
        }
        if (!string.IsNullOrWhiteSpace(analysis.Structure))
        {
            sb.Append("\nStructure: ").Append(analysis.Structure.Trim());
        }
        return sb.ToString().TrimEnd();
    }

    /// <summary>
    /// The id shown to the model for a rubric item: R1, R2, ... by ordinal; with <paramref name="approach"/> (0-based) it
    /// carries the approach as well (A2.R1 is the first item of approach 2's scheme), so that schemes shown side by side
    /// never share an id.
    /// </summary>
    public static string ItemId(int ordinal, int? approach = null) => approach is { } a ? $"A{a + 1}.R{ordinal + 1}" : $"R{ordinal + 1}";

    public static string Rubric(Rubric rubric, int? approach = null)
    {
        var sb = new StringBuilder();
        foreach (var item in rubric.Items.OrderBy(i => i.Ordinal))
        {
            sb.Append(ItemId(item.Ordinal, approach)).Append(" (").Append(Points(item.Points)).Append(item.Points == 1 ? " point" : " points").Append("): ")
                .Append(item.Title.Trim()).Append('\n');
            if (!string.IsNullOrWhiteSpace(item.Description))
            {
                sb.Append("   ").Append(item.Description.Trim().Replace("\n", "\n   ", StringComparison.Ordinal)).Append('\n');
            }
        }
        if (!string.IsNullOrWhiteSpace(rubric.ZeroCredit))
        {
            sb.Append("\nZero credit: ").Append(rubric.ZeroCredit.Trim()).Append('\n');
        }
        if (rubric.Deductions.Count > 0)
        {
            sb.Append("\nDeductions:\n");
            foreach (var d in rubric.Deductions)
            {
                sb.Append("- ").Append(d.Description.Trim()).Append(" (−").Append(Points(d.Points)).Append(")\n");
            }
        }
        if (!string.IsNullOrWhiteSpace(rubric.Notes))
        {
            sb.Append('\n').Append(rubric.Notes.Trim()).Append('\n');
        }
        return sb.ToString().TrimEnd();
    }

    /// <summary>
    /// Every approach of a problem, in cluster order, as the grading layouts that show them all write them: title, main
    /// steps, the representative reference and, for the five-stage workflow, the analysis and the marking scheme with
    /// approach-qualified item ids. The same prepared problem always gives the same text.
    /// </summary>
    public static string Approaches(IReadOnlyList<PreparedCluster> clusters, bool withSchemes)
    {
        var sb = new StringBuilder();
        foreach (var cluster in clusters.OrderBy(c => c.Material.Index))
        {
            var material = cluster.Material;
            var number = material.Index + 1;
            sb.Append("## Approach ").Append(number).Append(": ").Append(material.Title.Trim()).Append("\n\n");
            sb.Append("Main steps:\n").Append(MainSteps(material.MainSteps)).Append("\n\n");
            sb.Append("### Reference solution of approach ").Append(number).Append("\n\n").Append(material.Representative.Trim()).Append("\n\n");
            if (withSchemes)
            {
                sb.Append("### Key insights of approach ").Append(number).Append("\n\n")
                    .Append(cluster.Analysis is null ? "(not analysed)" : Analysis(cluster.Analysis)).Append("\n\n");
                sb.Append("### Marking scheme of approach ").Append(number).Append("\n\n")
                    .Append(cluster.Rubric is null ? "(no approved scheme)" : Rubric(cluster.Rubric, material.Index)).Append("\n\n");
            }
        }
        return sb.ToString().TrimEnd();
    }

    public static string ExtraErrorTypes(IReadOnlyList<string> custom) =>
        custom.Count == 0 ? "" : $"- Also allowed in this project: {string.Join(", ", custom)} (use them only when their name fits the error).";
}
