using System.Net.Http.Json;
using Evidence.Tests.Fixtures;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Evidence.Tests.Web;

/// <summary>
/// In real headless Chromium, in English and then Ukrainian (the header's language switch): the incident list filtered
/// from its form, a malformed period refused beside its field, and a case page with its gaps. Screenshots are saved
/// under the test output's screenshots/ folder, as BrowserFlowTests saves its own.
/// </summary>
[Trait("Category", "Browser")]
public sealed class CaseBrowserTests
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    [Fact]
    public async Task IncidentFilterAndCasePage_InEnglishAndUkrainian_InChromium()
    {
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        using var api = server.Client(scenario.Investigator);
        var caseId = await WebScenario.IdOf(await api.PostAsJsonAsync("/api/cases", new { title = "Kherson regional children's home" }));
        var camp = await WebScenario.IdOf(await api.PostAsJsonAsync("/api/incidents", new
        {
            title = "Camp in Yevpatoria", kind = "Camp", periodFrom = "2023-03", periodTo = "2023-05", place = "Yevpatoria", region = "Crimea",
            articles = new[] { "8(2)(a)(vii)-1" }, caseId,
        }));
        (await api.PostAsJsonAsync($"/api/evidence/{scenario.Item}/tags", new { incidentId = camp, elements = new[] { "8(2)(a)(vii)-1:1", "8(2)(a)(vii)-1:2" } })).EnsureSuccessStatusCode();
        var downloads = Directory.CreateDirectory(Path.Combine(server.Home.Path, "downloads")).FullName;
        Directory.CreateDirectory(Screenshots);

        using var browser = BrowserFlowTests.Chromium(downloads);
        var wait = BrowserFlowTests.Waiting(browser, TimeSpan.FromSeconds(30));
        void Shot(string name) => ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(Path.Combine(Screenshots, name + ".png"));
        BrowserFlowTests.SignIn(browser, wait, server, scenario.Investigator, _ => { });

        foreach (var language in new[] { "en", "uk" })
        {
            // The switch in the header posts to /Account/Language and comes back to the same page.
            browser.Navigate().GoToUrl(new Uri(server.Address, "/incidents"));
            browser.FindElement(By.CssSelector($"form.language button[value='{language}']")).Click();
            wait.Until(b => b.FindElement(By.TagName("html")).GetAttribute("lang") == language);

            browser.FindElement(By.CssSelector("#filter-kind option[value='Camp']")).Click();
            browser.FindElement(By.Id("filter-from")).SendKeys("2023-04");
            browser.FindElement(By.Id("filter-submit")).Click();
            wait.Until(b => b.Url.Contains("kind=Camp", StringComparison.Ordinal));
            var rows = browser.FindElements(By.CssSelector("#incidents tbody tr"));
            Assert.Equal("Camp in Yevpatoria", Assert.Single(rows).FindElement(By.TagName("a")).Text);
            Assert.Equal(language == "uk" ? "Табір" : "Camp", rows[0].FindElements(By.TagName("td"))[1].Text);
            Shot($"{language}-15-incidents-filtered");

            var period = browser.FindElement(By.Id("filter-from"));
            period.Clear();
            period.SendKeys("2023-13");
            browser.FindElement(By.Id("filter-submit")).Click();
            wait.Until(b => b.FindElements(By.Id("from-problem")).Count > 0);
            Assert.Equal("2023-13", browser.FindElement(By.Id("filter-from")).GetAttribute("value"));
            Assert.Contains(language == "uk" ? "Вкажіть рік" : "Write a year", browser.FindElement(By.Id("from-problem")).Text, StringComparison.Ordinal);
            Shot($"{language}-15-incidents-refused");

            browser.Navigate().GoToUrl(new Uri(server.Address, "/cases"));
            browser.FindElement(By.CssSelector($"#cases a[href='/cases/{caseId}']")).Click();
            wait.Until(b => b.Url.EndsWith($"/cases/{caseId}", StringComparison.Ordinal));
            Assert.Equal(caseId.ToString(), browser.FindElement(By.Id("case-id")).Text);
            Assert.Equal(3, browser.FindElements(By.CssSelector($"#gaps-{camp} tr.gap")).Count);
            Assert.Equal(language == "uk" ? "Прогалини в елементах злочинів" : "Gaps in the elements of crimes", browser.FindElements(By.TagName("h2"))[1].Text);
            Shot($"{language}-14-case");
        }
    }

}
