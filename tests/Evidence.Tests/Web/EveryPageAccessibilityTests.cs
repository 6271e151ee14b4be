using Evidence.Tests.Fixtures;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;

namespace Evidence.Tests.Web;

/// <summary>
/// Issue 18, item 7: axe-core on every page, in English and in Ukrainian, and in each state a page can be in: empty, done,
/// and refused (each form sent with a wrong value, which the page shows with its errors). Four roles walk it in one browser;
/// at the end the paths axe-core checked are compared with the app's own Razor page routes (read from its endpoints, so a
/// page added later is counted without anyone listing it), and any page never checked fails the test by name. Only pages a
/// browser can never be shown are exempt, each with its reason (<see cref="NotShown"/>).
/// </summary>
[Trait("Category", "Browser")]
public sealed class EveryPageAccessibilityTests
{
    /// <summary>Pages (by their path under Pages/) that answer a browser's GET with a redirect and never render: axe-core has nothing to read.</summary>
    private static readonly Dictionary<string, string> NotShown = new(StringComparer.Ordinal)
    {
        // The header's sign-out button posts here; a GET is sent back to "/" (SignOutModel.OnGet).
        ["/Account/SignOut"] = "POST only, a GET redirects to /",
        // The header's language switch posts here; a GET is sent back to "/" (LanguageModel.OnGet).
        ["/Account/Language"] = "POST only, a GET redirects to /",
    };

    [Theory]
    [InlineData("en")]
    [InlineData("uk")]
    public async Task EveryPage_EmptyDoneAndRefused_PassesAxe_AndNoPageIsLeftUnchecked(string language)
    {
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        using var browser = BrowserFlowTests.Chromium(Directory.CreateDirectory(Path.Combine(server.Home.Path, "downloads")).FullName, language);
        var wait = BrowserFlowTests.Waiting(browser, TimeSpan.FromSeconds(30));
        void Go(string path) => browser.Navigate().GoToUrl(new Uri(server.Address, path));
        void Type(string field, string text)
        {
            var input = browser.FindElement(By.CssSelector(field));
            input.Clear();
            input.SendKeys(text);
        }
        // A click that sends a form: done when the page it showed is gone and the next one has loaded.
        void Send(string button)
        {
            var page = browser.FindElement(By.TagName("html"));
            browser.FindElement(By.CssSelector(button)).Click();
            wait.Until(b => Gone(page) && ((IJavaScriptExecutor)b).ExecuteScript("return document.readyState;") is "complete");
        }
        void Check(string page)
        {
            Assert.Equal(language, browser.FindElement(By.TagName("html")).GetAttribute("lang"));
            Accessibility.AssertNoSeriousViolations(browser, $"{page} ({language})");
        }
        // A refused form: the page shows why (so the refused state is what axe-core reads), then is checked.
        void CheckRefused(string page)
        {
            Assert.True(browser.FindElements(By.CssSelector(".error, .field-error")).Count > 0, $"{page} ({language}) shows no error: the refused state was not reached");
            Check(page + ", refused");
        }

        // Investigator: sign in (refused once), replace the printed password (refused once), then every page it may open.
        var investigator = scenario.Investigator;
        Go("/");
        Check("sign-in");
        Type("input[name=UserName]", investigator.Name);
        Type("input[name=Password]", "Not-the-password-1");
        Send("#sign-in");
        CheckRefused("sign-in");
        Type("input[name=UserName]", investigator.Name);
        Type("input[name=Password]", investigator.Password);
        Send("#sign-in");
        Assert.Contains("/Account/ChangePassword", browser.Url, StringComparison.Ordinal);
        Check("change password");
        Type("input[name=Current]", "Not-the-password-1");
        Type("input[name=New]", "short");
        Send("#change-password");
        CheckRefused("change password");
        Type("input[name=Current]", investigator.Password);
        Type("input[name=New]", investigator.Password + "Own7");
        Send("#change-password");
        wait.Until(b => !b.Url.Contains("/Account/", StringComparison.Ordinal));
        Check("evidence list");
        Go("/?from=last-autumn");
        CheckRefused("evidence list, malformed date");
        Go("/");
        Send("#tag-selected-submit"); // nothing selected
        CheckRefused("evidence list, tagging nothing");
        Go("/Account/TwoFactor");
        Assert.Empty(browser.FindElements(By.Id("two-factor-on")));
        Check("two-factor, optional for an investigator");
        Go("/upload");
        Check("upload");
        Go("/incidents");
        Check("incidents");
        Go("/incidents?from=2023-13");
        CheckRefused("incidents, malformed filter");
        Go("/incidents");
        Type("#incident-form input[name=Title]", "Camp in Yevpatoria");
        Type("#incident-form input[name=PeriodFrom]", "2023-13");
        Type("#incident-form input[name=Place]", "Yevpatoria");
        browser.FindElement(By.CssSelector("#incident-form input[name=Articles][value='8(2)(a)(vii)-1']")).Click();
        Send("#incident-submit");
        CheckRefused("incidents, new incident with a malformed period");
        Go($"/incidents/{scenario.Incident}");
        Check("incident, investigator");
        Go("/cases");
        Check("cases");
        Go($"/cases/{scenario.Case}");
        Check("case");
        Go($"/cases/{scenario.Case}/timeline");
        Assert.NotEmpty(browser.FindElements(By.CssSelector("svg")));
        Check("case timeline");
        Go($"/evidence/{scenario.Item}");
        Check("evidence detail, investigator");
        browser.FindElement(By.CssSelector("#amend summary")).Click();
        Type("#meta-coordinates", "north of Kherson");
        Type("#amend-reason", "the place was read from the map");
        Send("#amend-submit");
        CheckRefused("evidence detail, amendment with malformed coordinates");
        Go("/Account/Denied");
        Check("denied");
        BrowserFlowTests.SignOut(browser);

        // Prosecutor: enrolment required (a wrong code first), the recovery codes, the page once it is on, then a sign-in with a code.
        var prosecutor = scenario.IccProsecutor;
        var password = prosecutor.Password + "Own7";
        Type("input[name=UserName]", prosecutor.Name);
        Type("input[name=Password]", prosecutor.Password);
        Send("#sign-in");
        Type("input[name=Current]", prosecutor.Password);
        Type("input[name=New]", password);
        Send("#change-password");
        Assert.Contains("/Account/TwoFactor", browser.Url, StringComparison.Ordinal);
        Check("two-factor, required enrolment");
        var totp = new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(browser.FindElement(By.Id("key")).Text.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()));
        Type("#enrol-code", WrongCode(totp));
        Send("#enrol-submit");
        CheckRefused("two-factor enrolment, wrong code");
        Type("#enrol-code", totp.ComputeTotp(DateTime.UtcNow));
        Send("#enrol-submit");
        Assert.NotEmpty(browser.FindElements(By.Id("recovery-codes")));
        Check("two-factor, recovery codes");
        Go("/Account/TwoFactor");
        Assert.NotEmpty(browser.FindElements(By.Id("two-factor-on")));
        Check("two-factor, on");
        Type("#new-codes-form input[name=Code]", WrongCode(totp));
        Send("#new-codes-form button[type=submit]");
        CheckRefused("two-factor, new recovery codes with a wrong code");
        Go("/packages");
        Check("packages");
        Go($"/incidents/{scenario.Incident}");
        Check("incident, prosecutor");
        BrowserFlowTests.SignOut(browser);
        Type("input[name=UserName]", prosecutor.Name);
        Type("input[name=Password]", password);
        Send("#sign-in");
        Assert.Contains("/Account/SignInCode", browser.Url, StringComparison.Ordinal);
        Check("sign-in code");
        Type("#code", WrongCode(totp));
        Send("#code-submit");
        CheckRefused("sign-in code, wrong code");
        browser.FindElement(By.CssSelector("#recovery summary")).Click();
        Type("#recovery-code", "AAAAA-BBBBB");
        Send("#recovery-submit");
        CheckRefused("sign-in code, wrong recovery code");
        // Not loaded afresh: the page's address now ends in ?handler=Recovery, and the code form must still post a code, not a
        // recovery code (it once had no action of its own and did).
        // The next step's code: each step is accepted once, and enrolment used this one.
        Type("#code", totp.ComputeTotp(DateTime.UtcNow.AddSeconds(30)));
        Send("#code-submit");
        Assert.True(!browser.Url.Contains("/Account/", StringComparison.Ordinal),
            $"the right code did not sign in: {string.Join(" ", browser.FindElements(By.CssSelector(".error")).Select(e => e.Text))}");
        BrowserFlowTests.SignOut(browser);

        // Auditor: the audit page, before and after a verification.
        BrowserFlowTests.SignIn(browser, wait, server, scenario.Auditor, _ => { });
        Go("/audit");
        Check("audit");
        Send("#verify-submit");
        Assert.NotEmpty(browser.FindElements(By.Id("verification")));
        Check("audit, verification passed");
        Go($"/evidence/{scenario.Item}");
        Check("evidence detail, auditor");
        BrowserFlowTests.SignOut(browser);

        // Admin: users (a refused addition: the name is taken), and the two-factor reset, done for the prosecutor.
        BrowserFlowTests.SignIn(browser, wait, server, scenario.Admin, _ => { });
        Go("/users");
        Check("users");
        Type("#user-form input[name=Name]", investigator.Name);
        Send("#user-form button[type=submit]");
        CheckRefused("users, name taken");
        Go("/users/reset-two-factor");
        Check("reset two-factor");
        browser.FindElement(By.XPath($"//form[@id='reset-two-factor-form']//option[normalize-space()='{prosecutor.Name}']")).Click();
        Send("#reset-two-factor-submit");
        Assert.NotEmpty(browser.FindElements(By.CssSelector(".done")));
        Check("reset two-factor, done");

        // Every page of the app was checked, but those a browser is never shown.
        var pages = PageRoutes(server);
        // The endpoints were read right: they are exactly the .cshtml files that begin with @page (so the check below is not empty).
        var files = Directory.EnumerateFiles(Path.Combine(Repo.Root, "src", "Evidence.Web", "Pages"), "*.cshtml", SearchOption.AllDirectories)
            .Where(f => File.ReadLines(f).FirstOrDefault()?.StartsWith("@page", StringComparison.Ordinal) == true)
            .Select(f => "/" + Path.GetRelativePath(Path.Combine(Repo.Root, "src", "Evidence.Web", "Pages"), f)[..^".cshtml".Length].Replace('\\', '/'));
        Assert.Equal(files.Order(StringComparer.Ordinal), pages.Keys.Order(StringComparer.Ordinal));
        Assert.All(NotShown.Keys, page => Assert.True(pages.ContainsKey(page), $"{page} is exempt from the check but is no page of the app: remove it from NotShown"));
        var checkedPaths = Accessibility.CheckedPaths(browser);
        var never = pages.Where(page => !NotShown.ContainsKey(page.Key) && !checkedPaths.Any(path => page.Value.Any(route => Matches(route, path))))
            .Select(page => $"{page.Key} ({string.Join(", ", page.Value.Select(r => "/" + r))})").ToList();
        Assert.True(never.Count == 0, $"axe-core never checked these pages ({language}): {string.Join("; ", never)}. Visit each in this walk, "
            + "or, if no browser can be shown it, add it to NotShown with the reason.");
    }

    /// <summary>The app's Razor pages, by their path under Pages/, each with its route templates (the index page has two: "" and "Index").</summary>
    private static Dictionary<string, List<string>> PageRoutes(WebServer server) =>
        server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Page: e.Metadata.GetMetadata<PageActionDescriptor>(), Route: e.RoutePattern.RawText ?? ""))
            .Where(e => e.Page is not null)
            .GroupBy(e => e.Page!.ViewEnginePath, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Route.Trim('/')).Distinct().ToList(), StringComparer.Ordinal);

    /// <summary>
    /// Whether a path fits a route template segment by segment: a parameter ("{id:guid}") takes any one segment, the rest
    /// match as routing does, ignoring case. (The app's pages use no optional or catch-all parameters.)
    /// </summary>
    private static bool Matches(string route, string path)
    {
        var expected = route.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var actual = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        return expected.Length == actual.Length
            && expected.Zip(actual).All(s => s.First.StartsWith('{') || string.Equals(s.First, Uri.UnescapeDataString(s.Second), StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A six-digit code that is none the app would accept now (it takes the current step and its neighbours).</summary>
    private static string WrongCode(OtpNet.Totp totp)
    {
        var now = DateTime.UtcNow;
        var accepted = new[] { -60, -30, 0, 30, 60 }.Select(s => totp.ComputeTotp(now.AddSeconds(s))).ToHashSet(StringComparer.Ordinal);
        return Enumerable.Range(0, 10).Select(d => new string((char)('0' + d), 6)).First(c => !accepted.Contains(c));
    }

    private static bool Gone(IWebElement element)
    {
        try
        {
            _ = element.Enabled;
            return false;
        }
        catch (StaleElementReferenceException)
        {
            return true;
        }
        catch (UnknownErrorException e) when (e.Message.Contains("does not belong to the document", StringComparison.Ordinal))
        {
            // Asked while the old page was being torn down, Chromium names the same thing this way (seen once in CI).
            return true;
        }
    }
}
