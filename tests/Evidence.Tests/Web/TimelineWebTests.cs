using System.Net;
using System.Net.Http.Json;
using System.Xml.Linq;

namespace Evidence.Tests.Web;

/// <summary>
/// The timeline over real HTTP (issue 18, item 5): inline on the incident page in English and Ukrainian, as image/svg+xml
/// from the API under a policy that forbids scripts, and a case's timeline page; never for a prosecutor of the other
/// office, an investigator outside the case, or an auditor.
/// </summary>
public sealed class TimelineWebTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static async Task<string> PageAsync(HttpClient client, string path, string language)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Accept-Language", language);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return body;
    }

    [Fact]
    public async Task IncidentPage_ShowsItsTimelineInline_InEnglishAndUkrainian()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);

        var english = await PageAsync(investigator, $"/incidents/{scenario.Incident}", "en");
        var ukrainian = await PageAsync(investigator, $"/incidents/{scenario.Incident}", "uk");

        Assert.True(english.Contains("<figure class=\"timeline\" id=\"timeline\">", StringComparison.Ordinal), english);
        Assert.Matches("<svg [^>]*xmlns=\"http://www.w3.org/2000/svg\"[^>]*>", english);
        Assert.Contains("aria-label=\"Timeline: Transfer of children from the Kherson regional children's home\"", english, StringComparison.Ordinal);
        Assert.Contains("Time unknown: 1 items", english, StringComparison.Ordinal); // report.txt, uploaded without a capture time
        Assert.Contains("aria-label=\"Хронологія: Transfer of children", ukrainian, StringComparison.Ordinal);
        Assert.Contains("Час невідомий, доказів: 1", ukrainian, StringComparison.Ordinal);
        Assert.Contains("Період інциденту", ukrainian, StringComparison.Ordinal);
        Assert.Contains("<h2>Хронологія</h2>", ukrainian, StringComparison.Ordinal);
        Assert.DoesNotContain("<h2>Timeline</h2>", ukrainian, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimelineSvg_IsAnImageThatMayRunNoScript_ForWhoeverMayReadTheIncident()
    {
        await using var scenario = await WebScenario.StartAsync();
        var path = $"/api/incidents/{scenario.Incident}/timeline.svg";

        using var response = await scenario.Server.Client(scenario.IccProsecutor).GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("sandbox", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", policy, StringComparison.Ordinal);
        var svg = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        Assert.Equal(Svg + "svg", svg.Name);
        Assert.Equal("img", (string?)svg.Attribute("role"));

        using var national = await scenario.Server.Client(scenario.NationalProsecutor).GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, national.StatusCode);
        using var auditor = await scenario.Server.Client(scenario.Auditor).GetAsync(path);
        Assert.Equal(HttpStatusCode.Forbidden, auditor.StatusCode);
        using var anonymous = await scenario.Server.Client().GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var nationalPage = await scenario.Server.Client(scenario.NationalProsecutor).GetAsync($"/incidents/{scenario.Incident}");
        Assert.Equal(HttpStatusCode.NotFound, nationalPage.StatusCode);
    }

    [Fact]
    public async Task CaseTimeline_PageAndSvg_ForItsMembersOnly()
    {
        await using var scenario = await WebScenario.StartAsync();
        var server = scenario.Server;
        using var investigator = server.Client(scenario.Investigator);
        await WebScenario.IdOf(await investigator.PostAsJsonAsync("/api/incidents", new
        {
            title = "Camp in Yevpatoria", kind = "Camp", periodFrom = "2022-07", periodTo = "2022-09", place = "Yevpatoria",
            articles = new[] { "8(2)(a)(vii)-1" }, caseId = scenario.Case,
        }));
        using var form = WebScenario.Multipart("camp list <b>.txt", "list of children at the camp"u8.ToArray());
        form.Add(new StringContent(scenario.Case.ToString()), "caseId");
        form.Add(new StringContent("2022-08-03"), "capturedAt");
        using var uploaded = await investigator.PostAsync("/api/evidence", form);
        Assert.True(uploaded.IsSuccessStatusCode, await uploaded.Content.ReadAsStringAsync());

        var page = await PageAsync(investigator, $"/cases/{scenario.Case}/timeline", "en");
        var svg = XDocument.Parse(await investigator.GetStringAsync($"/api/cases/{scenario.Case}/timeline.svg")).Root!;

        Assert.Contains("Timeline of the case Kherson regional children&#x27;s home", page, StringComparison.Ordinal);
        Assert.Contains("camp list &lt;b&gt;.txt", page, StringComparison.Ordinal);
        Assert.Contains(svg.Descendants(Svg + "g"), g => (string?)g.Attribute("class") == "incident" && g.Value.Contains("Camp in Yevpatoria (2022-07 – 2022-09)", StringComparison.Ordinal));
        Assert.Contains(svg.Descendants(Svg + "g"), g => (string?)g.Attribute("class") == "item stated" && g.Value.StartsWith("camp list <b>.txt", StringComparison.Ordinal));

        var outsider = await server.AddUserAsync("boris", Requests.Role.Investigator);
        using var outsiderClient = server.Client(outsider);
        Assert.Equal(HttpStatusCode.NotFound, (await outsiderClient.GetAsync($"/cases/{scenario.Case}/timeline")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsiderClient.GetAsync($"/api/cases/{scenario.Case}/timeline.svg")).StatusCode);
        // The case's incidents were referred to no office: neither prosecutor learns of the case.
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client(scenario.IccProsecutor).GetAsync($"/api/cases/{scenario.Case}/timeline.svg")).StatusCode);
    }
}
