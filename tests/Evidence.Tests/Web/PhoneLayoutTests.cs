using System.Drawing;
using System.Net.Http.Json;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using OpenQA.Selenium;
using OpenQA.Selenium.Support.UI;

namespace Evidence.Tests.Web;

/// <summary>
/// Issue 18, item 7: usable on a phone. At 360 px wide every page each role reaches fits without scrolling sideways, passes
/// axe-core, and shows hostile names (a very long unbroken word, markup, a right-to-left override) as inert text that
/// neither runs nor breaks the layout. In English and in Ukrainian, whose labels are longer. Each page is saved as a
/// screenshot under the test output's screenshots/ folder ("uk-phone-investigator-upload.png").
/// </summary>
[Trait("Category", "Browser")]
public sealed class PhoneLayoutTests
{
    // A name with no break opportunity, as a pasted URL, hash or transliterated compound is.
    private static readonly string Unbroken = string.Concat(Enumerable.Repeat("Херсонськадитячалікарня", 6));
    private const string Markup = "<script>window.hostile = 1</script><img src=x onerror=\"window.hostile = 1\">";
    // A file name cannot hold "/" (only its last segment is kept), so its script tag is left open.
    private const string FileMarkup = "<script>window.hostile = 1<img src=x onerror=window.hostile=1>";
    private const string Rlo = "\u202E";

    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    [Theory]
    [InlineData("en")]
    [InlineData("uk")]
    public async Task EveryRolesPages_At360Pixels_FitTheWidth_PassAxe_AndShowHostileNamesInert(string language)
    {
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        var (incident, item) = await HostileIncidentAndItemAsync(scenario);
        var downloads = Directory.CreateDirectory(Path.Combine(server.Home.Path, "downloads")).FullName;
        using var browser = BrowserFlowTests.Chromium(downloads, language);
        browser.Manage().Window.Size = new Size(360, 800);
        var wait = BrowserFlowTests.Waiting(browser, TimeSpan.FromSeconds(30));
        Directory.CreateDirectory(Screenshots);

        browser.Navigate().GoToUrl(new Uri(server.Address, "/"));
        Assert.Equal(360L, ((IJavaScriptExecutor)browser).ExecuteScript("return window.innerWidth;"));
        Assert.Equal(language, browser.FindElement(By.TagName("html")).GetAttribute("lang"));
        foreach (var user in new[] { scenario.Investigator, scenario.IccProsecutor, scenario.Auditor, scenario.Admin })
        {
            browser.Navigate().GoToUrl(new Uri(server.Address, "/"));
            AssertFitsAndInert(browser, $"sign-in before {user.Name}");
            BrowserFlowTests.SignIn(browser, wait, server, user, _ => { });
            // The pages the role's menu offers, and the detail pages it may open. (A page a role may not open answers a bare
            // status code from UseStatusCodePages, which is no page of ours: an auditor is not shown incidents, an admin no evidence.)
            string[] incidents = [$"/incidents/{incident}", $"/incidents/{scenario.Incident}"], items = [$"/evidence/{item}", $"/evidence/{scenario.Item}"];
            var details = user.Role switch { Role.Investigator or Role.Prosecutor => [.. incidents, .. items], Role.Auditor => items, _ => [] };
            var pages = browser.FindElements(By.CssSelector("header nav a")).Select(a => new Uri(a.GetAttribute("href")!).PathAndQuery)
                .Concat(details).Distinct().ToList();
            foreach (var page in pages)
            {
                browser.Navigate().GoToUrl(new Uri(server.Address, page));
                AssertFitsAndInert(browser, $"{page} as {user.Name} ({language})");
                ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(Path.Combine(Screenshots, $"{language}-phone-{user.Name}-{(page == "/" ? "evidence" : page.Trim('/').Replace('/', '-'))}.png"));
                Accessibility.AssertNoSeriousViolations(browser, $"{page} as {user.Name}, 360 px ({language})");
            }
            if (user == scenario.Investigator)
            {
                // The names were shown, as text: the markup literally, the override written out.
                browser.Navigate().GoToUrl(new Uri(server.Address, $"/incidents/{incident}"));
                Assert.Equal($"{Unbroken} {Markup} \\u202Etxt.exe", browser.FindElement(By.TagName("h1")).Text);
                browser.Navigate().GoToUrl(new Uri(server.Address, $"/evidence/{item}"));
                Assert.Equal($"{Unbroken}{FileMarkup}\\u202Egnp.exe", browser.FindElement(By.TagName("h1")).Text);
                Assert.Contains(Unbroken, browser.FindElement(By.Id("tags")).Text, StringComparison.Ordinal);
            }
            browser.Navigate().GoToUrl(new Uri(server.Address, "/"));
            BrowserFlowTests.SignOut(browser);
        }
    }

    /// <summary>An incident and an item whose names are hostile, tagged together and referred to the ICC so that every role meets them.</summary>
    private static async Task<(Guid Incident, Guid Item)> HostileIncidentAndItemAsync(WebScenario scenario)
    {
        using var investigator = scenario.Server.Client(scenario.Investigator);
        var incident = await WebScenario.IdOf(await investigator.PostAsJsonAsync("/api/incidents", new
        {
            title = $"{Unbroken} {Markup} {Rlo}txt.exe", kind = "Deportation", periodFrom = "2022-10", place = Unbroken, articles = new[] { "8(2)(a)(vii)-1" },
        }));
        var item = (await WebScenario.UploadAsync(investigator, $"{Unbroken}{FileMarkup}{Rlo}gnp.exe", "A statement."u8.ToArray(), collector: Unbroken))[0]
            .GetProperty("id").GetGuid();
        (await investigator.PostAsJsonAsync($"/api/evidence/{item}/tags", new { incidentId = incident, elements = new[] { "8(2)(a)(vii)-1:1" } })).EnsureSuccessStatusCode();
        (await investigator.PostAsJsonAsync($"/api/incidents/{incident}/referrals", new { office = "Icc" })).EnsureSuccessStatusCode();
        return (incident, item);
    }

    private static void AssertFitsAndInert(IWebDriver browser, string page)
    {
        var script = (IJavaScriptExecutor)browser;
        // The elements that stick out on the right (not those inside a box that scrolls, unless positioned out of it), named so a failure says what to fix.
        var wide = (string)script.ExecuteScript("""
            const width = window.innerWidth;
            if (document.documentElement.scrollWidth <= width) return '';
            const scrolled = e => { for (let p = e.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible') return true; return false; };
            return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width && (getComputedStyle(e).position === 'absolute' || !scrolled(e)))
                .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')
                    + ' (right ' + Math.round(e.getBoundingClientRect().right) + ')').join(', ') || 'scrollWidth ' + document.documentElement.scrollWidth;
            """)!;
        Assert.True(wide.Length == 0, $"{page} is wider than the 360 px screen: {wide}");
        Assert.True(script.ExecuteScript("return typeof window.hostile;") is "undefined", $"{page} ran a script from a name");
        // Encoded, the markup became text: no element of it exists, whether or not the Content-Security-Policy would block it.
        // (The one script without src a page may have is data the browser never runs: the upload page's texts as JSON.)
        var elements = script.ExecuteScript("return document.querySelectorAll('[onerror], script:not([src]):not([type=\"application/json\"])').length;");
        Assert.True(elements is 0L, $"{page} made {elements} script or onerror element(s) of a name");
        Assert.DoesNotContain(Rlo, browser.FindElement(By.TagName("body")).Text, StringComparison.Ordinal);
    }
}
