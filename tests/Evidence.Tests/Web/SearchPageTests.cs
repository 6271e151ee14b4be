using System.Net.Http.Json;
using System.Net;
using System.Text.RegularExpressions;

namespace Evidence.Tests.Web;

/// <summary>
/// The search page (issue 18, item 4): sortable headings, pages of results that carry the filters along, and a refused
/// filter re-rendered with what was typed and its reason beside it, in the reader's language.
/// </summary>
public sealed partial class SearchPageTests
{
    [Fact]
    public async Task Results_AreSortedByHeading_AndPaged_WithTheFiltersKept()
    {
        await using var scenario = await WebScenario.StartAsync();
        using (var api = scenario.Server.Client(scenario.Investigator))
        {
            for (var i = 0; i < 55; i++)
            {
                await WebScenario.UploadAsync(api, $"photo-{i:D2}.txt", System.Text.Encoding.UTF8.GetBytes(new string('x', i + 100) + " bus"));
            }
        }
        using var browser = await CookieBrowser.SignInAsync(scenario.Server, scenario.Investigator);

        var first = await browser.GetAsync("/?collector=Olena%20K.&sort=-size");
        Assert.Equal(50, Rows().Matches(first).Count);
        Assert.Equal("photo-54.txt", Names(first)[0]); // the biggest first
        Assert.Contains("aria-sort=\"descending\"", first, StringComparison.Ordinal);
        var next = WebUtility.HtmlDecode(NextPage().Match(first).Groups[1].Value);
        Assert.Contains("collector=Olena%20K.", next, StringComparison.Ordinal);
        Assert.Contains("sort=-size", next, StringComparison.Ordinal);

        var second = await browser.GetAsync(next);
        // 55 uploads and the scenario's own report.txt, by the same collector: 6 more on the second page, none twice.
        Assert.Equal(6, Rows().Matches(second).Count);
        Assert.Empty(Names(first).Intersect(Names(second)));
        Assert.DoesNotContain("id=\"next-page\"", second, StringComparison.Ordinal);
        Assert.Contains("id=\"previous-page\"", second, StringComparison.Ordinal);

        // A heading sorted one way links to the other way, from the first page.
        Assert.Contains("href=\"/?collector=Olena%20K.&amp;sort=size\"", first, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("en", "the from date must be YYYY, YYYY-MM or YYYY-MM-DD.", "Not done, nothing was recorded:")]
    [InlineData("uk", "дата «з» має бути у форматі РРРР, РРРР-ММ або РРРР-ММ-ДД.", "Не виконано, нічого не записано:")]
    public async Task RefusedFilter_KeepsWhatWasTyped_WithItsReasonBesideIt_InTheReadersLanguage(string language, string reason, string heading)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = await CookieBrowser.SignInAsync(scenario.Server, scenario.Investigator, language);
        var page = await browser.GetAsync("/?from=14.10.2022&place=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
        Assert.Contains($"<html lang=\"{language}\">", page, StringComparison.Ordinal);
        Assert.Contains("name=\"from\" value=\"14.10.2022\"", page, StringComparison.Ordinal);
        Assert.Contains($"<span class=\"field-error\">{reason}</span>", page, StringComparison.Ordinal);
        Assert.Contains(heading, page, StringComparison.Ordinal);
        // What was typed comes back inert.
        Assert.DoesNotContain("<script>alert(1)", page, StringComparison.Ordinal);
        Assert.Contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UkrainianPage_ShowsUkrainianFilters()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = await CookieBrowser.SignInAsync(scenario.Server, scenario.Investigator, "uk-UA,uk;q=0.9");
        var page = await browser.GetAsync("/");
        Assert.Contains(">Шукати</button>", page, StringComparison.Ordinal);
        Assert.Contains("Усі інциденти", page, StringComparison.Ordinal);
        Assert.Contains(">суворо конфіденційний</option>", page, StringComparison.Ordinal);
        Assert.DoesNotContain(">Search</button>", page, StringComparison.Ordinal);
    }

    /// <summary>The search page has the API's perpetrator and child filters: chosen from lists by name and pseudonym where the reader may list them, never an ID typed.</summary>
    [Fact]
    public async Task PerpetratorAndChildFilters_AreChosenFromLists_AndNarrowTheResults()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var api = scenario.Server.Client(scenario.Investigator);
        var perpetrator = (await (await api.PostAsJsonAsync("/api/perpetrators", new { name = "Unit 12345 <script>", kind = "Unit" })).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>());
        var perpetratorId = perpetrator.ValueKind == System.Text.Json.JsonValueKind.String ? perpetrator.GetString()! : perpetrator.GetProperty("id").GetString()!;
        var victim = (await (await api.PostAsJsonAsync("/api/victims", new { ageAtIncident = 9, caseId = scenario.Case })).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("code").GetString()!;
        var tagged = (await WebScenario.UploadAsync(api, "bus.txt", "The bus left at dawn."u8.ToArray()))[0].GetProperty("id").GetGuid();
        (await api.PostAsJsonAsync($"/api/evidence/{tagged}/tags", new { incidentId = scenario.Incident, perpetratorId, victimCode = victim })).EnsureSuccessStatusCode();

        using var browser = await CookieBrowser.SignInAsync(scenario.Server, scenario.Investigator);
        var all = await browser.GetAsync("/");
        Assert.Contains($"<option value=\"{perpetratorId}\">Unit 12345 &lt;script&gt;</option>", all, StringComparison.Ordinal);
        Assert.Contains($"<option value=\"{victim}\">{victim}</option>", all, StringComparison.Ordinal);
        Assert.Equal(["bus.txt"], Names(await browser.GetAsync($"/?perpetrator={perpetratorId}")));
        Assert.Equal(["bus.txt"], Names(await browser.GetAsync($"/?victim={victim}")));
        Assert.Empty(Names(await browser.GetAsync("/?victim=V-9999")));
    }

    private static List<string> Names(string page) => [.. ItemName().Matches(page).Select(m => m.Groups[1].Value)];

    [GeneratedRegex("<input type=\"checkbox\" name=\"Selected\"")]
    private static partial Regex Rows();

    [GeneratedRegex("<a href=\"/evidence/[0-9a-f-]+\">([^<]+)</a>")]
    private static partial Regex ItemName();

    [GeneratedRegex("href=\"([^\"]+)\" rel=\"next\"")]
    private static partial Regex NextPage();
}
