using Evidence.Tests.Fixtures;
using OpenQA.Selenium;
using Xunit.Sdk;

namespace Evidence.Tests.Web;

/// <summary>
/// The accessibility check itself can fail: axe-core runs on our pages despite their Content-Security-Policy, and a
/// field without a label or an image without a text alternative (both critical) fails the test naming rule and element.
/// </summary>
[Trait("Category", "Browser")]
public sealed class AccessibilityTests
{
    [Fact]
    public async Task AssertNoSeriousViolations_UnlabelledFieldAndImage_FailsNamingThem()
    {
        await using var server = await WebServer.StartAsync();
        var downloads = Directory.CreateDirectory(Path.Combine(server.Home.Path, "downloads")).FullName;
        using var browser = BrowserFlowTests.Chromium(downloads);
        browser.Navigate().GoToUrl(new Uri(server.Address, "/"));
        Accessibility.AssertNoSeriousViolations(browser, "sign-in");

        ((IJavaScriptExecutor)browser).ExecuteScript("""
            const field = document.createElement('input'); field.id = 'unlabelled'; document.querySelector('main').append(field);
            const image = document.createElement('img'); image.id = 'no-alt'; image.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw='; document.querySelector('main').append(image);
            """);

        var failure = Assert.Throws<TrueException>(() => Accessibility.AssertNoSeriousViolations(browser, "sign-in, spoiled"));
        Assert.Contains("label (critical)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("#unlabelled", failure.Message, StringComparison.Ordinal);
        Assert.Contains("image-alt (critical)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("#no-alt", failure.Message, StringComparison.Ordinal);
    }
}
