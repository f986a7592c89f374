using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// Cache keys of per-problem and per-cluster artifacts: SHA-256 over everything the artifact depends on, so that every run
/// and solution with the same inputs reuses it, and any change (statement, a reference, max points, prompt text, model,
/// design) derives a new one. Each part is length-prefixed, so no two different inputs hash the same text.
/// Analyses and rubrics chain the key of what they were derived from (clusters → analysis → rubric).
/// </summary>
internal static class CacheKeys
{
    public static string Clusters(ProblemMaterial problem, string promptSha256, string model) =>
        Hash(["clusters", problem.Statement, Num(problem.MaxPoints), Num(problem.References.Count), .. problem.References, promptSha256, model]);

    public static string Analysis(string clustersKey, int clusterIndex, string promptSha256, string model) =>
        Hash(["analysis", clustersKey, Num(clusterIndex), promptSha256, model]);

    public static string Rubric(string analysisKey, int maxPoints, string design, string promptSha256, string model) =>
        Hash(["rubric", analysisKey, Num(maxPoints), design, promptSha256, model]);

    public static string Hash(IEnumerable<string> parts)
    {
        var sb = new StringBuilder();
        foreach (var part in parts)
        {
            sb.Append(part.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(part).Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>A 64-bit id for PostgreSQL advisory locks, from any text.</summary>
    public static long LockId(string text) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0);

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}
