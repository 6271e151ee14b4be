using System.Text;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Metadata;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Referrals;

/// <summary>
/// data/metadata/loadfile.dat, the Concordance DAT load file a review platform imports: read back here by splitting on the
/// delimiters, as a platform does, from real packages holding hostile stated values.
/// </summary>
public sealed class LoadFileTests : IAsyncLifetime
{
    // Values an attacker (or a careless paste) could give: the qualifier in a place, line breaks of three kinds in the consent
    // scope (which may span lines), the delimiter and the qualifier in a file name (Linux allows both), a direction override.
    private const string HostilePlace = "Kherson þ oblast \u202Eexe.txt";
    private const string HostileScope = "👧🏻 Дитина, ¶ already a pilcrow\r\nline two\nline three\u2028end";
    private const string HostileName = "звіт\u0014þ.txt";

    private Slice slice = null!;
    private ReferralCase @case = null!;
    private IngestedEvidence translation = null!;

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        @case = await ReferralCase.CreateAsync(slice);
        translation = await slice.SendAsync(new IngestEvidence(slice.File(HostileName, "Witness (English): the bus left at 08:30."u8.ToArray()), "Translator T.",
            Metadata: new StatedMetadata
            {
                Generation = "derived", DerivedFrom = @case.Items[0].Id, DerivedKind = "translation", Languages = ["en"], Place = HostilePlace,
                ConsentScope = HostileScope,
            }));
        await slice.SendAsync(new TagEvidence(translation.Id, @case.Incident));
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private async Task<(PackageRecord Package, Dictionary<string, byte[]> Entries, string Root)> BuildAsync()
    {
        var package = await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(slice.Home, "p.zip")), Role.Prosecutor, "prosecutor");
        var entries = PackageZip.Read(package.Path);
        return (package, entries, entries.Keys.First().Split('/')[0]);
    }

    /// <summary>The load file as a platform reads it: rows by CRLF, fields by DC4, each inside þ…þ.</summary>
    private static List<Dictionary<string, string>> Parse(byte[] bytes)
    {
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        var text = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
        var lines = text[..^2].Split("\r\n");
        Assert.All(lines, line => Assert.DoesNotContain('\n', line));
        var rows = lines.Select(line => line.Split('\u0014').Select(field =>
        {
            Assert.True(field.Length >= 2 && field[0] == 'þ' && field[^1] == 'þ', $"field not qualified: {field}");
            var value = field[1..^1];
            Assert.DoesNotContain('þ', value);
            return value;
        }).ToList()).ToList();
        var header = rows[0];
        Assert.Equal(LoadFile.Fields, header);
        Assert.All(rows, row => Assert.Equal(header.Count, row.Count));
        return rows.Skip(1).Select(row => header.Zip(row).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    [Fact]
    public async Task Build_LoadFile_OneRowPerItemInPackageOrder_EveryPathInTheZip()
    {
        var (package, entries, root) = await BuildAsync();

        var rows = Parse(entries[$"{root}/data/metadata/loadfile.dat"]);

        Assert.Equal(package.Items, rows.Count);
        Assert.Equal(["UKR-EVD-0001-0001", "UKR-EVD-0001-0001-T01", "UKR-EVD-0001-0002", "UKR-EVD-0001-0003"], rows.Select(r => r["BEGDOC"]));
        Assert.All(rows, r => Assert.Equal(r["BEGDOC"], r["ENDDOC"]));
        foreach (var row in rows)
        {
            Assert.True(entries.ContainsKey($"{root}/data/{row["NATIVEPATH"].Replace('\\', '/')}"), row["NATIVEPATH"]);
            Assert.StartsWith("evidence\\", row["NATIVEPATH"], StringComparison.Ordinal);
            Assert.Equal(64, row["SHA256"].Length);
        }
        // The witness statement and its translation are one family; the other items stand alone.
        Assert.Equal(("UKR-EVD-0001-0001", "UKR-EVD-0001-0001-T01"), (rows[0]["BEGATTACH"], rows[0]["ENDATTACH"]));
        Assert.Equal(("UKR-EVD-0001-0001", "UKR-EVD-0001-0001-T01"), (rows[1]["BEGATTACH"], rows[1]["ENDATTACH"]));
        Assert.Equal(("", ""), (rows[2]["BEGATTACH"], rows[2]["ENDATTACH"]));
        Assert.Equal(("derived", "translation", "UKR-EVD-0001-0001", @case.Items[0].Id.ToString()),
            (rows[1]["GENERATION"], rows[1]["DERIVEDKIND"], rows[1]["DERIVEDFROMERN"], rows[1]["DERIVEDFROM"]));
        Assert.Equal("звіт  .txt", rows[1]["FILENAME"]);
        Assert.Equal("en", rows[1]["LANGUAGE"]);
        Assert.Equal("confidential", rows[1]["CONFIDENTIALITY"]);
    }

    [Fact]
    public async Task Build_HostileValues_CannotBreakARow_NewlinesBecomePilcrows()
    {
        var (_, entries, root) = await BuildAsync();

        var row = Parse(entries[$"{root}/data/metadata/loadfile.dat"]).Single(r => r["EVIDENCEID"] == translation.Id.ToString());

        Assert.Equal("Kherson   oblast \u202Eexe.txt", row["PLACE"]);
        Assert.Equal("👧🏻 Дитина, ¶ already a pilcrow¶line two¶line three¶end", row["CONSENTSCOPE"]);
        Assert.Equal("звіт  .txt", row["FILENAME"]);
        // items.json keeps what was stated, exactly.
        var json = Encoding.UTF8.GetString(entries[$"{root}/data/metadata/items.json"]);
        Assert.Contains("\\r\\nline two\\nline three", json, StringComparison.Ordinal);
        Assert.Contains("\\u0014", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_ExtractedText_TravelsAsTextPath_OnlyForItemsWithText()
    {
        var (_, entries, root) = await BuildAsync();

        var rows = Parse(entries[$"{root}/data/metadata/loadfile.dat"]);

        var statement = rows.Single(r => r["EVIDENCEID"] == @case.Items[0].Id.ToString());
        Assert.Equal("text\\UKR-EVD-0001-0001.txt", statement["TEXTPATH"]);
        var text = entries[$"{root}/data/text/UKR-EVD-0001-0001.txt"];
        Assert.Equal("\uFEFFWitness: the bus left at 08:30.", Encoding.UTF8.GetString(text).Trim());
        Assert.All(rows.Where(r => r["TEXTPATH"].Length > 0), r => Assert.True(entries.ContainsKey($"{root}/data/{r["TEXTPATH"].Replace('\\', '/')}")));
        // Every text file in the bag is named by a row: nothing travels that the load file does not account for.
        Assert.Equal(rows.Where(r => r["TEXTPATH"].Length > 0).Select(r => $"{root}/data/{r["TEXTPATH"].Replace('\\', '/')}").Order(),
            entries.Keys.Where(k => k.StartsWith($"{root}/data/text/", StringComparison.Ordinal)).Order());
    }

    [Fact]
    public async Task VerifyPackage_LoadFileAltered_IsAFinding()
    {
        var (package, _, _) = await BuildAsync();
        var key = await slice.SendAsync(new GetVerifierKey(), Role.Auditor);
        Assert.True(PackageVerifier.Verify(package.Path, key).Clean);
        var tampered = PackageZip.Rewrite(package.Path, Path.Combine(slice.Home, "tampered.zip"), (name, bytes) =>
            name.EndsWith("data/metadata/loadfile.dat", StringComparison.Ordinal)
                ? Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("UKR-EVD-0001-0002", "UKR-EVD-0001-0009", StringComparison.Ordinal))
                : bytes);

        var report = PackageVerifier.Verify(tampered, key);

        Assert.False(report.Clean);
        Assert.Contains(report.Findings, f => f.Kind == "hash" && f.Subject == "data/metadata/loadfile.dat");
    }

    [Theory]
    [InlineData("", "þþ")]
    [InlineData("plain", "þplainþ")]
    [InlineData("a\u0014bþc", "þa b cþ")]
    [InlineData("one\r\ntwo\rthree\nfour\u2029five", "þone¶two¶three¶four¶fiveþ")]
    [InlineData("tab\there\0nul", "þtab here nulþ")]
    [InlineData("Ґанна 🇺🇦 ®", "þҐанна 🇺🇦 ®þ")]
    public void Field_HostileValue_StaysOneQualifiedField(string value, string expected) =>
        Assert.Equal(expected, LoadFile.Field(value));
}
