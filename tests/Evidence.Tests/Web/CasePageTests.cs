using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Evidence.Tests.Web;

/// <summary>
/// The case pages (/cases, /cases/{id}) and the filtered incident list (/incidents) over real HTTP: they show what the API
/// answers, render hostile titles inert, show each role what the rules say and no more, and refuse a malformed filter
/// beside its field without losing what was typed.
/// </summary>
public sealed partial class CasePageTests
{
    private const string HostileCase = "<script>alert('case')</script> Kherson \"home\"";
    private const string HostileIncident = "<img src=x onerror=alert(1)> bus to Crimea";

    /// <summary>A case of the scenario's investigator with one incident (the scenario's item tagged to it), referred to the ICC.</summary>
    private static async Task<(Guid Case, Guid Incident)> HostileCaseAsync(WebScenario scenario)
    {
        using var investigator = scenario.Server.Client(scenario.Investigator);
        var caseId = await WebScenario.IdOf(await investigator.PostAsJsonAsync("/api/cases", new { title = HostileCase }));
        var incident = await WebScenario.IdOf(await investigator.PostAsJsonAsync("/api/incidents", new
        {
            title = HostileIncident, kind = "Camp", periodFrom = "2023-03", periodTo = "2023-05", place = "Yevpatoria", region = "Crimea",
            articles = new[] { "8(2)(a)(vii)-1" }, caseId,
        }));
        (await investigator.PostAsJsonAsync($"/api/evidence/{scenario.Item}/tags", new { incidentId = incident, elements = new[] { "8(2)(a)(vii)-1:2" } })).EnsureSuccessStatusCode();
        (await investigator.PostAsJsonAsync($"/api/incidents/{incident}/referrals", new { office = "Icc" })).EnsureSuccessStatusCode();
        return (caseId, incident);
    }

    [Fact]
    public async Task CasePage_AgreesWithTheApi_AndRendersHostileTitlesInert()
    {
        await using var scenario = await WebScenario.StartAsync();
        var (caseId, incident) = await HostileCaseAsync(scenario);
        using var investigator = scenario.Server.Client(scenario.Investigator);

        var api = await investigator.GetFromJsonAsync<JsonElement>($"/api/cases/{caseId}");
        var page = await investigator.GetStringAsync($"/cases/{caseId}");
        var list = await investigator.GetStringAsync("/cases");

        Assert.Equal(HostileCase, api.GetProperty("title").GetString());
        Assert.DoesNotContain("<script>alert", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<img src=x", page, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#x27;case&#x27;)&lt;/script&gt;", page, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt; bus to Crimea", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", list, StringComparison.Ordinal);
        Assert.Contains($"<code class=\"id\">{caseId}</code>", list, StringComparison.Ordinal);
        // The numbers the page shows are the API's.
        Assert.Equal(api.GetProperty("evidence").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), Regex.Match(page, "id=\"case-evidence\">(\\d+)<").Groups[1].Value);
        var gaps = api.GetProperty("incidents")[0].GetProperty("gaps").EnumerateArray().Select(g => $"{g.GetProperty("article").GetString()}</td><td lang=\"en\">{g.GetProperty("number").GetInt32()}.").ToList();
        Assert.Equal(4, gaps.Count);
        Assert.All(gaps, g => Assert.Contains(g, page, StringComparison.Ordinal));
        Assert.Equal(gaps.Count, Regex.Matches(page, "<tr class=\"gap\">").Count);
        Assert.Matches("<section id=\"case-timeline\">\\s*<h2>Timeline</h2>\\s*<figure class=\"timeline\" id=\"timeline\">", page); // the case's timeline, drawn in the page
        Assert.Matches("id=\"members\"[\\s\\S]*olena", page);
        var events = api.GetProperty("recentEvents").EnumerateArray().Select(e => e.GetProperty("index").GetInt64()).ToList();
        Assert.NotEmpty(events);
        Assert.Equal(events, Regex.Matches(page, "<tr>\\s*<td class=\"number\">(\\d+)</td>\\s*<td><time").Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains($"href=\"/incidents/{incident}\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EachRole_SeesWhatTheRulesSay_AndNoMore()
    {
        await using var scenario = await WebScenario.StartAsync();
        var (caseId, _) = await HostileCaseAsync(scenario);
        using var icc = scenario.Server.Client(scenario.IccProsecutor);
        using var national = scenario.Server.Client(scenario.NationalProsecutor);
        using var auditor = scenario.Server.Client(scenario.Auditor);
        using var admin = scenario.Server.Client(scenario.Admin);
        using var stranger = scenario.Server.Client(await scenario.Server.AddUserAsync("stranger", Requests.Role.Investigator));

        var iccPage = await icc.GetStringAsync($"/cases/{caseId}");
        var auditorPage = await auditor.GetStringAsync($"/cases/{caseId}");
        var auditorApi = await auditor.GetFromJsonAsync<JsonElement>($"/api/cases/{caseId}");

        Assert.Contains("id=\"office-view\"", iccPage, StringComparison.Ordinal);
        Assert.Contains("id=\"members-withheld\"", iccPage, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"members\"", iccPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await national.GetAsync($"/cases/{caseId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await national.GetAsync($"/api/cases/{caseId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/cases/{caseId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/cases/{caseId}")).StatusCode);
        Assert.DoesNotContain(caseId.ToString(), await stranger.GetStringAsync("/cases"), StringComparison.Ordinal);
        // The auditor: counts, gaps and events, no titles and no places.
        Assert.Contains("id=\"withheld\"", auditorPage, StringComparison.Ordinal);
        foreach (var content in new[] { "alert(", "Kherson", "bus to Crimea", "Yevpatoria" })
        {
            Assert.DoesNotContain(content, auditorPage, StringComparison.Ordinal);
            Assert.DoesNotContain(content, auditorApi.GetRawText(), StringComparison.Ordinal);
        }
        Assert.Equal(JsonValueKind.Null, auditorApi.GetProperty("title").ValueKind);
        Assert.Equal(1, auditorApi.GetProperty("evidence").GetInt32());
        Assert.Contains("<tr class=\"gap\">", auditorPage, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/incidents/", auditorPage, StringComparison.Ordinal); // the auditor may not open an incident's matrix
        // The header offers "Cases" to the roles ListCases accepts, not to the admin.
        Assert.Contains("href=\"/cases\"", iccPage, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/cases\"", await admin.GetStringAsync("/users"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetAsync($"/api/cases/{caseId}")).StatusCode);
    }

    [Fact]
    public async Task IncidentList_Filters_AsTheApiDoes_AndRefusesMalformedInputBesideItsField()
    {
        await using var scenario = await WebScenario.StartAsync();
        var (_, incident) = await HostileCaseAsync(scenario);
        using var investigator = scenario.Server.Client(scenario.Investigator);

        foreach (var query in new[] { "", "?kind=Camp", "?region=crim", "?from=2022-10&to=2022-10", "?article=8(2)(a)(vii)-1&kind=deportation", "?from=2024" })
        {
            var api = (await investigator.GetFromJsonAsync<JsonElement>("/api/incidents" + query)).EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToList();
            var page = await investigator.GetStringAsync("/incidents" + query);
            Assert.Equal(api, IncidentLinks().Matches(page).Select(m => Guid.Parse(m.Groups[1].Value)));
        }
        Assert.Equal([incident], (await investigator.GetFromJsonAsync<JsonElement>("/api/incidents?kind=camp&region=CRIMEA")).EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
        Assert.Equal([scenario.Incident], (await investigator.GetFromJsonAsync<JsonElement>("/api/incidents?to=2022-12")).EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));

        using var refused = await investigator.GetAsync("/api/incidents?from=2022-13&article=9(9)");
        var problem = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("the period's start '2022-13'", problem, StringComparison.Ordinal);
        Assert.Contains("'9(9)' is not an article", problem, StringComparison.Ordinal);

        var page400 = await investigator.GetAsync("/incidents?from=2022-13&kind=Camp&region=%3Cb%3Ebold%3C%2Fb%3E");
        var shown = await page400.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page400.StatusCode);
        Assert.Contains("id=\"from-problem\"", shown, StringComparison.Ordinal);
        Assert.Contains("value=\"2022-13\"", shown, StringComparison.Ordinal);
        Assert.Contains("value=\"&lt;b&gt;bold&lt;/b&gt;\"", shown, StringComparison.Ordinal);
        Assert.Matches("<option value=\"Camp\" selected", shown);
        Assert.DoesNotContain("id=\"incidents\"", shown, StringComparison.Ordinal);

        using var ukrainian = scenario.Server.Client(scenario.Investigator);
        ukrainian.DefaultRequestHeaders.AcceptLanguage.ParseAdd("uk");
        var uk = await ukrainian.GetStringAsync("/incidents?to=2022-10-14T08:00&article=nope");
        Assert.Contains("Вкажіть рік (2022), місяць (2022-10) або дату (2022-10-14).", uk, StringComparison.Ordinal);
        Assert.Contains("«nope» — не стаття з каталогу", uk, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"uk\">", uk, StringComparison.Ordinal);
    }

    [GeneratedRegex("<td><a href=\"/incidents/([0-9a-f-]{36})\">")]
    private static partial Regex IncidentLinks();
}
