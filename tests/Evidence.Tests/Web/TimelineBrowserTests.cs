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
        using var browser = BrowserFlowTests.Chromium(downloads);
        var wait = BrowserFlowTests.Waiting(browser, TimeSpan.FromSeconds(30));
        void Shot(string name) => ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(Path.Combine(Screenshots, name + ".png"));

        BrowserFlowTests.SignIn(browser, wait, server, scenario.Investigator, _ => { });
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

}
