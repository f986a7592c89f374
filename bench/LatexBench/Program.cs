using System.Diagnostics;
using System.Globalization;
using System.Text;
using GradingPortal.Web.Rendering;

// Renders each input at each size (plain and source-mapped, as the preview and the solution page do) and prints the
// time, the time per thousand characters and the ratio to the previous size. Doubling the input of a linear renderer
// roughly doubles the time (ratio ~2); a quadratic one quadruples it (ratio ~4). A case that takes longer than the
// budget skips its larger sizes, so the old renderer finishes in minutes instead of hours.
//
//   bench/latex.sh [maxChars=200000] [budgetSeconds=60]
var maxChars = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
var budget = TimeSpan.FromSeconds(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 60);

var cases = new (string Name, Func<int, string> Make)[]
{
    (@"\( x N", n => Repeat(@"\(", n)),
    ("$ x N", n => Repeat("$", n)),
    (@"\[ x N", n => Repeat(@"\[", n)),
    ("$$ x N", n => Repeat("$$", n)),
    (@"\) x N", n => Repeat(@"\)", n)),
    (@"mixed \( $ \[ $$ \\", n => Repeat(@"\( $ \[ $$ a\\b ", n)),
    (@"\( then one \)", n => Repeat(@"\(", n - 2) + @" x \)"),
    ("ordinary proof", Proof),
};

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"LaTeX rendering bench: inputs up to {maxChars:N0} characters, budget {budget.TotalSeconds:0} s per case"));
Console.WriteLine($"{"case",-22} {"chars",9} {"plain ms",10} {"mapped ms",10} {"ms/kchar",9} {"x prev",7}");

// Warm up the JIT on a small input of every case so the first row is not mostly compilation.
foreach (var (_, make) in cases)
{
    Render(make(2_000));
}

foreach (var (name, make) in cases)
{
    double? previous = null;
    for (var chars = maxChars / 16; chars <= maxChars; chars *= 2)
    {
        var text = make(chars);
        var plain = Render(text);
        var mapped = Render(text, mapped: true);
        var ratio = previous is { } p && p > 0 ? (plain.TotalMilliseconds / p).ToString("0.0", CultureInfo.InvariantCulture) : "";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-22} {text.Length,9:N0} {plain.TotalMilliseconds,10:0.0} {mapped.TotalMilliseconds,10:0.0} {plain.TotalMilliseconds / (text.Length / 1000.0),9:0.000} {ratio,7}"));
        previous = plain.TotalMilliseconds;
        if (plain + mapped > budget)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-22} larger sizes skipped: over the {budget.TotalSeconds:0} s budget"));
            break;
        }
    }
}

// The best of up to three runs (fewer once they add up to two seconds): the machine is shared, and a single run of a
// few milliseconds is as much noise (a collection, another process) as signal.
static TimeSpan Render(string text, bool mapped = false)
{
    var best = TimeSpan.MaxValue;
    var spent = TimeSpan.Zero;
    for (var run = 0; run < 3 && spent < TimeSpan.FromSeconds(2); run++)
    {
        // A fresh renderer each time: the renderer caches its output by content, and a cache hit measures nothing.
        var renderer = new MarkdownRenderer();
        var options = new MarkdownRenderOptions { SourceMapped = mapped };
        var watch = Stopwatch.StartNew();
        var html = renderer.RenderHtml(text, options);
        watch.Stop();
        GC.KeepAlive(html);
        best = watch.Elapsed < best ? watch.Elapsed : best;
        spent += watch.Elapsed;
    }
    return best;
}

static string Repeat(string unit, int chars)
{
    var builder = new StringBuilder(chars + unit.Length);
    while (builder.Length < chars)
    {
        builder.Append(unit);
    }
    return builder.ToString(0, Math.Min(builder.Length, chars));
}

// An olympiad-style proof with inline and display math in every delimiter style, lists and emphasis, repeated to size.
static string Proof(int chars)
{
    const string Paragraphs = """
        **Claim.** For every integer $n \ge 1$ the number $n^3 - n$ is divisible by $6$.

        *Proof.* Write \(n^3 - n = (n-1)\,n\,(n+1)\), a product of three consecutive integers. Among any three
        consecutive integers one is divisible by $3$ and at least one is even, so
        $$
        6 \mid (n-1)n(n+1).
        $$
        Alternatively, by induction: the case $n = 1$ gives $0$. If $6 \mid k^3 - k$ then
        \[
        (k+1)^3 - (k+1) = (k^3 - k) + 3k(k+1),
        \]
        and $3k(k+1)$ is divisible by $6$ because $k(k+1)$ is even. Hence the claim holds for $k+1$.

        1. The bound $a_i \le \frac{1}{2}\sum_{j \ne i} a_j$ follows from the triangle inequality.
        2. Equality holds iff $a_1 = a_2 = \dots = a_n$; costs are \$5 and \$7 in the example.
        3. Let $\mathcal{F}$ be the family of sets with $|A \cap B| \ge 2$ for all $A, B \in \mathcal{F}$.

        """;
    return Repeat(Paragraphs.Replace("\r\n", "\n", StringComparison.Ordinal), chars);
}
