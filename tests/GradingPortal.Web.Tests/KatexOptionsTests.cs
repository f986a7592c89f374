using System.Diagnostics;
using System.Text.Json;

namespace GradingPortal.Web.Tests;

/// <summary>
/// The options the browser's math module hands to KaTeX, checked by running the module under Node with the KaTeX the
/// Web serves: what a hostile formula can do to the page is bounded.
/// </summary>
public sealed class KatexOptionsTests
{
    private static readonly string s_web = Path.Combine(FindRepositoryRoot(), "src", "Web");

    [Fact]
    public async Task MathModule_HugeRuleAndMacroLoop_AreCappedAndUntrusted()
    {
        var result = await RunAsync(@"\rule{1000em}{1000em}", @"\def\a{\a\a}\a", @"\href{javascript:alert(1)}{x}");

        var options = result.GetProperty("options");
        options.GetProperty("trust").GetBoolean().ShouldBeFalse();
        options.GetProperty("maxSize").GetDouble().ShouldBe(10);
        options.GetProperty("maxExpand").GetInt32().ShouldBe(1000);
        var rendered = result.GetProperty("rendered").EnumerateArray().Select(e => e.GetString()!).ToList();
        // What the browser shows is the HTML half; the MathML half is for screen readers and clipped to nothing.
        var visibleRule = rendered[0][rendered[0].IndexOf("katex-html", StringComparison.Ordinal)..];
        visibleRule.ShouldNotContain("1000em");
        visibleRule.ShouldContain("10em");
        rendered[1].ShouldContain("katex-error");
        rendered[1].ShouldContain("Too many expansions");
        rendered[2].ShouldNotMatch("<a[\\s>]");
        rendered[2].ShouldNotContain("href=", Case.Insensitive);
    }

    /// <summary>Runs math.js's renderMath over fake elements, then renders each formula with the options it used.</summary>
    private static async Task<JsonElement> RunAsync(params string[] formulas)
    {
        var katex = new Uri(Path.Combine(s_web, "node_modules", "katex", "dist", "katex.mjs")).AbsoluteUri;
        var math = new Uri(Path.Combine(s_web, "assets", "js", "math.js")).AbsoluteUri;
        var script = $$"""
            const katex = (await import({{JsonSerializer.Serialize(katex)}})).default;
            const calls = [];
            globalThis.window = { katex: { render: (tex, element, options) => calls.push({ tex, options }) } };
            const { renderMath } = await import({{JsonSerializer.Serialize(math)}});
            const elements = {{JsonSerializer.Serialize(formulas)}}.map(tex => ({ textContent: tex, dataset: { display: 'true' } }));
            renderMath({ querySelectorAll: () => elements, matches: () => false });
            console.log(JSON.stringify({
              options: calls[0].options,
              rendered: calls.map(c => katex.renderToString(c.tex, c.options)),
            }));
            """;
        var file = Path.Combine(Path.GetTempPath(), $"gp-katex-{Guid.NewGuid():N}.mjs");
        await File.WriteAllTextAsync(file, script, TestContext.Current.CancellationToken);
        try
        {
            var start = new ProcessStartInfo("node", [file]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var node = Process.Start(start)!;
            var stdout = node.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = node.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await node.WaitForExitAsync(TestContext.Current.CancellationToken);
            node.ExitCode.ShouldBe(0, await stderr);
            return JsonDocument.Parse(await stdout).RootElement.Clone();
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GradingPortal.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("Could not find the repository root (GradingPortal.sln) above " + AppContext.BaseDirectory);
    }
}
