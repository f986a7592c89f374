using System.Text.Json;
using Microsoft.Playwright;

namespace GradingPortal.Web.Tests;

/// <summary>What a page of a failed browser test shows and did, as lines for the test's output.</summary>
public static class FailureReport
{
    private const int MaxTextChars = 3_000;

    /// <summary>
    /// Failure screenshots go to the repository's TestResults folder (test.sh empties it before each run), or beside the
    /// tests when the tests run from elsewhere.
    /// </summary>
    public static string Directory { get; } = FindDirectory();

    // A page that hangs (a busy renderer, a dead browser) must not hang the report too.
    private static readonly TimeSpan s_pageTimeout = TimeSpan.FromSeconds(5);

    // The main element's text (MudMainContent, else the body), and whether Blazor shows its reconnection UI.
    private const string ShownScript = """
        () => {
          const main = document.querySelector('main, .mud-main-content') ?? document.body;
          const reconnect = document.querySelector('#components-reconnect-modal, .components-reconnect-show, .components-reconnect-failed, .components-reconnect-rejected');
          return JSON.stringify({
            text: main ? main.innerText : '',
            reconnect: reconnect ? (reconnect.className || reconnect.id) : null,
            interactive: [...document.querySelectorAll('[data-interactive]')].map(e => e.getAttribute('data-interactive')).join(','),
            focused: document.activeElement && document.activeElement !== document.body ? (document.activeElement.id || document.activeElement.tagName) : null,
            fields: [...document.querySelectorAll('input[id]:not([type=password]):not([type=hidden]), textarea[id]')]
              .map(e => e.id + ' = ' + JSON.stringify(e.value.length > 80 ? e.value.slice(0, 80) + '…' : e.value))
          });
        }
        """;

    public static async Task<IReadOnlyList<string>> DescribeAsync(PageRecord record, int number)
    {
        var page = record.Page;
        var lines = new List<string> { $"page {number}: {(page.IsClosed ? "closed, last at " : "")}{page.Url}" };
        if (!page.IsClosed)
        {
            lines.Add($"  title: {await TryAsync(() => page.TitleAsync()) ?? "(not available)"}");
            var shown = await TryAsync(() => page.EvaluateAsync<string>(ShownScript));
            if (shown is not null)
            {
                using var json = JsonDocument.Parse(shown);
                var root = json.RootElement;
                if (root.GetProperty("reconnect").GetString() is { } reconnect)
                {
                    lines.Add($"  Blazor's reconnection UI is present: {reconnect}");
                }
                if (root.GetProperty("interactive").GetString() is { Length: > 0 } interactive)
                {
                    lines.Add($"  data-interactive: {interactive}");
                }
                lines.Add($"  focus: {root.GetProperty("focused").GetString() ?? "(none)"}");
                // Passwords are never read: the report lands in logs.
                foreach (var field in root.GetProperty("fields").EnumerateArray())
                {
                    lines.Add($"  field {field.GetString()}");
                }
                var text = root.GetProperty("text").GetString() ?? "";
                lines.Add($"  text ({text.Length} characters{(text.Length > MaxTextChars ? $", the first {MaxTextChars}" : "")}):");
                lines.AddRange(text[..Math.Min(text.Length, MaxTextChars)].Split('\n').Where(l => l.Trim().Length > 0).Select(l => "    " + l.TrimEnd()));
            }
            else
            {
                lines.Add("  text: the page did not answer within 5 s");
            }
            var path = Path.Combine(Directory, $"{FileName()}-page{number}.png");
            var shot = await TryAsync(async () =>
            {
                System.IO.Directory.CreateDirectory(Directory);
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true, Timeout = (float)s_pageTimeout.TotalMilliseconds });
                return path;
            });
            lines.Add($"  screenshot: {shot ?? "could not be taken"}");
        }
        lines.Add($"  what it did ({record.Events.Count} events{(record.Dropped > 0 ? $", {record.Dropped} later ones dropped" : "")}):");
        lines.AddRange(record.Events.Select(e => "    " + e));
        return lines;
    }

    private static async Task<T?> TryAsync<T>(Func<Task<T>> action) where T : class
    {
        try
        {
            var task = action();
            return await task.WaitAsync(s_pageTimeout);
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            return null;
        }
    }

    private static string FileName()
    {
        var name = $"{TestContext.Current.TestClass?.TestClassSimpleName}.{TestContext.Current.TestMethod?.MethodName}";
        return string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_'));
    }

    private static string FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GradingPortal.sln")))
            {
                return Path.Combine(dir.FullName, "TestResults", "browser-failures");
            }
        }
        return Path.Combine(AppContext.BaseDirectory, "browser-failures");
    }
}
