using Evidence.Tests.Fixtures;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Evidence.Tests.Web;

/// <summary>
/// The auditor's page in real headless Chromium, in English and then in Ukrainian: run verification, see the run at the
/// head of the history, copy the verifier key with the page's button. Screenshots en-16-audit.png and uk-16-audit.png go
/// to the test output's screenshots/ folder. (BrowserFlowTests.Chromium() and SignIn() are BrowserFlowTests', copied.)
/// </summary>
[Trait("Category", "Browser")]
public sealed class AuditBrowserTests
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    [Fact]
    public async Task Auditor_RunsVerificationAndSeesTheHistory_InEnglishAndUkrainian_InChromium()
    {
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        var downloads = Directory.CreateDirectory(Path.Combine(server.Home.Path, "downloads")).FullName;
        Directory.CreateDirectory(Screenshots);
        using var browser = BrowserFlowTests.Chromium(downloads);
        var wait = BrowserFlowTests.Waiting(browser, TimeSpan.FromSeconds(30));
        void Shot(string name) => ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(Path.Combine(Screenshots, name + ".png"));

        BrowserFlowTests.SignIn(browser, wait, server, scenario.Auditor, _ => { });
        browser.Navigate().GoToUrl(new Uri(server.Address, "/audit"));
        Assert.Equal("en", browser.FindElement(By.TagName("html")).GetAttribute("lang"));
        Assert.Contains("No verification has been recorded yet.", browser.FindElement(By.Id("history-empty")).Text, StringComparison.Ordinal);
        browser.FindElement(By.Id("verify-submit")).Click();
        wait.Until(b => b.FindElements(By.Id("verification")).Count > 0);
        Assert.Contains("Verification passed", browser.FindElement(By.Id("verification")).Text, StringComparison.Ordinal);
        var first = browser.FindElement(By.CssSelector("#history tbody tr"));
        Assert.Contains("audrey", first.Text, StringComparison.Ordinal);
        Assert.Contains("passed", first.Text, StringComparison.Ordinal);
        // The browser's script adds the reader's local time beside the UTC one.
        Assert.NotEmpty(first.FindElements(By.CssSelector(".local-time")));

        // The copy button puts the whole key on the clipboard (the permission a person grants with a click, granted here).
        browser.ExecuteCdpCommand("Browser.grantPermissions", new Dictionary<string, object?>
        {
            ["origin"] = server.Address.GetLeftPart(UriPartial.Authority),
            ["permissions"] = new[] { "clipboardReadWrite", "clipboardSanitizedWrite" },
        });
        var copy = browser.FindElement(By.CssSelector("button.copy[data-copy='verifier-key']"));
        Assert.True(copy.Displayed);
        copy.Click();
        wait.Until(_ => copy.Text == "Copied");
        var copied = (string?)browser.ExecuteAsyncScript("navigator.clipboard.readText().then(arguments[arguments.length - 1]);");
        Assert.Equal(browser.FindElement(By.Id("verifier-key")).Text, copied);
        Assert.StartsWith("evidence.local/ledger+", copied, StringComparison.Ordinal);
        Shot("en-16-audit");

        // The same page in Ukrainian, from the header's switch; a second run heads the history.
        browser.FindElement(By.CssSelector("header form.language button[value='uk']")).Click();
        wait.Until(b => b.FindElement(By.TagName("html")).GetAttribute("lang") == "uk");
        browser.FindElement(By.Id("verify-submit")).Click();
        wait.Until(b => b.FindElements(By.Id("verification")).Count > 0);
        Assert.Contains("Перевірку пройдено", browser.FindElement(By.Id("verification")).Text, StringComparison.Ordinal);
        var runs = browser.FindElements(By.CssSelector("#history tbody tr"));
        Assert.Equal(2, runs.Count);
        Assert.Contains("пройдено", runs[0].Text, StringComparison.Ordinal);
        Assert.Contains("Аудитор", runs[0].Text, StringComparison.Ordinal);
        Assert.Contains("Історія перевірок", browser.FindElement(By.TagName("main")).Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Verification history", browser.FindElement(By.TagName("main")).Text, StringComparison.Ordinal);
        Shot("uk-16-audit");
    }

}
