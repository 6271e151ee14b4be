using System.Text.Json;
using Evidence.Data;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Evidence.Tests.Web;

/// <summary>
/// The preview in real headless Chromium (issue 18, item 3): an investigator opens an image item and the browser draws
/// it, in English and then in Ukrainian after the header's language switch; the page's CSP lets the same-origin
/// preview through, and the second showing, moments later, is covered by the first one's <c>Viewed</c> event.
/// Screenshots: en-12-preview.png, uk-12-preview.png.
/// </summary>
[Trait("Category", "Browser")]
public sealed class PreviewBrowserTests
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");

    [Fact]
    public async Task Investigator_SeesTheImagePreview_InEnglishAndUkrainian_InChromium()
    {
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        using (var api = server.Client(scenario.Investigator))
        {
            var photo = await File.ReadAllBytesAsync(Path.Combine(Repo.Root, "tests/Evidence.Tests/TestData/provenance/P1000827.jpg"));
            var item = (await WebScenario.UploadAsync(api, "school-bus.jpg", photo))[0].GetProperty("id").GetGuid();
            Directory.CreateDirectory(Screenshots);
            using var browser = BrowserFlowTests.Chromium(Directory.CreateDirectory(Path.Combine(server.Home.Path, "downloads")).FullName);
            var wait = BrowserFlowTests.Waiting(browser, TimeSpan.FromSeconds(30));
            void Shot(string name) => ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(Path.Combine(Screenshots, name + ".png"));
            long Drawn() => (long)((IJavaScriptExecutor)browser).ExecuteScript(
                "const i = document.getElementById('preview-image'); return i && i.complete ? i.naturalWidth : -1;")!;

            BrowserFlowTests.SignIn(browser, wait, server, scenario.Investigator, _ => { });
            browser.Navigate().GoToUrl(new Uri(server.Address, $"/evidence/{item}"));
            wait.Until(_ => Drawn() != -1);
            Assert.Equal(1024, Drawn());
            Assert.Equal("en", browser.FindElement(By.TagName("html")).GetAttribute("lang"));
            Assert.Contains("recorded in the custody log as Viewed (preview)", browser.FindElement(By.Id("preview")).Text, StringComparison.Ordinal);
            Shot("en-12-preview");

            browser.FindElement(By.CssSelector("form.language button[value='uk']")).Click();
            wait.Until(b => b.FindElement(By.TagName("html")).GetAttribute("lang") == "uk");
            wait.Until(_ => Drawn() != -1);
            Assert.Equal(1024, Drawn());
            Assert.Contains("Відкрити файл", browser.FindElement(By.Id("open-content")).Text, StringComparison.Ordinal);
            Assert.Contains("Історія ланцюга зберігання", browser.PageSource, StringComparison.Ordinal);
            Shot("uk-12-preview");

            // Shown twice within minutes: one preview event, and the page's timeline names it in Ukrainian.
            Assert.Contains("Переглянуто", browser.FindElement(By.Id("custody")).Text, StringComparison.Ordinal);
            await using var scope = server.Services.CreateAsyncScope();
            var views = await scope.ServiceProvider.GetRequiredService<EvidenceDbContext>().CustodyEvents.AsNoTracking()
                .Where(e => e.EvidenceId == item && e.Action == "Viewed").Select(e => e.Details).ToListAsync();
            // (The evidence list the investigator landed on showed its thumbnail: a view of its own, recorded as such.)
            Assert.Equal(["preview"], views.Select(d => JsonSerializer.Deserialize<Dictionary<string, string>>(d)!["view"]).Where(v => v != "thumbnail"));
            Assert.Single(views, d => d.Contains("\"preview\"", StringComparison.Ordinal));
        }
    }

}
