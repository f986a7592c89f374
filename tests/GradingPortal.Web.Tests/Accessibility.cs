using System.Text.Json;
using Microsoft.Playwright;

namespace GradingPortal.Web.Tests;

/// <summary>
/// Runs axe-core (the npm package, copied next to the tests) on the page as it is now and fails on any serious or
/// critical violation, listing each rule with the first offending elements (selector and markup). The page must come
/// from a context made with <c>bypassCsp: true</c>, or the Web's policy blocks the injected script.
/// </summary>
public static class Accessibility
{
    private static readonly Lazy<string> s_axe = new(() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "axe", "axe.min.js")));

    public static async Task AssertNoSeriousViolationsAsync(IPage page)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe !== 'undefined'"))
        {
            await page.AddScriptTagAsync(new PageAddScriptTagOptions { Content = s_axe.Value });
        }
        var json = await page.EvaluateAsync<string>("""
            async () => {
              const result = await axe.run(document, { resultTypes: ['violations'] });
              return JSON.stringify(result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
                       html: v.nodes.slice(0, 5).map(n => n.html.slice(0, 200)) })));
            }
            """);
        var violations = JsonSerializer.Deserialize<List<Violation>>(json, JsonSerializerOptions.Web)!;
        violations.ShouldBeEmpty(string.Join(Environment.NewLine,
            violations.Select(v => $"{v.Impact} {v.Id}: {v.Help} at {string.Join(" | ", v.Targets)}; elements: {string.Join(" | ", v.Html ?? [])}"))
            + $" (page {page.Url})");
    }

    private sealed record Violation(string Id, string Impact, string Help, List<string> Targets, List<string>? Html);
}
