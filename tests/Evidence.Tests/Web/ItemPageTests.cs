using System.Net.Http.Json;

namespace Evidence.Tests.Web;

/// <summary>
/// The evidence page shows what was stated for the court and what the file says about itself (issue 17, item 8), over
/// real HTTP; an auditor's page shows neither the place nor the file's provenance.
/// </summary>
public sealed class ItemPageTests
{
    [Fact]
    public async Task EvidencePage_ShowsTheStatement_AndHidesItsTextFromAuditors()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        using var amended = await investigator.PostAsJsonAsync($"/api/evidence/{scenario.Item}/metadata", new
        {
            changes = new { place = "Kherson <home> No. 1", languages = new[] { "uk" }, consent = "given" },
            reason = "the witness said where",
        });
        amended.EnsureSuccessStatusCode();

        var page = await investigator.GetStringAsync($"/evidence/{scenario.Item}");
        var auditorPage = await scenario.Server.Client(scenario.Auditor).GetStringAsync($"/evidence/{scenario.Item}");

        Assert.Contains("Stated for the court", page, StringComparison.Ordinal);
        Assert.Contains("Kherson &lt;home&gt; No. 1", page, StringComparison.Ordinal);
        Assert.Contains("the witness said where", page, StringComparison.Ordinal);
        Assert.Contains("id=\"provenance\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Kherson", auditorPage, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"provenance\"", auditorPage, StringComparison.Ordinal);
    }
}
