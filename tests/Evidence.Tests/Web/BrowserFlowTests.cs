using Evidence.Tests.Fixtures;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Evidence.Tests.Web;

/// <summary>
/// The whole flow in real headless Chromium (Debian's chromium and chromedriver, installed by ./test.sh): an
/// investigator uploads two files and tags them, a prosecutor requests and downloads the package, an auditor runs
/// verification and sees it pass, then tries to open evidence content and is refused. The same walk in English and in
/// Ukrainian, the browser asking for its language as a Ukrainian investigator's does. Each page is saved as a screenshot
/// under the test output's screenshots/ folder, named by language (the guides show them).
/// </summary>
[Trait("Category", "Browser")]
public sealed class BrowserFlowTests
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>What the pages say at the steps the walk checks, in each language (the elements of crimes stay in the ICC's English).</summary>
    private static readonly Dictionary<string, Dictionary<string, string>> Says = new()
    {
        ["en"] = new()
        {
            ["tagged"] = "2 items tagged to the incident in one step", ["given"] = "given", ["public"] = "public", ["covered"] = "covered by 2",
            ["icc"] = "Office of the Prosecutor, International Criminal Court", ["package"] = "3 items", ["verified"] = "Verification passed",
        },
        ["uk"] = new()
        {
            ["tagged"] = "2 записів позначено до інциденту за один крок", ["given"] = "надано", ["public"] = "відкритий", ["covered"] = "підтверджено доказами: 2",
            ["icc"] = "Офіс Прокурора Міжнародного кримінального суду", ["package"] = "доказів — 3", ["verified"] = "Перевірку пройдено",
        },
    };

    [Theory]
    [InlineData("en")]
    [InlineData("uk")]
    public async Task InvestigatorProsecutorAuditor_WalkTheWholeFlow_InChromium(string language)
    {
        var says = Says[language];
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        var downloads = Directory.CreateDirectory(Path.Combine(server.Home.Path, "downloads")).FullName;
        var photo = server.Home.File("upload/school-bus.png", Convert.FromBase64String(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="));
        var letter = server.Home.File("upload/лист опікуна.txt", "Letter from the guardian, 2022-11-02: the children were moved to Anapa."u8.ToArray());
        Directory.CreateDirectory(Screenshots);

        using var browser = Chromium(downloads, language);
        var wait = Waiting(browser, TimeSpan.FromSeconds(30));
        void Shot(string name) => ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(Path.Combine(Screenshots, $"{language}-{name}.png"));

        // Investigator: sign in (and replace the printed one-time password), upload two files, tag them.
        SignIn(browser, wait, server, scenario.Investigator, Shot);
        browser.Navigate().GoToUrl(new Uri(server.Address, "/upload"));
        Accessibility.AssertNoSeriousViolations(browser, "upload");
        browser.FindElement(By.Id("files")).SendKeys(photo + "\n" + letter);
        // The court metadata: a place for both from the form, and a sheet row giving the photo its own place and position.
        browser.FindElement(By.Id("meta-place")).SendKeys("Kherson");
        browser.FindElement(By.CssSelector("#meta-consent option[value='given']")).Click();
        var sheet = server.Home.File("upload/sheet.csv", "file,place,coordinates\nschool-bus.png,\"Kherson, bus station\",\"46.6354,32.6169\"\n"u8.ToArray());
        browser.FindElement(By.Id("sheet")).SendKeys(sheet);
        Shot("02-upload-chosen");
        browser.FindElement(By.Id("start-upload")).Click();
        wait.Until(b => b.FindElements(By.CssSelector("#progress li.recorded")).Count == 2 || b.FindElements(By.CssSelector("#progress li.failed")).Count > 0);
        Shot("03-upload-recorded");
        Accessibility.AssertNoSeriousViolations(browser, "upload, files recorded");
        Assert.Empty(browser.FindElements(By.CssSelector("#progress li.failed")));
        var recorded = browser.FindElements(By.CssSelector("#progress a.recorded-link")).Select(a => a.GetAttribute("href")!).ToList();
        // Both new items, found by the place the form stated, tagged to the incident in one step from the list.
        browser.Navigate().GoToUrl(new Uri(server.Address, "/?place=kherson"));
        var boxes = browser.FindElements(By.CssSelector("#evidence input[name=Selected]"));
        Assert.Equal(2, boxes.Count);
        Accessibility.AssertNoSeriousViolations(browser, "evidence list, filtered");
        foreach (var box in boxes)
        {
            box.Click();
        }
        browser.FindElement(By.CssSelector($"#tag-selected-incident option[value='{scenario.Incident}']")).Click();
        browser.FindElement(By.Id("tag-selected-submit")).Click();
        wait.Until(b => b.FindElements(By.CssSelector(".done")).Count > 0 || b.FindElements(By.CssSelector(".error")).Count > 0);
        Assert.Contains($"<html lang=\"{language}\">", browser.PageSource, StringComparison.Ordinal);
        Assert.Contains(says["tagged"], browser.FindElement(By.CssSelector(".done")).Text, StringComparison.Ordinal);
        Assert.Equal(2, browser.FindElements(By.CssSelector("#evidence input[name=Selected]")).Count); // the same list comes back
        Accessibility.AssertNoSeriousViolations(browser, "evidence list, items tagged");
        foreach (var item in recorded)
        {
            browser.Navigate().GoToUrl(item);
            Assert.Contains("Kherson", browser.FindElement(By.Id("stated")).Text, StringComparison.Ordinal);
            Assert.Contains(says["given"], browser.FindElement(By.Id("stated")).Text, StringComparison.Ordinal);
            Accessibility.AssertNoSeriousViolations(browser, "evidence detail, investigator");
            browser.FindElement(By.CssSelector($"#tag-incident option[value='{scenario.Incident}']")).Click();
            // No ID typed: the element is a checkbox with its text, the perpetrator and the child come from lists.
            Assert.Contains("protected under one or more of the Geneva Conventions", browser.FindElement(By.Id("tag-elements")).Text, StringComparison.Ordinal);
            browser.FindElement(By.CssSelector("#tag-elements input[value='8(2)(a)(vii)-1:2']")).Click();
            Assert.Empty(browser.FindElements(By.CssSelector("#tag-form input[name=TagPerpetrator], #tag-form input[name=TagVictim]")));
            browser.FindElement(By.Id("tag-submit")).Click();
            wait.Until(b => b.FindElements(By.CssSelector(".done")).Count > 0 || b.FindElements(By.CssSelector(".error")).Count > 0);
            Assert.Empty(browser.FindElements(By.CssSelector(".error")));
        }
        browser.Navigate().GoToUrl(recorded[0]); // the photo, which its sheet row placed
        // Its preview is drawn in the page (a Viewed event, as opening it is).
        wait.Until(b => (long)((IJavaScriptExecutor)b).ExecuteScript("const i = document.querySelector('#preview img'); return i && i.complete ? i.naturalWidth : -1;")! > 0);
        Assert.Contains("46.6354", browser.FindElement(By.Id("stated")).Text, StringComparison.Ordinal);
        Assert.Contains("Kherson, bus station", browser.FindElement(By.Id("stated")).Text, StringComparison.Ordinal);
        // Amend the statement from the page: the changed field only, with a reason; the history keeps the old value.
        browser.FindElement(By.CssSelector("#amend summary")).Click();
        Accessibility.AssertNoSeriousViolations(browser, "evidence detail, amendment form open");
        browser.FindElement(By.CssSelector("#meta-confidentiality option[value='public']")).Click();
        browser.FindElement(By.Id("amend-reason")).SendKeys("the family agreed to publication");
        browser.FindElement(By.Id("amend-submit")).Click();
        wait.Until(b => b.FindElements(By.CssSelector(".done")).Count > 0 || b.FindElements(By.CssSelector(".error")).Count > 0);
        Assert.Empty(browser.FindElements(By.CssSelector(".error")));
        Assert.Contains(says["public"], browser.FindElement(By.Id("stated")).Text, StringComparison.Ordinal);
        Assert.Contains("the family agreed to publication", browser.FindElement(By.Id("stated")).Text, StringComparison.Ordinal);
        Shot("04-evidence-detail");
        browser.Navigate().GoToUrl(new Uri(server.Address, $"/incidents/{scenario.Incident}"));
        Assert.Contains(says["covered"], browser.FindElement(By.Id("matrix")).Text, StringComparison.Ordinal);
        Shot("05-incident-matrix");
        Assert.NotEmpty(browser.FindElements(By.CssSelector("#timeline svg"))); // the incident's timeline, drawn by the server
        Accessibility.AssertNoSeriousViolations(browser, "incident detail, investigator");
        browser.Navigate().GoToUrl(new Uri(server.Address, $"/cases/{scenario.Case}"));
        Assert.NotEmpty(browser.FindElements(By.CssSelector("#case-timeline svg")));
        Accessibility.AssertNoSeriousViolations(browser, "case page");
        browser.Navigate().GoToUrl(new Uri(server.Address, "/incidents"));
        Accessibility.AssertNoSeriousViolations(browser, "incidents, investigator");
        browser.Navigate().GoToUrl(new Uri(server.Address, "/"));
        Shot("06-evidence-list");
        Accessibility.AssertNoSeriousViolations(browser, "evidence list");
        SignOut(browser);

        // ICC prosecutor: request the package for the referred incident and download it.
        SignIn(browser, wait, server, scenario.IccProsecutor, Shot);
        browser.Navigate().GoToUrl(new Uri(server.Address, $"/incidents/{scenario.Incident}"));
        // Recipients by their full names, never an enum's ("Icc").
        Assert.Equal(says["icc"],
            browser.FindElement(By.CssSelector("#package-form select[name=Recipient] option[value='Icc']")).Text);
        Accessibility.AssertNoSeriousViolations(browser, "incident detail, prosecutor");
        browser.FindElement(By.Id("package-submit")).Click();
        wait.Until(b => b.FindElements(By.CssSelector(".done")).Count > 0 || b.FindElements(By.CssSelector(".error")).Count > 0);
        Assert.Empty(browser.FindElements(By.CssSelector(".error")));
        Assert.Contains(says["package"], browser.FindElement(By.CssSelector(".done")).Text, StringComparison.Ordinal);
        Shot("07-package-requested");
        Accessibility.AssertNoSeriousViolations(browser, "incident detail, package requested");
        browser.FindElements(By.CssSelector("#packages a.download")).First().Click();
        var zip = await WaitForDownloadAsync(downloads);
        Assert.Equal("PK"u8.ToArray(), File.ReadAllBytes(zip)[..2]);
        browser.Navigate().GoToUrl(new Uri(server.Address, "/packages"));
        Accessibility.AssertNoSeriousViolations(browser, "packages");
        SignOut(browser);

        // Auditor: run verification and see it pass; then the denied path.
        SignIn(browser, wait, server, scenario.Auditor, Shot);
        browser.Navigate().GoToUrl(new Uri(server.Address, "/audit"));
        browser.FindElement(By.Id("verify-submit")).Click();
        wait.Until(b => b.FindElements(By.Id("verification")).Count > 0);
        Assert.Contains(says["verified"], browser.FindElement(By.Id("verification")).Text, StringComparison.Ordinal);
        Shot("08-audit-passed");
        Accessibility.AssertNoSeriousViolations(browser, "audit, verification passed");
        browser.Navigate().GoToUrl(new Uri(server.Address, $"/evidence/{scenario.Item}"));
        Assert.Empty(browser.FindElements(By.Id("open-content")));
        Shot("09-auditor-evidence-detail");
        Accessibility.AssertNoSeriousViolations(browser, "evidence detail, auditor");
        browser.Navigate().GoToUrl(new Uri(server.Address, "/Account/Denied"));
        Accessibility.AssertNoSeriousViolations(browser, "denied");
        browser.Navigate().GoToUrl(new Uri(server.Address, $"/api/evidence/{scenario.Item}/content"));
        var contentDenied = language == "uk" ? "може надіслати лише слідчий або прокурор" : "may be sent only by Investigator or Prosecutor";
        Assert.Contains(contentDenied, browser.PageSource, StringComparison.Ordinal);
        Shot("10-auditor-content-denied");
        // Not even a thumbnail: refused, and the refusal recorded.
        browser.Navigate().GoToUrl(new Uri(server.Address, $"/api/evidence/{scenario.Item}/thumbnail"));
        Assert.Contains(contentDenied, browser.PageSource, StringComparison.Ordinal);
        browser.Navigate().GoToUrl(new Uri(server.Address, "/"));
        SignOut(browser);

        // Admin: the users page.
        SignIn(browser, wait, server, scenario.Admin, Shot);
        browser.Navigate().GoToUrl(new Uri(server.Address, "/users"));
        Accessibility.AssertNoSeriousViolations(browser, "users");
    }

    /// <summary>
    /// Review of issue 17: the server keeps an uploaded file under its name trimmed (IngestUpload.KeptName) and answers the
    /// sheet check by that name, but the page looked rows up by the browser's own name. A file whose name begins or ends with a
    /// space (as files copied from phones and messengers can) found no row: its row marking it strictly confidential was
    /// silently not applied, the file was sent with the page's values (confidential), and so it was seen through every
    /// incident it was tagged to.
    /// </summary>
    [Fact]
    public async Task SheetRow_ReachesAFileWhoseNameTheServerTrims_InChromium()
    {
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        var downloads = Directory.CreateDirectory(Path.Combine(server.Home.Path, "downloads")).FullName;
        var testimony = server.Home.File("upload/ testimony of W-7.txt", "The child's own account, strictly confidential."u8.ToArray());
        using var browser = Chromium(downloads);
        var wait = Waiting(browser, TimeSpan.FromSeconds(30));
        SignIn(browser, wait, server, scenario.Investigator, _ => { });
        browser.Navigate().GoToUrl(new Uri(server.Address, "/upload"));
        browser.FindElement(By.Id("files")).SendKeys(testimony);
        var sheet = server.Home.File("upload/sheet.csv", "file,confidentiality\ntestimony of W-7.txt,strictly-confidential\n"u8.ToArray());
        browser.FindElement(By.Id("sheet")).SendKeys(sheet);
        browser.FindElement(By.Id("start-upload")).Click();
        wait.Until(b => b.FindElements(By.CssSelector("#progress li.recorded")).Count == 1 || b.FindElements(By.CssSelector("#progress li.failed")).Count > 0);
        Assert.Empty(browser.FindElements(By.CssSelector("#progress li.failed")));

        browser.Navigate().GoToUrl(browser.FindElement(By.CssSelector("#progress a.recorded-link")).GetAttribute("href")!);
        Assert.Contains("strictly-confidential", browser.FindElement(By.Id("stated")).Text, StringComparison.Ordinal);
    }

    /// <summary>Headless Chromium asking for pages in <paramref name="language"/> (its Accept-Language), as a reader's browser set to it does.</summary>
    internal static ChromeDriver Chromium(string downloads, string language = "en")
    {
        const string binary = "/usr/bin/chromium", driver = "/usr/bin/chromedriver";
        Assert.True(File.Exists(binary) && File.Exists(driver), "Chromium and ChromeDriver are missing: ./test.sh installs them (apt-get install chromium chromium-driver).");
        var options = new ChromeOptions { BinaryLocation = binary };
        // As the machine's probe found: without the background-networking flags Chromium floods a closed network with connections.
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--window-size=1280,1000", "--user-data-dir=" + Path.GetFullPath(Path.Combine(downloads, "..", "chromium-profile")));
        options.AddUserProfilePreference("download.default_directory", downloads);
        options.AddUserProfilePreference("download.prompt_for_download", false);
        options.AddArgument("--lang=" + language);
        options.AddUserProfilePreference("intl.accept_languages", language);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driver), Path.GetFileName(driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    internal static void SignIn(ChromeDriver browser, WebDriverWait wait, WebServer server, TestUser user, Action<string> shot)
    {
        browser.Navigate().GoToUrl(new Uri(server.Address, "/"));
        Accessibility.AssertNoSeriousViolations(browser, "sign-in");
        browser.FindElement(By.Name("UserName")).SendKeys(user.Name);
        browser.FindElement(By.Name("Password")).SendKeys(user.Password);
        if (user.Role == Requests.Role.Investigator)
        {
            shot("01-sign-in");
        }
        browser.FindElement(By.Id("sign-in")).Click();
        wait.Until(b => b.Url.Contains("/Account/ChangePassword", StringComparison.Ordinal));
        Accessibility.AssertNoSeriousViolations(browser, "change password");
        browser.FindElement(By.Name("Current")).SendKeys(user.Password);
        browser.FindElement(By.Name("New")).SendKeys(user.Password + "Own7");
        browser.FindElement(By.Id("change-password")).Click();
        wait.Until(b => !b.Url.Contains("/Account/ChangePassword", StringComparison.Ordinal));
        if (browser.Url.Contains("/Account/TwoFactor", StringComparison.Ordinal))
        {
            // Prosecutors and admins enrol in two-factor sign-in before any page (TwoFactorBrowserTests walks it in full).
            Accessibility.AssertNoSeriousViolations(browser, "two-factor enrolment");
            var key = browser.FindElement(By.Id("key")).Text.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
            browser.FindElement(By.Id("enrol-code")).SendKeys(new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(key)).ComputeTotp(DateTime.UtcNow));
            browser.FindElement(By.Id("enrol-submit")).Click();
            wait.Until(b => b.FindElements(By.Id("recovery-codes")).Count > 0);
            Accessibility.AssertNoSeriousViolations(browser, "two-factor recovery codes");
            browser.FindElement(By.Id("continue")).Click();
        }
        wait.Until(b => !b.Url.Contains("/Account/", StringComparison.Ordinal));
    }

    /// <summary>
    /// A wait that looks again when the page it looked at was just replaced (a click that navigates, a language switch):
    /// the element it held is then stale, or not there yet, which is a reason to look again, not a failure.
    /// </summary>
    internal static WebDriverWait Waiting(IWebDriver browser, TimeSpan timeout)
    {
        var wait = new WebDriverWait(browser, timeout);
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        return wait;
    }

    internal static void SignOut(ChromeDriver browser)
    {
        browser.FindElement(By.CssSelector(".who button")).Click();
        Waiting(browser, TimeSpan.FromSeconds(30)).Until(b => b.FindElements(By.Name("UserName")).Count > 0);
    }

    private static async Task<string> WaitForDownloadAsync(string folder)
    {
        for (var i = 0; i < 300; i++)
        {
            var done = Directory.GetFiles(folder, "*.zip");
            if (done.Length > 0 && Directory.GetFiles(folder, "*.crdownload").Length == 0)
            {
                return done[0];
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The package download did not finish in 30 s.");
    }
}
