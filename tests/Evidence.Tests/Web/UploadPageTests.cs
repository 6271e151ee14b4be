using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Evidence.Tests.Fixtures;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Chromium;
using OpenQA.Selenium.Support.UI;

namespace Evidence.Tests.Web;

/// <summary>
/// The upload page in real headless Chromium (issue 18, item 8), in English and in Ukrainian: files with a metadata sheet,
/// a large file paused and resumed, a connection dropped (DevTools offline) and restored, a tab left mid-upload and the same
/// file chosen again on return, and each file's result stated: recorded, duplicate of an earlier item, refused with its
/// reason. The network is throttled so that a 10 MiB file takes seconds, long enough to pause it. Screenshots go to the test
/// output's screenshots/ folder as en-17-… and uk-17-….
/// </summary>
[Trait("Category", "Browser")]
public sealed class UploadPageTests
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    // Slow enough that each 4 MiB chunk takes about two seconds: a pause, a drop and a departure land mid-file.
    private static readonly ChromiumNetworkConditions Slow = new() { Latency = TimeSpan.FromMilliseconds(200), UploadThroughput = 2 << 20, DownloadThroughput = 50 << 20 };

    /// <summary>What the page says in each language, as its resource file has it.</summary>
    public sealed record Words(string Paused, string ConnectionLost, string DuplicateOf, string EmptyRefused, string Summary, string Unfinished, string Continuing);

    private static readonly Dictionary<string, Words> Expected = new()
    {
        ["en"] = new("paused", "connection lost", "Duplicate of", "Refused because: the file is empty (0 bytes)",
            "Recorded: 2. Duplicates of earlier items: 1. Refused: 1.", "Unfinished uploads from an earlier visit: 1.", "continues an earlier upload"),
        ["uk"] = new("призупинено", "з’єднання втрачено", "Дублікат", "Відхилено з причини: файл порожній (0 байтів)",
            "Записано: 2. Дублікатів раніше записаних доказів: 1. Відхилено: 1.", "Незавершені завантаження з попереднього відвідування: 1.", "продовжує попереднє завантаження"),
    };

    [Theory]
    [InlineData("en")]
    [InlineData("uk")]
    public async Task Upload_PausesResumesSurvivesADropAndAClosedTab_AndStatesEachResult_InChromium(string language)
    {
        var words = Expected[language];
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        var downloads = Directory.CreateDirectory(Path.Combine(server.Home.Path, "downloads")).FullName;
        var statement = server.Home.File("upload/statement of W-3.txt", "W-3: the bus left the children's home at dawn."u8.ToArray());
        // The same bytes as the scenario's item: recorded again, and said to be its duplicate.
        var copy = server.Home.File("upload/report copy.txt", "Witness statement: 15 children were taken by bus on 2022-10-14."u8.ToArray());
        var empty = server.Home.File("upload/empty.txt", []);
        var videoBytes = RandomNumberGenerator.GetBytes(10 << 20); // three chunks: 4, 4 and 2 MiB
        var video = server.Home.File("upload/video.mp4", videoBytes);
        var sheet = server.Home.File("upload/sheet.csv", "file,place\nstatement of W-3.txt,\"Kherson, bus station\"\n"u8.ToArray());
        Directory.CreateDirectory(Screenshots);
        using var api = server.Client(scenario.Investigator);

        using var browser = BrowserFlowTests.Chromium(downloads, language);
        var wait = BrowserFlowTests.Waiting(browser, TimeSpan.FromSeconds(60));
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException)); // a page being replaced by the next one
        void Shot(string name) => ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(Path.Combine(Screenshots, $"{language}-{name}.png"));
        BrowserFlowTests.SignIn(browser, wait, server, scenario.Investigator, _ => { });
        // The header's switch, as a reader would choose their language.
        browser.FindElement(By.CssSelector($"form.language button[value='{language}']")).Click();
        wait.Until(b => b.FindElement(By.TagName("html")).GetAttribute("lang") == language);

        browser.Navigate().GoToUrl(new Uri(server.Address, "/upload"));
        browser.FindElement(By.Id("files")).SendKeys(string.Join("\n", statement, copy, empty, video));
        browser.FindElement(By.Id("sheet")).SendKeys(sheet);
        browser.NetworkConditions = Slow;
        browser.FindElement(By.Id("start-upload")).Click();

        // Pause the large file mid-way: the server receives nothing more while it is paused.
        wait.Until(b => Row(b, "video.mp4") is { } row && Held(row) > 0);
        Row(browser, "video.mp4")!.FindElement(By.CssSelector("button.pause")).Click();
        wait.Until(b => Row(b, "video.mp4")!.FindElement(By.CssSelector(".state")).Text == words.Paused);
        var upload = RememberedUploads(browser).Single();
        await Task.Delay(1000); // a chunk aborted in flight is not kept: the server holds whole chunks only
        var whilePaused = await ReceivedAsync(api, upload);
        Shot("17-upload-paused");
        await Task.Delay(2500);
        Assert.Equal(whilePaused, await ReceivedAsync(api, upload));
        Assert.True(whilePaused < 3, "the file was whole on the server before it could be paused: the throttle is too fast");

        // Resume all, then drop the connection: the page retries, and goes on once the browser is back online.
        browser.FindElement(By.Id("resume-all")).Click();
        wait.Until(b => Row(b, "video.mp4")!.FindElement(By.CssSelector(".state")).Text != words.Paused);
        browser.NetworkConditions = new ChromiumNetworkConditions { IsOffline = true, Latency = TimeSpan.FromMilliseconds(5), UploadThroughput = 1, DownloadThroughput = 1 };
        wait.Until(b => Row(b, "video.mp4")!.FindElement(By.CssSelector(".state")).Text.Contains(words.ConnectionLost, StringComparison.Ordinal));
        Shot("17-upload-offline");
        await Task.Delay(1500);
        browser.NetworkConditions = Slow;
        wait.Until(b => b.FindElements(By.Id("upload-summary")).Any(s => s.Displayed));
        Shot("17-upload-results");

        // Each file's result, stated.
        var summary = browser.FindElement(By.Id("upload-summary")).Text;
        Assert.Equal(words.Summary, summary);
        var recordedStatement = Row(browser, "statement of W-3.txt")!;
        Assert.Contains("recorded", recordedStatement.GetAttribute("class")!, StringComparison.Ordinal);
        var duplicate = Row(browser, "report copy.txt")!;
        Assert.StartsWith(words.DuplicateOf + " ", duplicate.FindElement(By.CssSelector(".state")).Text, StringComparison.Ordinal);
        Assert.EndsWith($"/evidence/{scenario.Item}", duplicate.FindElement(By.CssSelector("a.duplicate-link")).GetAttribute("href"), StringComparison.Ordinal);
        var refused = Row(browser, "empty.txt")!;
        Assert.Contains("failed", refused.GetAttribute("class")!, StringComparison.Ordinal);
        Assert.StartsWith(words.EmptyRefused, refused.FindElement(By.CssSelector(".state")).Text, StringComparison.Ordinal);
        // The large file, paused, resumed and cut off on the way, recorded byte for byte; nothing of it remembered any more.
        await AssertRecordedExactlyAsync(api, Row(browser, "video.mp4")!, videoBytes);
        Assert.Null(((IJavaScriptExecutor)browser).ExecuteScript("return localStorage.getItem('evidence-uploads')"));
        browser.ClearNetworkConditions();
        browser.Navigate().GoToUrl(recordedStatement.FindElement(By.CssSelector("a.recorded-link")).GetAttribute("href")!);
        Assert.Contains("Kherson, bus station", browser.FindElement(By.Id("stated")).Text, StringComparison.Ordinal); // the sheet's row

        // A tab left mid-upload: coming back, the page offers the unfinished upload, and the same file chosen again goes on
        // from what the server holds instead of starting over.
        var secondBytes = RandomNumberGenerator.GetBytes(10 << 20);
        var second = server.Home.File("upload/video 2.mp4", secondBytes);
        browser.Navigate().GoToUrl(new Uri(server.Address, "/upload"));
        browser.FindElement(By.Id("files")).SendKeys(second);
        browser.NetworkConditions = Slow;
        browser.FindElement(By.Id("start-upload")).Click();
        wait.Until(b => RememberedUploads(b).Count == 1);
        var left = RememberedUploads(browser).Single();
        var stored = (string)((IJavaScriptExecutor)browser).ExecuteScript("return localStorage.getItem('evidence-uploads')")!;
        Assert.DoesNotContain("video", stored, StringComparison.Ordinal); // no file name in this browser's storage
        await WaitAsync(async () => await ReceivedAsync(api, left) >= 1);
        browser.Navigate().GoToUrl(new Uri(server.Address, "/"));
        await Task.Delay(500); // a chunk cut off by leaving is not kept
        var heldWhenLeft = await ReceivedChunksAsync(api, left);
        Assert.True(heldWhenLeft.Count < 3, "the file was whole on the server before the tab was left: the throttle is too fast");

        browser.Navigate().GoToUrl(new Uri(server.Address, "/upload"));
        wait.Until(b => b.FindElement(By.Id("resume-offer")).Displayed);
        Assert.Contains(words.Unfinished, browser.FindElement(By.Id("resume-offer")).Text, StringComparison.Ordinal);
        Assert.Contains("video 2.mp4", browser.FindElement(By.Id("resume-offer")).Text, StringComparison.Ordinal);
        Shot("17-upload-offer");
        // Which chunks the page sends from here on, seen from inside the page (WebDriver's script is not the page's, so CSP allows it).
        ((IJavaScriptExecutor)browser).ExecuteScript("""
            window.sentChunks = [];
            const open = XMLHttpRequest.prototype.open;
            XMLHttpRequest.prototype.open = function (method, url) {
                if (method === "PUT") window.sentChunks.push(Number(url.substring(url.lastIndexOf("/") + 1)));
                return open.apply(this, arguments);
            };
            """);
        browser.FindElement(By.Id("files")).SendKeys(second);
        browser.FindElement(By.Id("start-upload")).Click();
        wait.Until(b => Row(b, "video 2.mp4") is { } row && row.FindElement(By.CssSelector(".state")).Text.Contains(words.Continuing, StringComparison.Ordinal)
            || b.FindElements(By.Id("upload-summary")).Any(s => s.Displayed));
        wait.Until(b => b.FindElements(By.Id("upload-summary")).Any(s => s.Displayed));
        Shot("17-upload-resumed");
        await AssertRecordedExactlyAsync(api, Row(browser, "video 2.mp4")!, secondBytes);
        // Only what the server did not hold was sent again.
        var sentAfterReturn = ((IReadOnlyCollection<object>)((IJavaScriptExecutor)browser).ExecuteScript("return window.sentChunks")!).Select(Convert.ToInt32).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 3).Except(heldWhenLeft).ToList(), sentAfterReturn);
        Assert.Null(((IJavaScriptExecutor)browser).ExecuteScript("return localStorage.getItem('evidence-uploads')"));
        // The same upload went on: the server no longer holds it, and no second one was begun.
        using var gone = await api.GetAsync($"/api/uploads/{left}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Empty(Directory.EnumerateDirectories(server.Settings.UploadFolder));

        // An unfinished upload the investigator does not want: discarded from the offer, on the server and in this browser.
        var third = server.Home.File("upload/unwanted.mp4", RandomNumberGenerator.GetBytes(10 << 20));
        browser.Navigate().GoToUrl(new Uri(server.Address, "/upload"));
        browser.FindElement(By.Id("files")).SendKeys(third);
        browser.FindElement(By.Id("start-upload")).Click();
        wait.Until(b => RememberedUploads(b).Count == 1);
        browser.Navigate().GoToUrl(new Uri(server.Address, "/"));
        browser.Navigate().GoToUrl(new Uri(server.Address, "/upload"));
        wait.Until(b => b.FindElement(By.Id("resume-offer")).Displayed);
        browser.FindElement(By.Id("forget-unfinished")).Click();
        wait.Until(b => !b.FindElement(By.Id("resume-offer")).Displayed);
        Assert.Null(((IJavaScriptExecutor)browser).ExecuteScript("return localStorage.getItem('evidence-uploads')"));
        Assert.Empty(Directory.EnumerateDirectories(server.Settings.UploadFolder));
    }

    /// <summary>The row of a file in the progress list, by its name.</summary>
    private static IWebElement? Row(IWebDriver browser, string name) =>
        browser.FindElements(By.CssSelector("#progress li")).FirstOrDefault(li => li.FindElements(By.CssSelector(".name")).Any(n => n.Text == name));

    private static long Held(IWebElement row) => long.TryParse(row.FindElement(By.TagName("progress")).GetAttribute("value"), out var value) ? value : 0;

    private static List<Guid> RememberedUploads(IWebDriver browser)
    {
        var stored = (string?)((IJavaScriptExecutor)browser).ExecuteScript("return localStorage.getItem('evidence-uploads')");
        return stored is null ? [] : JsonDocument.Parse(stored).RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetGuid()).ToList();
    }

    private static async Task<List<int>> ReceivedChunksAsync(HttpClient api, Guid upload)
    {
        var state = await api.GetFromJsonAsync<JsonElement>($"/api/uploads/{upload}");
        return state.GetProperty("received").EnumerateArray().Select(i => i.GetInt32()).ToList();
    }

    private static async Task<int> ReceivedAsync(HttpClient api, Guid upload)
    {
        var state = await api.GetFromJsonAsync<JsonElement>($"/api/uploads/{upload}");
        return state.GetProperty("received").GetArrayLength();
    }

    /// <summary>The row's item holds exactly the file's bytes: its SHA-256 as recorded, and its content as served.</summary>
    private static async Task AssertRecordedExactlyAsync(HttpClient api, IWebElement row, byte[] bytes)
    {
        Assert.Contains("recorded", row.GetAttribute("class")!, StringComparison.Ordinal);
        var item = new Uri(row.FindElement(By.CssSelector("a.recorded-link")).GetAttribute("href")!).Segments[^1];
        var recorded = await api.GetFromJsonAsync<JsonElement>($"/api/evidence/{item}");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), recorded.GetProperty("sha256").GetString());
        Assert.Equal(bytes, await api.GetByteArrayAsync($"/api/evidence/{item}/content"));
    }

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 300; i++)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The condition did not hold within 30 s.");
    }

}
