using System.Text;
using System.Text.Json;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Metadata;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Referrals;

/// <summary>
/// Derived items (translations, transcripts, redactions) in packages: placed after their original, numbered from it with a
/// suffix that is given once and held to the ledger like every other number, and given instead of the original with
/// --redacted-only. Real SQLite, real blobs, real zips.
/// </summary>
public sealed class DerivedItemsTests : IAsyncLifetime
{
    private Slice slice = null!;
    private ReferralCase @case = null!;
    private int packages;

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        @case = await ReferralCase.CreateAsync(slice);
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private Guid Statement => @case.Items[0].Id;

    private async Task<Guid> DeriveAsync(Guid from, string kind, string name, string content, bool tag = true)
    {
        var item = await slice.SendAsync(new IngestEvidence(slice.File(name, Encoding.UTF8.GetBytes(content)), "Investigator C",
            Metadata: new StatedMetadata { Generation = "derived", DerivedFrom = from, DerivedKind = kind }));
        if (tag)
        {
            await slice.SendAsync(new TagEvidence(item.Id, @case.Incident));
        }
        return item.Id;
    }

    private async Task<(PackageRecord Package, List<PackageItem> Items, Dictionary<string, byte[]> Entries)> BuildAsync(IReadOnlyList<Guid>? ids = null,
        bool redactedOnly = false)
    {
        var package = await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(slice.Home, $"p{++packages}.zip"), EvidenceIds: ids,
            RedactedOnly: redactedOnly), Role.Prosecutor, "prosecutor");
        var entries = PackageZip.Read(package.Path);
        var json = entries.Single(e => e.Key.EndsWith("data/metadata/items.json", StringComparison.Ordinal)).Value;
        var items = JsonSerializer.Deserialize<List<PackageItem>>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        var report = PackageVerifier.Verify(package.Path, await slice.SendAsync(new GetVerifierKey(), Role.Auditor));
        Assert.True(report.Clean, string.Join("\n", report.Findings));
        return (package, items, entries);
    }

    private Task<VerificationReport> VerifyAsync() => slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor");

    private static bool Carries(Dictionary<string, byte[]> entries, string content) =>
        entries.Values.Any(bytes => Encoding.UTF8.GetString(bytes).Contains(content, StringComparison.Ordinal));

    [Fact]
    public async Task Build_TwoTranslationsATranscriptAndItsTranslation_FollowTheirOriginal_NumberedPerKind()
    {
        var first = await DeriveAsync(Statement, "translation", "en.txt", "English translation");
        var transcript = await DeriveAsync(Statement, "transcript", "transcript.txt", "Transcript");
        var second = await DeriveAsync(Statement, "translation", "fr.txt", "French translation");
        var ofTranscript = await DeriveAsync(transcript, "translation", "transcript-en.txt", "Transcript in English");

        var (_, items, _) = await BuildAsync();

        Assert.Equal([Statement, first, transcript, ofTranscript, second, @case.Items[1].Id, @case.Items[2].Id], items.Select(i => i.EvidenceId));
        Assert.Equal(["UKR-EVD-0001-0001", "UKR-EVD-0001-0001-T01", "UKR-EVD-0001-0001-X01", "UKR-EVD-0001-0001-X01-T01", "UKR-EVD-0001-0001-T02",
            "UKR-EVD-0001-0002", "UKR-EVD-0001-0003"], items.Select(i => i.Ern));
        Assert.All(items.Take(5), i => Assert.Equal("UKR-EVD-0001-0001", i.Family));
        Assert.Equal("UKR-EVD-0001-0001-X01", items[3].DerivedFromErn);
        Assert.True((await VerifyAsync()).Clean);
    }

    [Fact]
    public async Task Build_Again_NumbersKept_ANewTranslationTakesTheNextSuffix()
    {
        var first = await DeriveAsync(Statement, "translation", "en.txt", "English translation");
        var (_, before, _) = await BuildAsync();
        var second = await DeriveAsync(Statement, "translation", "fr.txt", "French translation");
        var redaction = await DeriveAsync(Statement, "redaction", "redacted.txt", "Witness: the bus left at [REDACTED].");

        var (_, after, _) = await BuildAsync();

        Assert.Equal(before.ToDictionary(i => i.EvidenceId, i => i.Ern), after.Where(i => before.Any(b => b.EvidenceId == i.EvidenceId)).ToDictionary(i => i.EvidenceId, i => i.Ern));
        Assert.Equal("UKR-EVD-0001-0001-T01", after.Single(i => i.EvidenceId == first).Ern);
        Assert.Equal("UKR-EVD-0001-0001-T02", after.Single(i => i.EvidenceId == second).Ern);
        Assert.Equal("UKR-EVD-0001-0001-R01", after.Single(i => i.EvidenceId == redaction).Ern);
        Assert.True((await VerifyAsync()).Clean);
    }

    [Fact]
    public async Task Build_ItemNumberedBeforeItWasStatedDerived_KeepsItsNumber_ButFollowsItsOriginal()
    {
        await BuildAsync();
        var list = @case.Items[2].Id;
        await slice.SendAsync(new AmendMetadata(list, new StatedMetadata { Generation = "derived", DerivedFrom = Statement, DerivedKind = "summary" },
            "test: the list summarises the statement"));

        var (_, items, entries) = await BuildAsync();

        // A number once given is cited in filings: it never changes, even when the item turns out to be made from another.
        Assert.Equal(["UKR-EVD-0001-0001", "UKR-EVD-0001-0003", "UKR-EVD-0001-0002"], items.Select(i => i.Ern));
        Assert.Equal(("summary", "UKR-EVD-0001-0001", "UKR-EVD-0001-0001"), (items[1].DerivedKind, items[1].DerivedFromErn, items[1].Family));
        var loadFile = Encoding.UTF8.GetString(entries.Single(e => e.Key.EndsWith("data/metadata/loadfile.dat", StringComparison.Ordinal)).Value);
        Assert.Contains("þUKR-EVD-0001-0003þ\u0014þUKR-EVD-0001-0003þ\u0014þUKR-EVD-0001-0001þ\u0014þUKR-EVD-0001-0003þ", loadFile, StringComparison.Ordinal);
        Assert.True((await VerifyAsync()).Clean);
    }

    [Fact]
    public async Task Build_DerivedItemWithoutItsOriginal_OriginalNumberedNotCarried_AndKeepsThatNumberLater()
    {
        var untagged = await slice.SendAsync(new IngestEvidence(slice.File("video-notes.txt", "not tagged to the incident"u8.ToArray()), "Investigator C"));
        var translation = await DeriveAsync(untagged.Id, "translation", "notes-en.txt", "notes in English");
        var events = await slice.CountCustodyEventsAsync();

        var (package, items, entries) = await BuildAsync();

        // The original is numbered in this package's batch, after the items it carries, and is not in it.
        Assert.DoesNotContain(items, i => i.EvidenceId == untagged.Id);
        Assert.False(Carries(entries, "not tagged to the incident"));
        var derived = items.Single(i => i.EvidenceId == translation);
        Assert.Equal("UKR-EVD-0001-0004-T01", derived.Ern);
        Assert.Equal("UKR-EVD-0001-0004", derived.DerivedFromErn);
        Assert.Equal(derived.Ern, derived.Family);
        var cover = Encoding.UTF8.GetString(entries.Single(e => e.Key.EndsWith("data/README.html", StringComparison.Ordinal)).Value);
        Assert.Contains("UKR-EVD-0001-0004</code>, which is not in this package", cover, StringComparison.Ordinal);
        var numbered = await slice.QueryAsync(db => db.CustodyEvents.Where(e => e.Sequence >= events && e.Action == "Numbered").ToListAsync());
        Assert.Equal(untagged.Id, Assert.Single(numbered).EvidenceId);
        Assert.Contains("UKR-EVD-0001-0004", numbered[0].Details, StringComparison.Ordinal);
        Assert.Contains(package.Id.ToString(), numbered[0].Details, StringComparison.Ordinal);
        Assert.True((await VerifyAsync()).Clean);

        await slice.SendAsync(new TagEvidence(untagged.Id, @case.Incident));
        var (_, later, _) = await BuildAsync();
        Assert.Equal("UKR-EVD-0001-0004", later.Single(i => i.EvidenceId == untagged.Id).Ern);
        Assert.Equal(["UKR-EVD-0001-0004", "UKR-EVD-0001-0004-T01"], later.SkipWhile(i => i.EvidenceId != untagged.Id).Take(2).Select(i => i.Ern));
        Assert.True((await VerifyAsync()).Clean);
    }

    [Theory]
    [InlineData("suffix", "Ern")]
    [InlineData("suffix only", "Suffix")]
    [InlineData("numbered original", "Ern")]
    public async Task Verify_ForgedDerivedNumber_NamesTheRow(string forgery, string column)
    {
        var untagged = await slice.SendAsync(new IngestEvidence(slice.File("video-notes.txt", "not tagged"u8.ToArray()), "Investigator C"));
        var translation = await DeriveAsync(Statement, "translation", "en.txt", "English translation");
        await DeriveAsync(untagged.Id, "translation", "notes-en.txt", "notes in English");
        await BuildAsync();
        var row = forgery == "numbered original" ? untagged.Id : translation;
        await slice.TamperAsync(forgery switch
        {
            "suffix" => $"""UPDATE registration_numbers SET "Ern" = 'UKR-EVD-0001-0001-T07', "Suffix" = 'T07' WHERE "EvidenceId" = {slice.SqlId(row)};""",
            "suffix only" => $"""UPDATE registration_numbers SET "Suffix" = 'R01' WHERE "EvidenceId" = {slice.SqlId(row)};""",
            _ => $"""UPDATE registration_numbers SET "Ern" = 'UKR-EVD-0009-0001' WHERE "EvidenceId" = {slice.SqlId(row)};""",
        });

        var findings = (await VerifyAsync()).Findings;

        Assert.Contains(findings, f => f.Subject == $"registration_numbers {row} {column}");
        var refused = await Assert.ThrowsAsync<UnavailableException>(() => BuildAsync());
        Assert.Contains("do not match the custody ledger", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_NumberOfAnOriginalNotCarriedDeleted_IsFound()
    {
        var untagged = await slice.SendAsync(new IngestEvidence(slice.File("video-notes.txt", "not tagged"u8.ToArray()), "Investigator C"));
        await DeriveAsync(untagged.Id, "translation", "notes-en.txt", "notes in English");
        await BuildAsync();
        await slice.TamperAsync($"""DELETE FROM registration_numbers WHERE "EvidenceId" = {slice.SqlId(untagged.Id)};""");

        var findings = (await VerifyAsync()).Findings;

        Assert.Contains(findings, f => f.Subject == $"registration_numbers {untagged.Id}" && f.Found == "no row: it was deleted");
    }

    [Fact]
    public async Task Build_RedactedOnly_ItemsWithoutARedaction_RefusedByIdNothingExported()
    {
        await DeriveAsync(Statement, "redaction", "redacted.txt", "Witness: the bus left at [REDACTED].", tag: false);
        var events = await slice.CountCustodyEventsAsync();

        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => BuildAsync(redactedOnly: true));

        Assert.Contains("2 item(s) have no redaction", refused.Message, StringComparison.Ordinal);
        Assert.Contains(@case.Items[1].Id.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.Contains(@case.Items[2].Id.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Statement.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.Equal(events, await slice.CountCustodyEventsAsync());
        Assert.Empty(Directory.GetFiles(slice.Home, "p1.zip*"));
    }

    [Fact]
    public async Task Build_RedactedOnly_RedactionGivenInsteadOfTheOriginal_WithItsTagsAndNumberedFromIt()
    {
        var redaction = await DeriveAsync(Statement, "redaction", "redacted.txt", "Witness: the bus left at [REDACTED].", tag: false);
        // A translation made from the redaction is redacted too, and travels as it is.
        var translated = await DeriveAsync(redaction, "translation", "redacted-en.txt", "Witness (English): [REDACTED].");

        var (package, items, entries) = await BuildAsync([Statement, translated], redactedOnly: true);

        Assert.False(Carries(entries, "the bus left at 08:30"));
        Assert.True(Carries(entries, "the bus left at [REDACTED]"));
        Assert.Equal([redaction, translated], items.Select(i => i.EvidenceId));
        Assert.Equal(["UKR-EVD-0001-0001-R01", "UKR-EVD-0001-0001-R01-T01"], items.Select(i => i.Ern));
        Assert.Equal("UKR-EVD-0001-0001", items[0].GivenInsteadOf);
        Assert.Null(items[1].GivenInsteadOf);
        // What the original was tagged with (the child, the element) stays with the redaction given in its place.
        Assert.Equal([@case.Victim], items[0].Victims);
        Assert.Equal(["8(2)(a)(vii)-1:1"], items[0].Elements);
        var caseJson = Encoding.UTF8.GetString(entries.Single(e => e.Key.EndsWith("data/metadata/case.json", StringComparison.Ordinal)).Value);
        Assert.Contains("\"redactedOnly\": true", caseJson, StringComparison.Ordinal);
        var cover = Encoding.UTF8.GetString(entries.Single(e => e.Key.EndsWith("data/README.html", StringComparison.Ordinal)).Value);
        Assert.Contains("redaction given instead of <code>UKR-EVD-0001-0001</code>", cover, StringComparison.Ordinal);
        // The original's custody stays with the sender: only the items carried have events in the package.
        var carried = Encoding.UTF8.GetString(entries.Single(e => e.Key.EndsWith("data/custody/events.jsonl", StringComparison.Ordinal)).Value);
        Assert.DoesNotContain(Statement.ToString(), carried.Split('\n').Where(l => l.Contains("\"Ingested\"", StringComparison.Ordinal)).Select(l => l[..l.IndexOf("\"details\"", StringComparison.Ordinal)]));
        Assert.True((await VerifyAsync()).Clean);

        // The original, numbered for its redaction, keeps that number when it is sent itself.
        var (_, full, _) = await BuildAsync([Statement]);
        Assert.Equal("UKR-EVD-0001-0001", Assert.Single(full).Ern);
        Assert.NotEqual(package.Sha256, full.Single().Sha256);
    }

    [Fact]
    public async Task Build_RedactedOnly_ARedactionOfARedaction_OnlyTheMostRedactedTravels()
    {
        var first = await DeriveAsync(Statement, "redaction", "redacted.txt", "Witness: the bus left at [REDACTED], driver Petro.", tag: false);
        var second = await DeriveAsync(first, "redaction", "redacted-2.txt", "Witness: the bus left at [REDACTED], driver [REDACTED].", tag: false);

        // Chosen with the original or on its own, the first redaction gives way to the second.
        await slice.SendAsync(new TagEvidence(first, @case.Incident));
        var (_, items, entries) = await BuildAsync([Statement, first], redactedOnly: true);

        Assert.False(Carries(entries, "08:30"));
        Assert.False(Carries(entries, "driver Petro"));
        var given = Assert.Single(items);
        Assert.Equal(second, given.EvidenceId);
        Assert.Equal("UKR-EVD-0001-0001-R01-R01", given.Ern);
        Assert.Equal("UKR-EVD-0001-0001", given.GivenInsteadOf);
        // Both the original and the first redaction are numbered for it, neither carried.
        var numbers = await slice.QueryAsync(db => db.RegistrationNumbers.ToDictionaryAsync(r => r.EvidenceId, r => r.Ern));
        Assert.Equal("UKR-EVD-0001-0001", numbers[Statement]);
        Assert.Equal("UKR-EVD-0001-0001-R01", numbers[first]);
        Assert.True((await VerifyAsync()).Clean);
    }

    [Fact]
    public async Task Build_RedactedOnly_TranslationOfTheUnredactedOriginal_Refused()
    {
        await DeriveAsync(Statement, "redaction", "redacted.txt", "Witness: the bus left at [REDACTED].", tag: false);
        var translation = await DeriveAsync(Statement, "translation", "en.txt", "Witness (English): the bus left at 08:30.");

        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => BuildAsync([Statement, translation], redactedOnly: true));

        Assert.Contains(translation.ToString(), refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_ItemsStatedAsMadeFromEachOther_NoLoop_EachNumberedInItsOwnRight()
    {
        var a = await DeriveAsync(Statement, "translation", "a.txt", "a");
        var b = await DeriveAsync(a, "translation", "b.txt", "b");
        // An amendment closes the circle: a is now stated as made from b.
        await slice.SendAsync(new AmendMetadata(a, new StatedMetadata { Generation = "derived", DerivedFrom = b, DerivedKind = "translation" }, "test: a circle"));

        var (_, items, _) = await BuildAsync([a, b]);

        Assert.Equal(2, items.Count);
        Assert.Equal(items.Select(i => i.Ern).Distinct().Count(), items.Count);
        Assert.True((await VerifyAsync()).Clean);
    }
}
