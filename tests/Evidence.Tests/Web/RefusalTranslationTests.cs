using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Evidence.Tests.Fixtures;
using Evidence.Web.Localization;

namespace Evidence.Tests.Web;

/// <summary>
/// Issue 18: a refusal reads in Ukrainian on a Ukrainian page and in a Ukrainian API answer, values and all; the English
/// the core writes stays for the CLI, the logs and whoever asks in English; scripts keep a <c>code</c> that never changes.
/// </summary>
public sealed partial class RefusalTranslationTests
{
    private const string Hostile = "<script>alert(1)</script>\u202Egpj.exe";

    /// <summary>
    /// Every message template the core and the web app can refuse a request with (found in their sources by
    /// <see cref="RefusalTemplates"/>, so a new refusal is checked without anyone listing it) has its Ukrainian sentence,
    /// with the same placeholders: a value the English carries is never dropped from the Ukrainian.
    /// </summary>
    [Fact]
    public void EveryRefusalTemplate_HasItsUkrainianTranslation_WithTheSamePlaceholders()
    {
        var templates = RefusalTemplates.Find(Path.Combine(Repo.Root, "src", "Evidence"), Path.Combine(Repo.Root, "src", "Evidence.Web"));
        Assert.True(templates.Count > 200, $"only {templates.Count} refusal templates were found: the scan no longer finds the core's messages");
        Assert.Contains(templates, t => t.Text == "Element {0} belongs to article {1}, which incident {2} is not qualified under ({3}).");
        Assert.Contains(templates, t => t.Text == "{0} is longer than {1} characters.");
        Assert.Contains(templates, t => t.Text == "the title"); // a field's name, handed to Fields.Required

        var translated = new HashSet<string>(Refusals.TranslatedTemplates, StringComparer.OrdinalIgnoreCase);
        var missing = templates.Where(t => !translated.Contains(t.Text)).Select(t => $"{t.Where}: {t.Text}").ToList();
        Assert.True(missing.Count == 0, "Refusals without a Ukrainian template in Resources/Localization/Refusals.uk.resx:\n" + string.Join("\n", missing));

        var resx = Path.Combine(Repo.Root, "src", "Evidence.Web", "Resources", "Localization", "Refusals.uk.resx");
        var unequal = XDocument.Load(resx).Root!.Elements("data")
            .Select(d => (English: (string)d.Attribute("name")!, Ukrainian: (string)d.Element("value")!))
            .Where(e => string.IsNullOrWhiteSpace(e.Ukrainian) || !Holes(e.English).SetEquals(Holes(e.Ukrainian)))
            .Select(e => $"{e.English} → {e.Ukrainian}")
            .ToList();
        Assert.True(unequal.Count == 0, "Translations that lose or invent a value:\n" + string.Join("\n", unequal));
    }

    [Theory]
    [InlineData("There is no incident 0b7c4e6e-93a4-4d58-8f8c-0d4b6c1a2f11.", "Інциденту 0b7c4e6e-93a4-4d58-8f8c-0d4b6c1a2f11 немає.")]
    [InlineData("the title is required.", "поле «назва» обов'язкове.")]
    [InlineData("the description is longer than 20000 characters.", "поле «опис» довше за 20000 символів.")]
    [InlineData("The date of birth '2099-01-01' is in the future.", "Дата народження «2099-01-01» — у майбутньому.")]
    [InlineData("The period ends (2022-01) before it begins (2023-01).", "Період закінчується (2022-01) раніше, ніж починається (2023-01).")]
    [InlineData("the period ends (2022-01) before it begins (2023-01).", "період закінчується (2022-01) раніше, ніж починається (2023-01).")]
    [InlineData("Element 8(2)(a)(vii)-1:2 belongs to article 8(2)(a)(vii)-1, which incident 0b7c4e6e-93a4-4d58-8f8c-0d4b6c1a2f11 is not qualified under (7(1)(d)).",
        "Елемент 8(2)(a)(vii)-1:2 належить до статті 8(2)(a)(vii)-1, за якою інцидент 0b7c4e6e-93a4-4d58-8f8c-0d4b6c1a2f11 не кваліфіковано (7(1)(d)).")]
    [InlineData("OpenEvidenceContent may be sent only by Investigator or Prosecutor, not by Auditor.",
        "Запит OpenEvidenceContent може надіслати лише слідчий або прокурор, а не аудитор.")]
    // The most fixed text wins: this is the signature sentence, not "{0} does not exist.".
    [InlineData("The signature /tmp/a.sig does not exist; nothing was recorded.", "signature /tmp/a.sig не існує; нічого не записано.")]
    public void Refusal_WithValues_ReadsInUkrainian_ValuesAsWritten(string english, string ukrainian)
    {
        Assert.Equal(ukrainian, Refusals.Translate(english, Languages.Ukrainian));
        Assert.Equal(english, Refusals.Translate(english, Languages.English));
    }

    [Theory]
    [InlineData("")] // empty: nothing to translate
    [InlineData("Something the core never says.")] // no template: shown as written, never half-translated
    [InlineData("the title is required. And more.")] // a template must cover the whole message
    [InlineData("the title is required.\n")]
    public void Message_NoTemplateMatchesWhole_StaysAsWritten(string message) =>
        Assert.Equal(message, Refusals.Translate(message, Languages.Ukrainian));

    [Fact]
    public void HostileAndHugeValues_AreCarriedOverAsWritten_AndNotTranslated()
    {
        // A user's value is a value: markup, a right-to-left override, even a field's name, come out exactly as they went in.
        Assert.Equal($"Доказу {Hostile} немає.", Refusals.Translate($"There is no evidence item {Hostile}.", Languages.Ukrainian));
        Assert.Equal("Немає облікового запису «the title»; додайте учасника за ім'ям користувача, з яким він входить.",
            Refusals.Translate("There is no account named 'the title'; add the member by the user name they sign in with.", Languages.Ukrainian));
        // A value of a million characters with every template's words in it: matched in time proportional to its length.
        var huge = string.Concat(Enumerable.Repeat(" is required. is longer than ' (", 40_000));
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal($"Доказу {huge} немає.", Refusals.Translate($"There is no evidence item {huge}.", Languages.Ukrainian));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"took {started.Elapsed}");
    }

    [Theory]
    [InlineData("uk", "«&lt;script&gt;alert(1)&lt;/script&gt;\\u202Egpj.exe» не є елементом злочину: пишіть СТАТТЯ:N")]
    [InlineData("en", "&#x27;&lt;script&gt;alert(1)&lt;/script&gt;\\u202Egpj.exe&#x27; is not an element: write ARTICLE:N")]
    public async Task PageRefusal_IsInThePagesLanguage_AndAHostileValueInItStaysInert(string language, string refusal)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = await CookieBrowser.SignInAsync(scenario.Server, scenario.Investigator, language);
        var item = $"/evidence/{scenario.Item}";
        using var response = await browser.PostAsync(item + "?handler=Tag", await browser.GetAsync(item),
            ("TagIncident", scenario.Incident.ToString()), ("TagElements", Hostile));
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains($"<html lang=\"{language}\">", page, StringComparison.Ordinal);
        // The core's sentence in the page's language, the value encoded as text: no tag, and the override written out as \u202E
        // (Display.Text), so that it cannot turn the sentence around it.
        Assert.Contains(refusal, page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("uk", "Запит відхилено; нічого не записано.", "вид «")]
    [InlineData("en", "The request was refused; nothing was recorded.", "the kind '")]
    [InlineData(null, "The request was refused; nothing was recorded.", "the kind '")] // a script that names no language: English, as before
    public async Task ApiRefusal_IsInTheRequestsLanguage_WithAStableCode(string? language, string title, string problem)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/incidents?kind=" + Uri.EscapeDataString(Hostile));
        if (language is not null)
        {
            request.Headers.Add("Accept-Language", language);
        }
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var raw = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(raw).RootElement;
        Assert.Equal("invalid-request", body.GetProperty("code").GetString());
        Assert.Equal(title, body.GetProperty("title").GetString());
        var problems = body.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.StartsWith(problem + Hostile, StringComparison.Ordinal));
        Assert.Contains(problem + Hostile, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // A value is data in JSON, never markup: the body is JSON that no browser may read as HTML.
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        if (language == "uk") // Cyrillic as letters, readable where a browser shows the body
        {
            Assert.Contains("Запит відхилено", raw, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ApiForbidden_InUkrainian_SaysWhichRolesMay_InUkrainian()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Auditor);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/evidence/{scenario.Item}/content");
        request.Headers.Add("Accept-Language", "uk-UA,uk;q=0.9");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("forbidden", body.GetProperty("code").GetString());
        Assert.Equal("Ваша роль не дає права на це.", body.GetProperty("title").GetString());
        Assert.Equal("Запит OpenEvidenceContent може надіслати лише слідчий або прокурор, а не аудитор.", body.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("uk", "Не знайдено.", "На головну сторінку")]
    [InlineData("en", "Not found.", "Back to the start page")]
    public async Task UnknownAddress_InABrowser_IsASmallPageInItsLanguage(string language, string title, string home)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = await CookieBrowser.SignInAsync(scenario.Server, scenario.Investigator, language);
        using var response = await browser.SendAsync(Get("/no-such-page/" + Uri.EscapeDataString(Hostile), "text/html,application/xhtml+xml,*/*;q=0.8"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var page = await response.Content.ReadAsStringAsync();
        Assert.StartsWith($"<!DOCTYPE html>\n<html lang=\"{language}\">", page, StringComparison.Ordinal);
        Assert.Contains($"<h1>{title}</h1>", page, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"/\">{home}</a>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("script", page, StringComparison.Ordinal); // the address asked for is never echoed
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("*/*")]
    [InlineData(null)]
    public async Task UnknownAddress_ForAScript_IsProblemDetails_WithItsCode(string? accept)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client(scenario.Investigator);
        using var request = Get("/api/no-such-thing", accept);
        request.Headers.Add("Accept-Language", "uk");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("not-found", body.GetProperty("code").GetString());
        Assert.Equal("Не знайдено.", body.GetProperty("title").GetString());
    }

    [Fact]
    public async Task ApiWithoutSignIn_401_IsProblemDetails_InTheAskedLanguage()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var client = scenario.Server.Client();
        using var request = Get("/api/cases", "application/json");
        request.Headers.Add("Accept-Language", "uk");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("unauthorized", body.GetProperty("code").GetString());
        Assert.Equal("Спершу увійдіть.", body.GetProperty("title").GetString());
    }

    private static HttpRequestMessage Get(string path, string? accept)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        return request;
    }

    private static HashSet<string> Holes(string template) => [.. Hole().Matches(template).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"\{([0-9])(?::t)?\}")]
    private static partial Regex Hole();
}
