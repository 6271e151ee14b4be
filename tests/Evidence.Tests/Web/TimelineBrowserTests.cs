using System.Net.Http.Json;
using Evidence.Tests.Fixtures;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Evidence.Tests.Web;

/// <summary>
/// The incident's timeline in real headless Chromium (issue 18, item 5), in English and then in Ukrainian from the header's
/// switch: the picture is drawn, its marks carry their hover text, and the items of unknown time are listed. Screenshots
/// en-13-timeline.png and uk-13-timeline.png are saved beside BrowserFlowTests'.
/// </summary>
[Trait("Category", "Browser")]
public sealed class TimelineBrowserTests
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    [Fact]
    public async Task IncidentPage_ShowsItsTimeline_InEnglishAndUkrainian_InChromium()
    {
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        using (var api = server.Client(scenario.Investigator))
        {
            // Dated items around the incident's month, so the picture has marks and not only the unknown-time list.
            foreach (var (name, captured) in new[] { ("bus station.jpg", "2022-10-14T08:30:00+03:00"), ("list of children.pdf", "2022-10-02"), ("camp letter.txt", "2022-11-20") })
            {
                using var form = WebScenario.Multipart(name, System.Text.Encoding.UTF8.GetBytes("synthetic " + name));
                form.Add(new StringContent(captured), "capturedAt");
                using var uploaded = await api.PostAsync("/api/evidence", form);
                var body = await uploaded.Content.ReadAsStringAsync();
                Assert.True(uploaded.IsSuccessStatusCode, body);
                var id = System.Text.Json.JsonDocument.Parse(body).RootElement[0].GetProperty("id").GetGuid();
                (await api.PostAsJsonAsync($"/api/evidence/{id}/tags", new { incidentId = scenario.Incident })).EnsureSuccessStatusCode();
            }
        }
        var downloads = Directory.CreateDirectory(Path.Combine(server.Home.Path, "downloads")).FullName;
        Directory.CreateDirectory(Screenshots);
        using var browser = Chromium(downloads);
        var wait = new WebDriverWait(browser, TimeSpan.FromSeconds(30));
        void Shot(string name) => ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(Path.Combine(Screenshots, name + ".png"));

        SignIn(browser, wait, server, scenario.Investigator);
        browser.Navigate().GoToUrl(new Uri(server.Address, $"/incidents/{scenario.Incident}"));
        var timeline = browser.FindElement(By.CssSelector("#timeline svg"));
        Assert.True(timeline.Displayed && timeline.Size.Width > 600, $"the timeline is {timeline.Size}");
        Assert.Equal("Timeline: Transfer of children from the Kherson regional children's home", timeline.GetAttribute("aria-label"));
        Assert.Equal(3, browser.FindElements(By.CssSelector("#timeline svg g.item")).Count);
        Assert.Contains("Time unknown: 1 items", browser.FindElement(By.Id("timeline-unknown")).Text, StringComparison.Ordinal);
        ((IJavaScriptExecutor)browser).ExecuteScript("arguments[0].scrollIntoView()", browser.FindElement(By.CssSelector("h2")));
        Shot("en-13-timeline");

        browser.FindElement(By.CssSelector("form.language button[value='uk']")).Click();
        wait.Until(b => b.FindElement(By.TagName("html")).GetAttribute("lang") == "uk");
        browser.Navigate().GoToUrl(new Uri(server.Address, $"/incidents/{scenario.Incident}"));
        timeline = browser.FindElement(By.CssSelector("#timeline svg"));
        Assert.StartsWith("Хронологія: ", timeline.GetAttribute("aria-label"), StringComparison.Ordinal);
        Assert.Contains("Період інциденту", timeline.Text, StringComparison.Ordinal);
        Assert.Contains("Час невідомий, доказів: 1", browser.FindElement(By.Id("timeline-unknown")).Text, StringComparison.Ordinal);
        ((IJavaScriptExecutor)browser).ExecuteScript("arguments[0].scrollIntoView()", browser.FindElement(By.CssSelector("h2")));
        Shot("uk-13-timeline");
    }

    // Copied from BrowserFlowTests (its helpers are private to it).
    private static ChromeDriver Chromium(string downloads)
    {
        const string binary = "/usr/bin/chromium", driver = "/usr/bin/chromedriver";
        Assert.True(File.Exists(binary) && File.Exists(driver), "Chromium and ChromeDriver are missing: ./test.sh installs them (apt-get install chromium chromium-driver).");
        var options = new ChromeOptions { BinaryLocation = binary };
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
