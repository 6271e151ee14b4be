using System.Text.RegularExpressions;
using System.Xml.Linq;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Web;

/// <summary>
/// Ukrainian and English (issue 18, item 1): the language comes from the browser's Accept-Language, can be switched, and a
/// signed-in user's choice follows them to another browser; every page says in &lt;html lang&gt; which one it is in; and
/// every text the pages put through the localizers has its Ukrainian translation.
/// </summary>
public sealed partial class LocalizationTests
{
    [Theory]
    [InlineData("uk-UA,uk;q=0.9,en;q=0.8", "uk")]
    [InlineData("uk", "uk")]
    [InlineData("en-GB,en;q=0.9", "en")]
    [InlineData("de-DE,de;q=0.9", "en")] // a language Evidence does not have: English, not an error
    [InlineData("", "en")]
    [InlineData("x;;;q=abc,,,", "en")] // malformed: ignored
    public async Task Language_ComesFromAcceptLanguage(string acceptLanguage, string expected)
    {
        await using var server = await WebServer.StartAsync();
        using var browser = server.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Account/SignIn");
        request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);
        using var response = await browser.SendAsync(request);
        Assert.Equal($"<html lang=\"{expected}\">", HtmlTag().Match(await response.Content.ReadAsStringAsync()).Value);
    }

    [Fact]
    public async Task ChosenLanguage_IsRememberedForTheUser_InAnotherBrowser()
    {
        await using var scenario = await WebScenario.StartAsync();
        using (var first = scenario.Server.Client())
        {
            await SignInAsync(first, scenario.Investigator, "en");
            var page = await first.GetStringAsync("/Account/ChangePassword");
            Assert.Contains("<html lang=\"en\">", page, StringComparison.Ordinal);
            using var chosen = await first.PostAsync("/Account/Language", Form(page, ("language", "uk"), ("returnUrl", "/Account/ChangePassword")));
            Assert.Equal("/Account/ChangePassword", chosen.Headers.Location?.OriginalString);
            var ukrainian = await first.GetStringAsync("/Account/ChangePassword");
            Assert.Contains("<html lang=\"uk\">", ukrainian, StringComparison.Ordinal);
            Assert.Contains(">Вийти</button>", ukrainian, StringComparison.Ordinal); // the header's "Sign out", from its resource file
        }

        // Another browser, which asks for English: the account's choice wins once the user has signed in.
        using var second = scenario.Server.Client();
        await SignInAsync(second, scenario.Investigator, "en");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Account/ChangePassword");
        request.Headers.Add("Accept-Language", "en");
        using var response = await second.SendAsync(request);
        Assert.Contains("<html lang=\"uk\">", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("de")]
    [InlineData("")]
    [InlineData("uk\u202E")]
    [InlineData("../../en")]
    public async Task UnknownLanguage_IsRefused_AndNothingChanges(string language)
    {
        await using var server = await WebServer.StartAsync();
        using var browser = server.Client();
        var page = await browser.GetStringAsync("/Account/SignIn");
        using var refused = await browser.PostAsync("/Account/Language", Form(page, ("language", language), ("returnUrl", "/")));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("<html lang=\"en\">", await browser.GetStringAsync("/Account/SignIn"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LanguageSwitch_NeverRedirectsToAnotherSite()
    {
        await using var server = await WebServer.StartAsync();
        using var browser = server.Client();
        var page = await browser.GetStringAsync("/Account/SignIn");
        using var chosen = await browser.PostAsync("/Account/Language", Form(page, ("language", "uk"), ("returnUrl", "https://evil.example/")));
        Assert.Equal("/", chosen.Headers.Location?.OriginalString);
    }

    /// <summary>
    /// Every literal text given to a localizer (L["..."] in a view, T["..."] anywhere in the web app) has a Ukrainian
    /// translation in the resource file that localizer reads: a page never shows an English sentence in a Ukrainian page
    /// because a translation was forgotten.
    /// </summary>
    [Fact]
    public void EveryLocalizedText_HasItsUkrainianTranslation()
    {
        var web = Path.Combine(Repo.Root, "src", "Evidence.Web");
        var missing = new List<string>();
        var texts = Translations(Path.Combine(web, "Resources", "Localization", "Texts.uk.resx"));
        var checkedTexts = 0;
        foreach (var file in Directory.EnumerateFiles(web, "*.*", SearchOption.AllDirectories)
                     .Where(f => (f.EndsWith(".cshtml", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
                                 && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var source = File.ReadAllText(file);
            var relative = Path.GetRelativePath(web, file);
            var own = file.EndsWith(".cshtml", StringComparison.Ordinal)
                ? Translations(Path.Combine(web, "Resources", Path.ChangeExtension(relative, null) + ".uk.resx"))
                : new Dictionary<string, string>();
            foreach (Match use in LocalizedText().Matches(source))
            {
                var text = Regex.Unescape(use.Groups["text"].Value);
                var translations = use.Groups["localizer"].Value == "L" ? own : texts;
                checkedTexts++;
                if (!translations.TryGetValue(text, out var translation) || string.IsNullOrWhiteSpace(translation))
                {
                    missing.Add($"{relative}: {use.Groups["localizer"].Value}[\"{text}\"]");
                }
            }
        }
        Assert.True(checkedTexts > 10, $"only {checkedTexts} localized texts were found: the pattern no longer matches the pages");
        Assert.True(missing.Count == 0, "Texts without a Ukrainian translation:\n" + string.Join("\n", missing));
    }

    /// <summary>
    /// The resource compiler keeps one of two names that differ only in case ("To" and "to") and drops the other with a
    /// mere warning, so one of the two texts would show in English on a Ukrainian page.
    /// </summary>
    [Fact]
    public void NoResourceFile_HasTwoTextsThatDifferOnlyInCase()
    {
        var clashes = Directory.EnumerateFiles(Path.Combine(Repo.Root, "src", "Evidence.Web", "Resources"), "*.resx", SearchOption.AllDirectories)
            .SelectMany(resx => XDocument.Load(resx).Root!.Elements("data").Select(d => (string)d.Attribute("name")!)
                .GroupBy(name => name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
                .Select(g => $"{Path.GetFileName(resx)}: {string.Join(" / ", g)}"))
            .ToList();
        Assert.True(clashes.Count == 0, "Texts that differ only in case:\n" + string.Join("\n", clashes));
    }

    private static Dictionary<string, string> Translations(string resx) =>
        File.Exists(resx)
            ? XDocument.Load(resx).Root!.Elements("data").ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "")
            : [];


    private static async Task SignInAsync(HttpClient browser, TestUser user, string acceptLanguage)
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, "/Account/SignIn");
        get.Headers.Add("Accept-Language", acceptLanguage);
        using var form = await browser.SendAsync(get);
        using var response = await browser.PostAsync("/Account/SignIn",
            Form(await form.Content.ReadAsStringAsync(), ("UserName", user.Name), ("Password", user.Password)));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
    }

    private static FormUrlEncodedContent Form(string page, params (string Name, string Value)[] fields) =>
        new([.. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)),
            new("__RequestVerificationToken", FormToken().Match(page).Groups[1].Value)]);

    [GeneratedRegex("<html[^>]*>")]
    private static partial Regex HtmlTag();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    /// <summary>L["..."] or T["..."] with a literal text (an escaped quote allowed), as the pages and page models write them.</summary>
    [GeneratedRegex("""(?<![\w.])(?<localizer>[LT])\["(?<text>(?:[^"\\]|\\.)*)"[\],]""")]
    private static partial Regex LocalizedText();
}
