using System.Net.Http.Json;
using OpenQA.Selenium;

namespace Evidence.Tests.Web;

/// <summary>
/// The tag form in real headless Chromium (issue 18): the element checkboxes follow the chosen incident, so that only the
/// elements of its own articles are offered; another incident's are hidden and disabled, and with none chosen a note
/// asks for one. The page's CSP lets the same-origin script run.
/// </summary>
[Trait("Category", "Browser")]
public sealed class TagFormBrowserTests
{
    [Fact]
    public async Task ChoosingAnIncident_ShowsOnlyItsElements_InChromium()
    {
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        Guid other;
        using (var api = server.Client(scenario.Investigator))
        {
            other = await WebScenario.IdOf(await api.PostAsJsonAsync("/api/incidents", new
            {
                title = "Deportation from Mariupol", kind = "Deportation", periodFrom = "2022-04", place = "Mariupol", articles = new[] { "7(1)(d)" },
            }));
        }
        using var browser = BrowserFlowTests.Chromium(Directory.CreateDirectory(Path.Combine(server.Home.Path, "downloads")).FullName);
        var wait = BrowserFlowTests.Waiting(browser, TimeSpan.FromSeconds(30));
        BrowserFlowTests.SignIn(browser, wait, server, scenario.Investigator, _ => { });
        browser.Navigate().GoToUrl(new Uri(server.Address, $"/evidence/{scenario.Item}"));
        IWebElement Group(Guid incident) => browser.FindElement(By.CssSelector($"#tag-elements [data-incident='{incident}']"));
        IWebElement Box(Guid incident, string element) => Group(incident).FindElement(By.CssSelector($"input[value='{element}']"));

        // None chosen: no elements, and a note that asks for the incident.
        wait.Until(b => b.FindElement(By.Id("tag-elements-choose")).Displayed);
        Assert.False(Group(scenario.Incident).Displayed);
        Assert.False(Group(other).Displayed);

        browser.FindElement(By.CssSelector($"#tag-incident option[value='{scenario.Incident}']")).Click();
        Assert.True(Group(scenario.Incident).Displayed);
        Assert.False(Group(other).Displayed);
        Assert.False(browser.FindElement(By.Id("tag-elements-choose")).Displayed);
        Assert.Contains("8(2)(a)(vii)-1", browser.FindElement(By.Id("tag-elements")).Text, StringComparison.Ordinal);
        Assert.DoesNotContain("7(1)(d)", browser.FindElement(By.Id("tag-elements")).Text, StringComparison.Ordinal);
        Assert.True(Box(scenario.Incident, "8(2)(a)(vii)-1:1").Enabled);
        Assert.False(Box(other, "7(1)(d):1").Enabled);

        // Typing in the type-ahead box chooses the other incident: its elements replace the first one's.
        var typeAhead = browser.FindElement(By.CssSelector("#tag-form input.type-ahead[aria-controls='tag-incident']"));
        typeAhead.SendKeys("Mariupol");
        wait.Until(_ => Group(other).Displayed);
        Assert.False(Group(scenario.Incident).Displayed);
        Assert.True(Box(other, "7(1)(d):1").Enabled);
        Assert.False(Box(scenario.Incident, "8(2)(a)(vii)-1:1").Enabled);
        Assert.Contains("Crime against humanity of deportation", browser.FindElement(By.Id("tag-elements")).Text, StringComparison.Ordinal);
    }
}
