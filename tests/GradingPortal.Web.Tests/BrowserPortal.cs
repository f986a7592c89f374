using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(GradingPortal.Web.Tests.BrowserTimeouts))]

namespace GradingPortal.Web.Tests;

/// <summary>
/// How long assertions wait, set once for every test of the assembly (Playwright's default is 5 s, and a fixture that
/// set it would leave the classes of other fixtures that happened to run first at that default).
/// </summary>
public sealed class BrowserTimeouts
{
    /// <summary>
    /// Pages render only in their circuit, and under CI's load (every test project at once on two cores) a new circuit's
    /// first render with its first Api answers was seen to take more than 15 s: the page connected, still blank. Assertions
    /// wait as long as actions do; a passing test never waits the whole time.
    /// </summary>
    public const int ExpectMilliseconds = 30_000;

    public BrowserTimeouts() => Assertions.SetDefaultExpectTimeout(ExpectMilliseconds);
}

/// <summary>
/// Api and Web on real ports plus headless Chromium (the system one: Playwright's own browser download is never used).
/// Shared by the browser tests of one class; each test opens its own browser context.
/// </summary>
public class BrowserPortal : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private readonly List<(IBrowserContext Context, object? Test)> _contexts = [];
    private readonly List<(PageRecord Page, object? Test)> _pages = [];
    private long _webLogMark;
    private long _apiLogMark;

    public PortalHosts Hosts { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Full-page screenshots of each step land here (test output folder).</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium is missing at {ChromiumPath}: run `apt-get update && apt-get install -y chromium` (test.sh does).");
        }
        Directory.CreateDirectory(Path.Combine(ScreenshotDirectory, "viewport"));
        Hosts = await StartHostsAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await LaunchAsync();
    }

    private Task<IBrowser> LaunchAsync() => _playwright!.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = ChromiumPath,
        Headless = true,
        Args = ["--no-sandbox", "--disable-dev-shm-usage"],
    });

    /// <summary>The hosts the browser talks to; a fixture that needs other Api settings starts its own.</summary>
    protected virtual Task<PortalHosts> StartHostsAsync() => PortalHosts.StartAsync("web-e2e");

    /// <summary>
    /// A page in a new browser context (its own cookies). <paramref name="bypassCsp"/> lets the accessibility check inject
    /// axe-core, which the Web's policy would block like any injected script.
    /// </summary>
    public async Task<IPage> NewPageAsync(bool bypassCsp = false) => await (await NewContextAsync(bypassCsp)).NewPageAsync();

    public async Task<IBrowserContext> NewContextAsync(bool bypassCsp = false)
    {
        await CloseContextsOfEarlierTestsAsync();
        if (!Browser.IsConnected)
        {
            // A browser lost in an earlier test must not fail every test after it.
            Browser = await LaunchAsync();
        }
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BypassCSP = bypassCsp,
            BaseURL = Hosts.WebUrl.ToString(),
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            Locale = "en-US",
        });
        context.SetDefaultTimeout(30_000);
        var test = TestContext.Current.Test;
        context.Page += (_, page) =>
        {
            lock (_pages)
            {
                _pages.Add((new PageRecord(page), test));
            }
        };
        lock (_contexts)
        {
            _contexts.Add((context, test));
        }
        return context;
    }

    /// <summary>
    /// Copies the page's console into the output of the test that opened it. A page left open by a finished test keeps
    /// logging; writing that to a test that is no longer running throws inside Playwright's message loop and breaks the
    /// connection for every later test, so such lines are dropped.
    /// </summary>
    public static void EchoConsole(IPage page)
    {
        var write = TestOutput();
        page.Console += (_, message) => write($"console {message.Type}: {message.Text}");
    }

    /// <summary>A writer to the current test's output that stays harmless once the test is over.</summary>
    public static Action<string> TestOutput()
    {
        var output = TestContext.Current.TestOutputHelper;
        return line =>
        {
            try
            {
                output?.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
            }
        };
    }

    /// <summary>Tests of one class run one after another: contexts a finished test left open only hold circuits and logs.</summary>
    private async Task CloseContextsOfEarlierTestsAsync()
    {
        var current = TestContext.Current.Test;
        (IBrowserContext Context, object? Test)[] stale;
        lock (_contexts)
        {
            stale = [.. _contexts.Where(c => !ReferenceEquals(c.Test, current))];
            _contexts.RemoveAll(stale.Contains);
        }
        lock (_pages)
        {
            _pages.RemoveAll(p => !ReferenceEquals(p.Test, current));
        }
        foreach (var (context, _) in stale)
        {
            try
            {
                await context.CloseAsync();
            }
            catch (PlaywrightException)
            {
            }
        }
    }

    /// <summary>Saves the full page, and what the window shows (long pages are hard to read as one image).</summary>
    public static async Task ShotAsync(IPage page, string name)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, "viewport", name + ".png") });
    }

    /// <summary>What the current test's pages did so far.</summary>
    public IReadOnlyList<PageRecord> PagesOfThisTest()
    {
        var test = TestContext.Current.Test;
        lock (_pages)
        {
            return [.. _pages.Where(p => ReferenceEquals(p.Test, test)).Select(p => p.Page)];
        }
    }

    /// <summary>
    /// Call from the test class's <c>DisposeAsync</c>: when the test failed, writes to its output what each of its pages
    /// showed (address, title, the main element's text, a screenshot under TestResults) and did, and what the Web and the
    /// Api logged at Warning and up since the previous test ended. A passing test only moves the log marks on.
    /// </summary>
    public async ValueTask ReportIfFailedAsync()
    {
        var webMark = _webLogMark;
        var apiMark = _apiLogMark;
        _webLogMark = Hosts.Web.Logs.Mark;
        _apiLogMark = Hosts.Api.Logs.Mark;
        if (TestContext.Current.TestState?.Result != TestResult.Failed)
        {
            return;
        }
        var write = TestOutput();
        var pages = PagesOfThisTest();
        write($"--- the test failed at {DateTimeOffset.UtcNow:HH:mm:ss.fff}; what its {pages.Count} page(s) showed ---");
        for (var i = 0; i < pages.Count; i++)
        {
            foreach (var line in await FailureReport.DescribeAsync(pages[i], i + 1))
            {
                write(line);
            }
        }
        write("--- the Web's warnings and errors during the test ---");
        foreach (var line in Hosts.Web.Logs.WarningsSince(webMark))
        {
            write(line);
        }
        write("--- the Api's warnings and errors during the test ---");
        foreach (var line in Hosts.Api.Logs.WarningsSince(apiMark))
        {
            write(line);
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (Hosts is not null)
        {
            await Hosts.DisposeAsync();
        }
    }
}
