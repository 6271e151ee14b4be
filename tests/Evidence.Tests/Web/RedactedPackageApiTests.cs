using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Web;

/// <summary>POST /api/packages with redactedOnly: the same rule as `package --redacted-only`, over the API.</summary>
public sealed class RedactedPackageApiTests
{
    [Fact]
    public async Task RedactedOnly_400WithoutARedaction_ThenTheRedactionIsSentInsteadOfTheOriginal()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        using var prosecutor = scenario.Server.Client(scenario.IccProsecutor);

        var refused = await prosecutor.PostAsJsonAsync("/api/packages", new { incidentId = scenario.Incident, recipient = "Icc", redactedOnly = true });
        var problem = await refused.Content.ReadAsStringAsync();
        var redaction = (await WebScenario.UploadAsync(investigator, "report-redacted.txt", "Witness statement: [REDACTED] children were taken."u8.ToArray()))[0]
            .GetProperty("id").GetGuid();
        (await investigator.PostAsJsonAsync($"/api/evidence/{redaction}/metadata", new
        {
            changes = new { generation = "derived", derivedFrom = scenario.Item, derivedKind = "redaction" }, reason = "the redacted copy for the ICC",
        })).EnsureSuccessStatusCode();
        // A prosecutor sees what is tagged to incidents referred to their office, so the redaction is tagged too.
        (await investigator.PostAsJsonAsync($"/api/evidence/{redaction}/tags", new { incidentId = scenario.Incident })).EnsureSuccessStatusCode();
        var package = await WebScenario.IdOf(await prosecutor.PostAsJsonAsync("/api/packages", new { incidentId = scenario.Incident, recipient = "Icc", redactedOnly = true }));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("have no redaction", problem, StringComparison.Ordinal);
        Assert.Contains(scenario.Item.ToString(), problem, StringComparison.Ordinal);
        using var zip = new ZipArchive(new MemoryStream(await prosecutor.GetByteArrayAsync($"/api/packages/{package}/download")));
        var evidence = zip.Entries.Where(e => e.FullName.Contains("/data/evidence/", StringComparison.Ordinal)).Select(e => e.Name).ToList();
        // The scenario's first package numbered the original UKR-EVD-0001-0001; its redaction is numbered from it.
        Assert.Equal(["UKR-EVD-0001-0001-R01_report-redacted.txt"], evidence);
        using var items = JsonDocument.Parse(zip.Entries.Single(e => e.FullName.EndsWith("/data/metadata/items.json", StringComparison.Ordinal)).Open());
        Assert.Equal("UKR-EVD-0001-0001", items.RootElement[0].GetProperty("givenInsteadOf").GetString());
    }
}
