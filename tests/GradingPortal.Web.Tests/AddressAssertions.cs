using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GradingPortal.Web.Tests;

/// <summary>What a grid's view put into the page's address.</summary>
public static class AddressAssertions
{
    /// <summary>Waits until the address holds each <c>name=value</c> of <paramref name="parts"/>, in any order.</summary>
    public static Task ExpectInAddressAsync(IPage page, params string[] parts) =>
        Task.WhenAll(parts.Select(part => Expect(page).ToHaveURLAsync(new Regex($"[?&]{Regex.Escape(part)}(&|$)"))));
}
