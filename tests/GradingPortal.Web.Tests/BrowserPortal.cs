using Microsoft.Playwright;

namespace GradingPortal.Web.Tests;

/// <summary>
/// Api and Web on real ports plus headless Chromium (the system one: Playwright's own browser download is never used).
/// Shared by the browser tests of one class; each test opens its own browser context.
/// </summary>
public class BrowserPortal : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

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
        // The machine is shared (two cores, other builds running): give assertions room before they call it a failure.
        Assertions.SetDefaultExpectTimeout(15_000);
        Hosts = await StartHostsAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>The hosts the browser talks to; a fixture that needs other Api settings starts its own.</summary>
    protected virtual Task<PortalHosts> StartHostsAsync() => PortalHosts.StartAsync("web-e2e");

    /// <summary>
    /// A page in a new browser context (its own cookies). <paramref name="bypassCsp"/> lets the accessibility check inject
    /// axe-core, which the Web's policy would block like any injected script.
    /// </summary>
    public async Task<IPage> NewPageAsync(bool bypassCsp = false) => await (await NewContextAsync(bypassCsp)).NewPageAsync();

    public async Task<IBrowserContext> NewContextAsync(bool bypassCsp = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BypassCSP = bypassCsp,
            BaseURL = Hosts.WebUrl.ToString(),
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            Locale = "en-US",
        });
        context.SetDefaultTimeout(30_000);
        return context;
    }

    /// <summary>Saves the full page, and what the window shows (long pages are hard to read as one image).</summary>
    public static async Task ShotAsync(IPage page, string name)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, "viewport", name + ".png") });
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
