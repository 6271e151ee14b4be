using Evidence.Tests.Fixtures;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Evidence.Tests.Web;

/// <summary>
/// The auditor's page in real headless Chromium, in English and then in Ukrainian: run verification, see the run at the
/// head of the history, copy the verifier key with the page's button. Screenshots en-16-audit.png and uk-16-audit.png go
/// to the test output's screenshots/ folder. (Chromium() and SignIn() are BrowserFlowTests', copied.)
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
        using var browser = Chromium(downloads);
        var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(30));
        void Shot(string name) => ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(Path.Combine(Screenshots, name + ".png"));

        SignIn(browser, wait, server, scenario.Auditor);
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

    private static ChromeDriver Chromium(string downloads)
    {
        const string binary = "/usr/bin/chromium", driver = "/usr/bin/chromedriver";
        Assert.True(File.Exists(binary) && File.Exists(driver), "Chromium and ChromeDriver are missing: ./test.sh installs them (apt-get install chromium chromium-driver).");
        var options = new ChromeOptions { BinaryLocation = binary };
        // As the machine's probe found: without the background-networking flags Chromium floods a closed network with connections.
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--window-size=1280,1000", "--user-data-dir=" + Path.GetFullPath(Path.Combine(downloads, "..", "chromium-profile")));
        options.AddUserProfilePreference("download.default_directory", downloads);
        options.AddUserProfilePreference("download.prompt_for_download", false);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driver), Path.GetFileName(driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    private static void SignIn(ChromeDriver browser, WebDriverWait wait, WebServer server, TestUser user)
    {
        browser.Navigate().GoToUrl(new Uri(server.Address, "/"));
        browser.FindElement(By.Name("UserName")).SendKeys(user.Name);
        browser.FindElement(By.Name("Password")).SendKeys(user.Password);
        browser.FindElement(By.Id("sign-in")).Click();
        wait.Until(b => b.Url.Contains("/Account/ChangePassword", StringComparison.Ordinal));
        browser.FindElement(By.Name("Current")).SendKeys(user.Password);
        browser.FindElement(By.Name("New")).SendKeys(user.Password + "Own7");
        browser.FindElement(By.Id("change-password")).Click();
        wait.Until(b => !b.Url.Contains("/Account/", StringComparison.Ordinal));
    }
}
