using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Tests.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Attack18;

/// <summary>
/// A hostile insider against the web app's forms (issue 18: refused forms come back with what was sent, choices that
/// cannot be read are refused): a choice left out of a hand-made form, a selection with an unreadable entry, direction
/// overrides in a filter, another investigator's incident and child named in a tag, a form without its antiforgery token.
/// Over real HTTP; each refusal must record nothing and tell nothing of what the attacker may not see.
/// </summary>
public sealed partial class FormAttackTests
{
    [Fact]
    public async Task Attack18b_ChoiceLeftOutOfTheForm_IsRefused_NotSentAsTheTypesFirstValue()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var api = scenario.Server.Client(scenario.Investigator);
        var unreferred = await WebScenario.IdOf(await api.PostAsJsonAsync("/api/incidents", new
        {
            title = "Camp in Crimea", kind = "Camp", periodFrom = "2022-10", place = "Yevpatoria", articles = new[] { "8(2)(a)(vii)-1" },
        }));
        using var investigator = await CookieBrowser.SignInAsync(scenario.Server, scenario.Investigator);
        var incidentPage = await investigator.GetAsync($"/incidents/{unreferred}");
        var incidentsPage = await investigator.GetAsync("/incidents");
        // An admin signs in with two factors; their API token reaches the same page and its forms.
        using var admin = scenario.Server.Client(scenario.Admin);
        var usersPage = await admin.GetStringAsync("/users");
        var incidents = (await api.GetFromJsonAsync<JsonElement[]>("/api/incidents"))!.Length;
        var before = await CustodyEventsAsync(scenario);

        // No office sent: bound as the enum's first value, it would refer the incident to the ICC, which nobody chose.
        var refer = await PostAsync(investigator, $"/incidents/{unreferred}?handler=Refer", incidentPage);
        // No kind sent: it would be recorded as a deportation.
        var created = await PostAsync(investigator, "/incidents", incidentsPage, ("Title", "Camp in Crimea"), ("PeriodFrom", "2022-10"),
            ("Place", "Yevpatoria"), ("Articles", "8(2)(a)(vii)-1"));
        // No role sent: the auditor would become an investigator, who opens the children's evidence.
        var role = await PostAsync(admin, "/users?handler=Role", usersPage, ("Name", scenario.Auditor.Name), ("Office", ""));
        var added = await PostAsync(admin, "/users", usersPage, ("Name", "new-user"), ("Office", ""));

        Assert.Contains("Not one of the choices offered", Beside(refer, "refer-office-problem"), StringComparison.Ordinal);
        Assert.Contains("Not one of the choices offered", Beside(created, "incident-kind-problem"), StringComparison.Ordinal);
        Assert.Contains("Not one of the choices offered", Beside(role, "role-role-problem"), StringComparison.Ordinal);
        Assert.Contains("Not one of the choices offered", Beside(added, "user-role-problem"), StringComparison.Ordinal);
        var incident = (await api.GetFromJsonAsync<JsonElement[]>("/api/incidents"))!.Single(i => i.GetProperty("id").GetGuid() == unreferred);
        Assert.Empty(incident.GetProperty("referredTo").EnumerateArray());
        Assert.Equal(incidents, (await api.GetFromJsonAsync<JsonElement[]>("/api/incidents"))!.Length);
        await using var scope = scenario.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EvidenceDbContext>();
        Assert.Equal(before, await db.CustodyEvents.CountAsync());
        using var auditor = scenario.Server.Client(scenario.Auditor);
        Assert.Equal(HttpStatusCode.Forbidden, (await auditor.GetAsync($"/api/evidence/{scenario.Item}/content")).StatusCode);
    }

    [Fact]
    public async Task Attack18b_TagManySelection_WithAnUnreadableEntry_IsRefused_AndTagsNothing()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var api = scenario.Server.Client(scenario.Investigator);
        var second = (await WebScenario.UploadAsync(api, "second.txt", "second statement"u8.ToArray()))[0].GetProperty("id").GetGuid();
        using var browser = await CookieBrowser.SignInAsync(scenario.Server, scenario.Investigator);
        var page = await browser.GetAsync("/");
        var before = await CustodyEventsAsync(scenario);

        // The entry that cannot be read would be dropped by model binding and the rest tagged, as if only that were chosen.
        var refused = await PostAsync(browser, "/?handler=Tag", page, ("Selected", second.ToString()), ("Selected", "<script>alert(1)</script>"),
            ("TagIncident", scenario.Incident.ToString()));

        Assert.Contains("class=\"error\"", refused, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)", refused, StringComparison.Ordinal);
        Assert.Equal(before, await CustodyEventsAsync(scenario));
        await using var scope = scenario.Server.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<EvidenceDbContext>().EvidenceTags.AnyAsync(t => t.EvidenceId == second));
    }

    [Fact]
    public async Task Attack18b_IncidentFilters_EchoADirectionOverride_AsText()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = await CookieBrowser.SignInAsync(scenario.Server, scenario.Investigator);

        // A link sent to an investigator: the override would reverse the rest of the message ("...txe.gnp" shows as "png.exe...").
        var page = await browser.GetAsync("/incidents?kind=%E2%80%AEcamp%3Cb%3E&article=%E2%80%AE8(2)%22%3E%3Cscript%3E");

        Assert.Contains("\\u202Ecamp&lt;b&gt;", Beside(page, "kind-problem"), StringComparison.Ordinal);
        Assert.Contains("\\u202E8(2)&quot;&gt;&lt;script&gt;", Beside(page, "article-problem"), StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
        // In a field's value the text stays as typed (the form sends it back); anywhere else it is written out.
        Assert.DoesNotContain("\u202E", ValueAttribute().Replace(page, ""), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attack18b_TagForm_NamingAnotherInvestigatorsIncidentOrChild_AnswersAsForOneThatDoesNotExist()
    {
        await using var scenario = await WebScenario.StartAsync();
        var other = await scenario.Server.AddUserAsync("mykola", Role.Investigator);
        using var otherApi = scenario.Server.Client(other);
        var otherCase = await WebScenario.IdOf(await otherApi.PostAsJsonAsync("/api/cases", new { title = "HIDDEN-CASE" }));
        var hiddenIncident = await WebScenario.IdOf(await otherApi.PostAsJsonAsync("/api/incidents", new
        {
            title = "HIDDEN-INCIDENT", kind = "Adoption", periodFrom = "2022-05", place = "HIDDEN-PLACE", articles = new[] { "7(1)(d)" }, caseId = otherCase,
        }));
        var hiddenChild = (await (await otherApi.PostAsJsonAsync("/api/victims", new { ageAtIncident = 6, caseId = otherCase, identity = new { name = "HIDDEN-CHILD-NAME" } }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;
        using var browser = await CookieBrowser.SignInAsync(scenario.Server, scenario.Investigator);
        var path = $"/evidence/{scenario.Item}";
        var page = await browser.GetAsync(path);
        var before = await CustodyEventsAsync(scenario);
        var nobody = Guid.NewGuid();

        var unseenIncident = await PostAsync(browser, path + "?handler=Tag", page, ("TagIncident", hiddenIncident.ToString()), ("TagElements", "7(1)(d):1"));
        var noIncident = await PostAsync(browser, path + "?handler=Tag", page, ("TagIncident", nobody.ToString()), ("TagElements", "7(1)(d):1"));
        var unseenChild = await PostAsync(browser, path + "?handler=Tag", page, ("TagVictim", hiddenChild));
        var noChild = await PostAsync(browser, path + "?handler=Tag", page, ("TagVictim", "V-9999"));

        Assert.Equal(Error(noIncident).Replace(nobody.ToString(), "ID", StringComparison.Ordinal), Error(unseenIncident).Replace(hiddenIncident.ToString(), "ID", StringComparison.Ordinal));
        Assert.Equal(Error(noChild).Replace("V-9999", "CODE", StringComparison.Ordinal), Error(unseenChild).Replace(hiddenChild, "CODE", StringComparison.Ordinal));
        foreach (var refused in new[] { unseenIncident, unseenChild })
        {
            Assert.DoesNotContain("HIDDEN-", refused, StringComparison.Ordinal);
            Assert.DoesNotContain($"data-incident=\"{hiddenIncident}\"", refused, StringComparison.Ordinal);
            Assert.DoesNotContain($"<option value=\"{hiddenChild}\"", refused, StringComparison.Ordinal);
            Assert.DoesNotContain("value=\"7(1)(d):1\"", refused, StringComparison.Ordinal);
        }
        Assert.Equal(before, await CustodyEventsAsync(scenario));
    }

    [Fact]
    public async Task Attack18b_FormsWithoutTheirAntiforgeryToken_AreRefused_AndRecordNothing()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = await CookieBrowser.SignInAsync(scenario.Server, scenario.Investigator);
        var before = await CustodyEventsAsync(scenario);

        // What another site can make a signed-in browser send: the cookie, never the page's token.
        foreach (var (path, fields) in new (string, (string, string)[])[]
                 {
                     ($"/evidence/{scenario.Item}?handler=Tag", [("TagIncident", scenario.Incident.ToString()), ("TagNote", "forged")]),
                     ($"/evidence/{scenario.Item}?handler=Amend", [("place", "forged"), ("reason", "forged")]),
                     ($"/incidents/{scenario.Incident}?handler=Refer", [("Office", "National")]),
                     ($"/incidents/{scenario.Incident}?handler=Package", [("Recipient", "Icc"), ("IncludeIdentities", "true")]),
                     ("/incidents", [("Title", "forged"), ("Kind", "Camp"), ("PeriodFrom", "2022"), ("Place", "x"), ("Articles", "7(1)(d)")]),
                     ("/?handler=Tag", [("Selected", scenario.Item.ToString()), ("TagIncident", scenario.Incident.ToString())]),
                 })
        {
            using var response = await browser.PostAsync(path, "", fields); // no page: the token sent is empty
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        Assert.Equal(before, await CustodyEventsAsync(scenario));
    }

    // The same helpers as the refusals' own tests: events counted from the database, a form posted with its page's token.
    private static Task<int> CustodyEventsAsync(WebScenario scenario) => Web.FormRefusalTests.CustodyEventsAsync(scenario);

    private static Task<string> PostAsync(CookieBrowser browser, string path, string page, params (string Name, string Value)[] fields) =>
        Web.FormRefusalTests.PostAsync(browser, path, page, fields);

    private static async Task<string> PostAsync(HttpClient client, string path, string page, params (string Name, string Value)[] fields)
    {
        using var response = await client.PostAsync(path, new FormUrlEncodedContent([.. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)),
            new("__RequestVerificationToken", FormToken().Match(page).Groups[1].Value)]));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST {path}: {(int)response.StatusCode} {response.Headers.Location}");
        return body;
    }

    /// <summary>The message at the top of a page.</summary>
    private static string Error(string page)
    {
        var match = Regex.Match(page, "<p class=\"error\" role=\"alert\">(.*?)</p>", RegexOptions.Singleline);
        Assert.True(match.Success, "no message at the top of the page");
        return match.Groups[1].Value;
    }

    /// <summary>The text of the span a field names in aria-describedby.</summary>
    private static string Beside(string page, string id)
    {
        var match = Regex.Match(page, $"<span class=\"field-error\" id=\"{Regex.Escape(id)}\">(.*?)</span>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no problem shown beside the field ({id})");
        return match.Groups[1].Value;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    [GeneratedRegex(" value=\"[^\"]*\"")]
    private static partial Regex ValueAttribute();
}
