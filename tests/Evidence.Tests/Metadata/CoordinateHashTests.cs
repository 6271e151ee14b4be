using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Evidence.Tests.Web;

namespace Evidence.Tests.Metadata;

/// <summary>
/// Review of issue 17 (an auditor, or anyone holding the log's entries): stated coordinates travel in the custody log as
/// the SHA-256 of each number (latitudeSha256, longitudeSha256), so that auditors should not read where an item was made,
/// which can be where a child lives (commit 31a3e9a). But a coordinate is a number from a small, ordered space: every
/// latitude of four decimals is 1.8 million candidates, hashed in about a second, so the hash is the value. Unlike a
/// name (docs/threat-model.md, "A leaf holder can confirm a guess"), nothing needs guessing.
/// </summary>
public sealed class CoordinateHashTests
{
    /// <summary>
    /// The item's JSON gave auditors the stated coordinates in plain numbers (latitude, longitude, and in every version of
    /// metadataHistory), though the file's own GPS is withheld from them and the ledger hashes the stated ones for them.
    /// </summary>
    [Fact]
    public async Task Auditor_DoesNotSeeStatedCoordinates_InTheItem()
    {
        await using var scenario = await WebScenario.StartAsync();
        var id = await IngestWithCoordinatesAsync(scenario);

        using var auditor = scenario.Server.Client(scenario.Auditor);
        var seen = await auditor.GetStringAsync($"/api/evidence/{id}");

        Assert.DoesNotContain("47.0958", seen, StringComparison.Ordinal);
        Assert.DoesNotContain("37.5494", seen, StringComparison.Ordinal);
        using var investigator = scenario.Server.Client(scenario.Investigator);
        Assert.Contains("47.0958", await investigator.GetStringAsync($"/api/evidence/{id}"), StringComparison.Ordinal);
    }

    private static async Task<Guid> IngestWithCoordinatesAsync(WebScenario scenario)
    {
        using var investigator = scenario.Server.Client(scenario.Investigator);
        using var form = new MultipartFormDataContent
        {
            { new StringContent("Olena K."), "collector" },
            { new StringContent("47.0958,37.5494"), "coordinates" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes("a child's testimony, recorded where she lives " + Guid.NewGuid())), "file", "testimony.txt" },
        };
        var recorded = (await (await investigator.PostAsync("/api/evidence", form)).Content.ReadFromJsonAsync<System.Text.Json.JsonElement[]>())!;
        return recorded[0].GetProperty("id").GetGuid();
    }

    /// <summary>
    /// Review of issue 17 (finding 2, fixed): the log binds a statement's coordinates by the SHA-256 of its salt and value,
    /// so an auditor who tries every latitude of four decimals against the log's hash finds nothing.
    /// </summary>
    [Fact]
    public async Task Auditor_CannotReadStatedCoordinates_FromTheCustodyLog()
    {
        await using var scenario = await WebScenario.StartAsync();
        var id = await IngestWithCoordinatesAsync(scenario);

        using var auditor = scenario.Server.Client(scenario.Auditor);
        var seen = await auditor.GetStringAsync($"/api/evidence/{id}");
        Assert.DoesNotContain("47.0958", seen, StringComparison.Ordinal);
        var hash = Regex.Match(seen, "latitudeSha256\\\\?\"\\s*:\\s*\\\\?\"([0-9a-f]{64})").Groups[1].Value;
        Assert.Equal(64, hash.Length);

        // Every latitude of four decimals, as the ledger writes numbers.
        string? found = null;
        for (var tenThousandths = -900_000; tenThousandths <= 900_000 && found is null; tenThousandths++)
        {
            var candidate = (tenThousandths / 10_000d).ToString("R", CultureInfo.InvariantCulture);
            if (Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(candidate))) == hash)
            {
                found = candidate;
            }
        }
        Assert.Null(found);
    }
}
