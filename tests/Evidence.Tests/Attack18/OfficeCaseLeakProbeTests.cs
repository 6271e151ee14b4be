using System.Net;
using System.Net.Http.Json;

namespace Evidence.Tests.Attack18;

/// <summary>
/// Attack on issue 18's case pages and timelines from a prosecutor's office: a case is seen only through the incidents
/// referred to the office, so nothing of its other incidents (their titles, places, their own items' names) may reach the
/// office through the case page, its API, its timeline page or the timeline pictures.
/// </summary>
public sealed class OfficeCaseLeakProbeTests
{
    [Fact]
    public async Task Attack18_Office_LearnsNothingOfTheCasesUnreferredIncident()
    {
        await using var scenario = await Web.WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        var caseId = await Web.WebScenario.IdOf(await investigator.PostAsJsonAsync("/api/cases", new { title = "Case of two incidents" }));
        async Task<Guid> IncidentAsync(string title, string place) => await Web.WebScenario.IdOf(await investigator.PostAsJsonAsync("/api/incidents", new
        {
            title, kind = "Camp", periodFrom = "2023-03", place, articles = new[] { "8(2)(a)(vii)-1" }, caseId,
        }));
        var referred = await IncidentAsync("Referred camp", "Yevpatoria");
        var hidden = await IncidentAsync("HIDDEN-INCIDENT-TITLE", "HIDDEN-PLACE");
        var shared = (await Web.WebScenario.UploadAsync(investigator, "shared-item.txt", "shared"u8.ToArray()))[0].GetProperty("id").GetGuid();
        var only = (await Web.WebScenario.UploadAsync(investigator, "HIDDEN-ITEM-NAME.txt", "hidden"u8.ToArray()))[0].GetProperty("id").GetGuid();
        (await investigator.PostAsJsonAsync($"/api/evidence/{shared}/tags", new { incidentId = referred })).EnsureSuccessStatusCode();
        (await investigator.PostAsJsonAsync($"/api/evidence/{shared}/tags", new { incidentId = hidden })).EnsureSuccessStatusCode();
        (await investigator.PostAsJsonAsync($"/api/evidence/{only}/tags", new { incidentId = hidden })).EnsureSuccessStatusCode();
        (await investigator.PostAsJsonAsync($"/api/incidents/{referred}/referrals", new { office = "Icc" })).EnsureSuccessStatusCode();

        using var icc = scenario.Server.Client(scenario.IccProsecutor);
        var seen = new List<string>
        {
            await icc.GetStringAsync($"/cases/{caseId}"),
            await icc.GetStringAsync($"/api/cases/{caseId}"),
            await icc.GetStringAsync($"/api/cases/{caseId}/timeline.svg"),
            await icc.GetStringAsync($"/api/incidents/{referred}/timeline.svg"),
            await icc.GetStringAsync($"/incidents/{referred}"),
            await icc.GetStringAsync("/cases"),
            await icc.GetStringAsync("/incidents"),
            await icc.GetStringAsync("/api/incidents"),
            await icc.GetStringAsync("/?sort=name"),
        };
        using var timelinePage = await icc.GetAsync($"/cases/{caseId}/timeline");
        seen.Add(await timelinePage.Content.ReadAsStringAsync());

        foreach (var text in seen)
        {
            Assert.DoesNotContain("HIDDEN-INCIDENT-TITLE", text, StringComparison.Ordinal);
            Assert.DoesNotContain("HIDDEN-PLACE", text, StringComparison.Ordinal);
            Assert.DoesNotContain("HIDDEN-ITEM-NAME", text, StringComparison.Ordinal);
            Assert.DoesNotContain(only.ToString(), text, StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await icc.GetAsync($"/api/incidents/{hidden}/timeline.svg")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await icc.GetAsync($"/api/evidence/{only}/thumbnail")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await icc.GetAsync($"/api/evidence/{only}/preview")).StatusCode);
        Assert.Contains("shared-item.txt", seen[2], StringComparison.Ordinal);
    }
}
