using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Evidence.Data;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Web;

/// <summary>
/// Bad input in the web app's forms (issue 18): a refused form comes back with what was typed, chosen and ticked, the
/// reason beside its field (and the whole refusal at the top), in English and in Ukrainian, and nothing is recorded;
/// hostile text (a script tag, a right-to-left override, 5,000 characters) comes back inert. Over real HTTP.
/// </summary>
public sealed partial class FormRefusalTests
{
    /// <summary>A script tag, a right-to-left override and 5,000 characters: longer than any field takes.</summary>
    private static readonly string Hostile = "<script>alert(1)</script>\u202Egnp.exe" + new string('x', 5000);

    [Theory]
    [InlineData("en")]
    [InlineData("uk")]
    public async Task TagForm_ElementOfAnotherIncident_IsRefusedBesideTheElements_KeepsTheChoices_RecordsNothing(string language)
    {
        await using var scenario = await WebScenario.StartAsync();
        var other = await OtherIncidentAsync(scenario);
        using var browser = await CookieBrowser.SignInAsync(scenario.Server, scenario.Investigator, language);
        var path = $"/evidence/{scenario.Item}";
        var page = await browser.GetAsync(path);
        var before = await CustodyEventsAsync(scenario);

        // Ticked under the other incident's group (what a page without the script allows), sent with this incident.
        var refused = await PostAsync(browser, path + "?handler=Tag", page, ("TagIncident", scenario.Incident.ToString()),
            ("TagElements", "7(1)(d):1"), ("TagNote", "seen on the bus"));
        var tooLong = await PostAsync(browser, path + "?handler=Tag", page, ("TagIncident", scenario.Incident.ToString()), ("TagNote", Hostile));

        // The elements are grouped per incident, so that the script shows only the chosen one's; the lists take type-ahead.
        Assert.Contains($"<div class=\"element-group\" data-incident=\"{scenario.Incident}\">", page, StringComparison.Ordinal);
        Assert.Contains($"<div class=\"element-group\" data-incident=\"{other}\">", page, StringComparison.Ordinal);
        Assert.Equal(1, Regex.Count(Group(page, scenario.Incident), "value=\"8\\(2\\)\\(a\\)\\(vii\\)-1:1\""));
        Assert.DoesNotContain("7(1)(d):1", Group(page, scenario.Incident), StringComparison.Ordinal);
        Assert.Contains("<script src=\"/assets/tag-elements.js\"></script>", page, StringComparison.Ordinal);
        foreach (var list in new[] { "tag-incident", "tag-perpetrator", "tag-victim" })
        {
            Assert.Matches($"<select name=\"[A-Za-z]+\" id=\"{list}\" data-type-ahead=", page);
        }

        Assert.Equal(language, Lang(refused));
        AssertBeside(refused, "tag-elements-problem", "Element 7(1)(d):1 belongs to article 7(1)(d)", language);
        Assert.Contains($"<option value=\"{scenario.Incident}\" selected=\"selected\">", refused, StringComparison.Ordinal);
        Assert.Contains("value=\"7(1)(d):1\" checked=\"checked\"", refused, StringComparison.Ordinal);
        Assert.Contains("value=\"seen on the bus\"", refused, StringComparison.Ordinal);
        Assert.Contains(language == "uk" ? "Примітка" : "Note", WebUtility.HtmlDecode(refused), StringComparison.Ordinal);

        AssertBeside(tooLong, "tag-note-problem", "the note is longer than 4000 characters", language);
        AssertInert(tooLong);
        Assert.Equal(before, await CustodyEventsAsync(scenario));
    }

    [Theory]
    [InlineData("en")]
    [InlineData("uk")]
    public async Task NewIncident_ArticlesAreChosen_ARefusedFormKeepsItsInput_WithEachReasonBesideItsField(string language)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = await CookieBrowser.SignInAsync(scenario.Server, scenario.Investigator, language);
        var page = await browser.GetAsync("/incidents");
        var before = await CustodyEventsAsync(scenario);

        var hostile = await PostAsync(browser, "/incidents", page, ("Title", Hostile), ("Kind", "Adoption"), ("PeriodFrom", "2022-10"),
            ("Place", ""), ("Region", "Kherson oblast"), ("Articles", "7(1)(d)"), ("Articles", "6(e)"));
        var noArticle = await PostAsync(browser, "/incidents", page, ("Title", "Camp in Crimea"), ("Kind", "Camp"), ("PeriodFrom", "2022-10"), ("Place", "Yevpatoria"));
        var badDate = await PostAsync(browser, "/incidents", page, ("Title", "Camp in Crimea"), ("Kind", "Camp"), ("PeriodFrom", "2022-13"),
            ("Place", "Yevpatoria"), ("Articles", "8(2)(b)(viii)"));
        var typedArticle = await PostAsync(browser, "/incidents", page, ("Title", "Camp in Crimea"), ("Kind", "Camp"), ("PeriodFrom", "2022-10"),
            ("Place", "Yevpatoria"), ("Articles", "<script>8(2)</script>"));
        var refusedEvents = await CustodyEventsAsync(scenario);
        using var created = await browser.PostAsync("/incidents", page, ("Title", "Camp in Crimea"), ("Kind", "Camp"), ("PeriodFrom", "2022-10"),
            ("Place", "Yevpatoria"), ("Articles", "7(1)(d)"), ("Articles", "6(e)"));

        // Chosen from the catalogue with their titles, in the ICC's English wording; never typed.
        Assert.Contains("<input type=\"checkbox\" name=\"Articles\" value=\"7(1)(d)\">", page, StringComparison.Ordinal);
        Assert.Contains("<span lang=\"en\">Genocide by forcibly transferring children</span>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<input name=\"Articles\"", page, StringComparison.Ordinal);

        Assert.Equal(language, Lang(hostile));
        AssertBeside(hostile, "incident-title-problem", "the title is longer than 500 characters", language);
        AssertBeside(hostile, "incident-place-problem", "the place", language);
        Assert.Contains("value=\"Kherson oblast\"", hostile, StringComparison.Ordinal);
        Assert.Contains("<option value=\"Adoption\" selected=\"selected\">", hostile, StringComparison.Ordinal);
        Assert.Contains("value=\"7(1)(d)\" checked=\"checked\"", hostile, StringComparison.Ordinal);
        Assert.Contains("value=\"6(e)\" checked=\"checked\"", hostile, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"8(2)(b)(viii)\" checked", hostile, StringComparison.Ordinal);
        AssertInert(hostile);

        AssertBeside(noArticle, "incident-articles-problem", "at least one article is required", language);
        Assert.Contains("value=\"Camp in Crimea\"", noArticle, StringComparison.Ordinal);
        AssertBeside(badDate, "incident-from-problem", "2022-13", language);
        Assert.Contains("value=\"8(2)(b)(viii)\" checked=\"checked\"", badDate, StringComparison.Ordinal);
        AssertBeside(typedArticle, "incident-articles-problem", "is not an article of the catalogue", language);
        AssertInert(typedArticle);
        Assert.Equal(before, refusedEvents);

        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        using var api = scenario.Server.Client(scenario.Investigator);
        var id = created.Headers.Location!.OriginalString.Split('/')[^1];
        var incident = (await api.GetFromJsonAsync<System.Text.Json.JsonElement[]>("/api/incidents"))!.Single(i => i.GetProperty("id").GetString() == id);
        Assert.Equal(["6(e)", "7(1)(d)"], incident.GetProperty("articles").EnumerateArray().Select(a => a.GetString()).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("en")]
    [InlineData("uk")]
    public async Task Amendment_Refused_KeepsWhatWasTyped_WithEachReasonBesideItsField(string language)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = await CookieBrowser.SignInAsync(scenario.Server, scenario.Investigator, language);
        var path = $"/evidence/{scenario.Item}";
        var page = await browser.GetAsync(path);
        var before = await CustodyEventsAsync(scenario);

        var refused = await PostAsync(browser, path + "?handler=Amend", page, ("place", "Kherson <home>\u202E"), ("coordinates", "999,999"), ("reason", ""));
        var hostile = await PostAsync(browser, path + "?handler=Amend", page, ("device", Hostile), ("reason", "the witness said so"));

        Assert.Equal(language, Lang(refused));
        Assert.Contains("<details class=\"card\" id=\"amend\" open=\"open\">", refused, StringComparison.Ordinal);
        AssertBeside(refused, "meta-coordinates-problem", "coordinates must be", language);
        AssertBeside(refused, "amend-reason-problem", "the reason", language);
        Assert.Contains("id=\"meta-coordinates\" placeholder=\"46.6354,32.6169\" value=\"999,999\"", refused, StringComparison.Ordinal);
        Assert.Contains("value=\"Kherson &lt;home&gt;\u202E\"", refused, StringComparison.Ordinal);
        AssertBeside(hostile, "meta-device-problem", "device is longer than 400 characters", language);
        Assert.Contains("value=\"the witness said so\"", hostile, StringComparison.Ordinal);
        AssertInert(hostile);
        Assert.Equal(before, await CustodyEventsAsync(scenario));
    }

    [Theory]
    [InlineData("en", "Not one of the choices offered: choose from the list.")]
    [InlineData("uk", "Цього немає серед запропонованих варіантів: оберіть зі списку.")]
    public async Task ReferralAndPackage_Refused_KeepTheChoices_WithTheReasonBesideItsField_AndRecordNothing(string language, string notAChoice)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = await CookieBrowser.SignInAsync(scenario.Server, scenario.Investigator, language);
        var path = $"/incidents/{scenario.Incident}";
        var page = await investigator.GetAsync(path);
        using var prosecutor = scenario.Server.Client(scenario.IccProsecutor);
        prosecutor.DefaultRequestHeaders.Add("Accept-Language", language);
        var prosecutorPage = await prosecutor.GetStringAsync(path);
        var packages = (await prosecutor.GetFromJsonAsync<System.Text.Json.JsonElement[]>("/api/packages"))!.Length;
        var before = await CustodyEventsAsync(scenario);

        // A hostile value where an office is chosen would otherwise bind as the first office and be referred to it; an
        // office number no office has is not read either.
        var hostileOffice = await PostAsync(investigator, path + "?handler=Refer", page, ("Office", Hostile));
        var undefinedOffice = await PostAsync(investigator, path + "?handler=Refer", page, ("Office", "7"));
        using var packageRefused = await prosecutor.PostAsync(path + "?handler=Package", Form(prosecutorPage,
            ("Recipient", "Icc"), ("RedactedOnly", "true"), ("IncludeIdentities", "true"), ("Language", "de")));
        var package = await packageRefused.Content.ReadAsStringAsync();

        Assert.Equal(language, Lang(hostileOffice));
        Assert.Equal(notAChoice, WebUtility.HtmlDecode(Beside(hostileOffice, "refer-office-problem")));
        AssertInert(hostileOffice);
        Assert.Equal(notAChoice, WebUtility.HtmlDecode(Beside(undefinedOffice, "refer-office-problem")));
        Assert.Equal(HttpStatusCode.OK, packageRefused.StatusCode);
        AssertBeside(package, "package-language-problem", "the cover report's language must be", language);
        Assert.Contains("id=\"package-identities\" checked=\"checked\"", package, StringComparison.Ordinal);
        Assert.Contains("id=\"package-redacted\" checked=\"checked\"", package, StringComparison.Ordinal);
        Assert.Contains("<option value=\"Icc\" selected=\"selected\">", package, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"refer-office-problem\"", package, StringComparison.Ordinal); // beside the form sent only
        Assert.Equal(packages, (await prosecutor.GetFromJsonAsync<System.Text.Json.JsonElement[]>("/api/packages"))!.Length);
        Assert.Equal(before, await CustodyEventsAsync(scenario));
    }

    [Theory]
    [InlineData("en")]
    [InlineData("uk")]
    public async Task UserForms_Refused_KeepTheChoices_WithTheReasonBesideItsField(string language)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var admin = scenario.Server.Client(scenario.Admin);
        admin.DefaultRequestHeaders.Add("Accept-Language", language);
        var users = await admin.GetStringAsync("/users");
        var reset = await admin.GetStringAsync("/users/reset-two-factor");
        var before = await CustodyEventsAsync(scenario);

        using var noOffice = await admin.PostAsync("/users?handler=Role", Form(users, ("Name", scenario.Investigator.Name), ("Role", "Prosecutor"), ("Office", "")));
        var role = await noOffice.Content.ReadAsStringAsync();
        using var badName = await admin.PostAsync("/users", Form(users, ("Name", Hostile), ("Role", "Investigator"), ("Office", "")));
        var added = await badName.Content.ReadAsStringAsync();
        var afterRefusals = await CustodyEventsAsync(scenario);
        using var noUser = await admin.PostAsync("/users/reset-two-factor", Form(reset, ("Name", Hostile)));
        var resetRefused = await noUser.Content.ReadAsStringAsync();

        Assert.Equal(language, Lang(role));
        AssertBeside(role, "role-office-problem", "a prosecutor belongs to an office", language);
        Assert.Contains($"<option selected=\"selected\">{scenario.Investigator.Name}</option>", role, StringComparison.Ordinal);
        Assert.Contains("<option value=\"Prosecutor\" selected=\"selected\">", role, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"user-name-problem\"", role, StringComparison.Ordinal);
        AssertBeside(added, "user-name-problem", "the user name must be", language);
        AssertInert(added);
        AssertBeside(resetRefused, "reset-name-problem", "There is no user named", language);
        AssertInert(resetRefused);
        Assert.Equal(before, afterRefusals);
        // A reset refused for a name no account has is not a reset: the refusal is recorded as a denial, never as a reset.
        await using var scope = scenario.Server.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<EvidenceDbContext>().CustodyEvents.AnyAsync(e => e.Action == "UserTwoFactorReset"));
    }

    /// <summary>A second incident under another article (7(1)(d)), whose elements the first incident's tags may not take.</summary>
    private static async Task<Guid> OtherIncidentAsync(WebScenario scenario)
    {
        using var api = scenario.Server.Client(scenario.Investigator);
        return await WebScenario.IdOf(await api.PostAsJsonAsync("/api/incidents", new
        {
            title = "Deportation from Mariupol", kind = "Deportation", periodFrom = "2022-04", place = "Mariupol", articles = new[] { "7(1)(d)" },
        }));
    }

    internal static async Task<int> CustodyEventsAsync(WebScenario scenario)
    {
        await using var scope = scenario.Server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<EvidenceDbContext>().CustodyEvents.CountAsync();
    }

    internal static async Task<string> PostAsync(CookieBrowser browser, string path, string page, params (string Name, string Value)[] fields)
    {
        using var response = await browser.PostAsync(path, page, fields);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST {path}: {(int)response.StatusCode} {response.Headers.Location}");
        return body;
    }

    private static FormUrlEncodedContent Form(string page, params (string Name, string Value)[] fields) =>
        new([.. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)), new("__RequestVerificationToken", FormToken().Match(page).Groups[1].Value)]);

    /// <summary>The text beside a field: the span the field names in aria-describedby (empty when there is none).</summary>
    private static string Beside(string page, string id)
    {
        var match = Regex.Match(page, $"<span class=\"field-error\" id=\"{Regex.Escape(id)}\">(.*?)</span>\\s*</span>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no problem shown beside the field ({id})");
        return Regex.Replace(match.Groups[1].Value, "<[^>]+>", "").Trim();
    }

    /// <summary>
    /// The reason beside a field: in English, the core's words; in Ukrainian, its translation where one exists (Cyrillic),
    /// otherwise the core's English marked lang="en" so that a screen reader reads it as English.
    /// </summary>
    private static void AssertBeside(string page, string id, string english, string language)
    {
        var text = WebUtility.HtmlDecode(Beside(page, id));
        if (language == "en" || !Regex.IsMatch(text, "\\p{IsCyrillic}"))
        {
            Assert.Contains(english, text, StringComparison.Ordinal);
        }
        if (language == "uk" && !Regex.IsMatch(text, "\\p{IsCyrillic}"))
        {
            Assert.Matches($"<span class=\"field-error\" id=\"{Regex.Escape(id)}\">\\s*<span lang=\"en\">", page);
        }
    }

    /// <summary>One incident's group of element checkboxes.</summary>
    private static string Group(string page, Guid incident) =>
        Regex.Match(page, $"<div class=\"element-group\" data-incident=\"{incident}\">(.*?)</div>", RegexOptions.Singleline).Groups[1].Value;

    private static string Lang(string page) => Regex.Match(page, "<html lang=\"([a-z]+)\">").Groups[1].Value;

    /// <summary>
    /// Hostile text comes back as text: no tag anywhere, and no raw direction override to reorder the page's text. Inside
    /// a field's value it stays as it was typed (an input is its own paragraph, and the form sends back exactly that).
    /// </summary>
    private static void AssertInert(string page)
    {
        Assert.DoesNotContain("<script>alert(1)", page, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202E", Regex.Replace(page, " value=\"[^\"]*\"", ""), StringComparison.Ordinal);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}
