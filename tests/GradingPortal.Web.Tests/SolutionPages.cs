using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>
/// Opening the solution page in a browser test. The page is prerendered: its GET already shows the proof, but fields,
/// buttons and shortcuts take input only once the circuit has rendered it again and its module listens, which the
/// page marks with <c>data-interactive="true"</c> (and the proof with <c>data-gp-keys="on"</c>). Every test that opens
/// or reloads a solution page waits for both before it types, clicks or presses keys.
/// </summary>
public static class SolutionPages
{
    private const string Interactive = "[data-testid=solution-page][data-interactive=true] #gp-proof[data-gp-keys=on]";

    public static async Task OpenAsync(IPage page, Guid solutionId)
    {
        await page.GotoAsync($"/solutions/{solutionId}");
        await WaitInteractiveAsync(page);
    }

    public static Task WaitInteractiveAsync(IPage page) => Expect(page.Locator(Interactive)).ToHaveCountAsync(1);
}
