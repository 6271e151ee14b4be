using System.Text;
using Evidence.Cases;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Referrals;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Custody;

/// <summary>
/// The ledger is the record (ARCHITECTURE §4): every row a page, an API answer or a package shows is vouched for by a
/// custody event, and verify rebuilds the tables from the events and compares both ways. Each test is an insider with
/// the database in hand (append-only triggers switched off, as any administrator can) changing one fact a court would
/// read; verify must name the row and the column. Runs on SQLite and, in the PostgreSQL pass, on PostgreSQL.
/// </summary>
public sealed class LedgerIsTheRecordTests : IAsyncLifetime
{
    private Slice slice = null!;
    private ReferralCase @case = null!;
    private Guid caseId;
    private Guid untagged;
    private PackageRecord package = null!;

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        caseId = await slice.SendAsync(new CreateCase("Kherson children's home"));
        await slice.SendAsync(new AddCaseMember(caseId, "second-investigator"));
        @case = await ReferralCase.CreateAsync(slice);
        await slice.SendAsync(new LinkPerpetrators(@case.Official, PerpetratorRelation.Commands, @case.Unit));
        await slice.SendAsync(new ReferIncident(@case.Incident, RecipientKind.Icc));
        untagged = await slice.SendAsync(new TagEvidence(@case.Items[0].Id, @case.Incident, Note: "withdrawn later"));
        await slice.SendAsync(new UntagEvidence(untagged, "tagged to the wrong incident"));
        package = await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(slice.Home, "referral.zip")));
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private Task<VerificationReport> VerifyAsync() => slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor");

    private string BlobPath(string sha256) => Path.Combine(slice.Settings.BlobFolder, "sha256", sha256[..2], sha256);

    [Fact]
    public async Task Verify_EveryTableAsRecorded_IsClean()
    {
        var report = await VerifyAsync();

        Assert.True(report.Clean, string.Join("\n", report.Findings));
        // Every table the ledger vouches for has rows here, so a clean run is a real comparison of each.
        foreach (var count in await slice.QueryAsync(async db => new[]
                 {
                     await db.EvidenceItems.CountAsync(), await db.EvidenceTags.CountAsync(), await db.Cases.CountAsync(), await db.CaseMembers.CountAsync(),
                     await db.Incidents.CountAsync(), await db.IncidentReferrals.CountAsync(), await db.Perpetrators.CountAsync(),
                     await db.PerpetratorLinks.CountAsync(), await db.Victims.CountAsync(), await db.ReferralPackages.CountAsync(),
                     await db.RegistrationNumbers.CountAsync(), await db.EvidenceTags.CountAsync(t => t.RemovedAtUtc != null),
                 }))
        {
            Assert.True(count > 0);
        }
    }

    /// <summary>
    /// Every column of every table but the ledger's own and its caches is vouched for by an event: a column added to the
    /// model without a fact in Projections.cs fails here, before an insider can forge it unseen.
    /// </summary>
    [Fact]
    public async Task Projections_CoverEveryColumnOfEveryRecordTable()
    {
        string[] ledgerOwn = ["custody_events", "merkle_nodes", "checkpoints"];
        var tables = await slice.QueryAsync(db => Task.FromResult(db.Model.GetEntityTypes()
            .Where(t => !ledgerOwn.Contains(t.GetTableName()))
            .ToDictionary(t => t.GetTableName()!, t => t.GetProperties().Select(p => p.Name).Order().ToList())));

        var records = Projections.All.Where(p => p != Projections.Accounts).ToList();
        Assert.Equal(tables.Keys.Order(), records.Select(p => p.Table).Order());
        foreach (var projection in records)
        {
            Assert.Equal(tables[projection.Table], projection.Columns.Order());
        }
        // Accounts live in Identity's table: what decides who may act and see is bound; passwords and lockouts are not.
        Assert.Equal(["CreatedAtUtc", "Office", "Role", "UserName"], Projections.Accounts.Columns.Order());
    }

    /// <summary>Issue 15, case 1: a deleted item was invisible to verify, and the next start-up erased its bytes.</summary>
    [Fact]
    public async Task Verify_EvidenceRowDeleted_IsFound_AndStartUpKeepsItsBytes()
    {
        var item = @case.Items[1];
        await slice.TamperAsync($"""
            DELETE FROM evidence_tags WHERE "EvidenceId" = {slice.SqlId(item.Id)};
            DELETE FROM registration_numbers WHERE "EvidenceId" = {slice.SqlId(item.Id)};
            DELETE FROM item_metadata WHERE "EvidenceId" = {slice.SqlId(item.Id)};
            DELETE FROM evidence_items WHERE "Id" = {slice.SqlId(item.Id)};
            """);

        // Start-up sweeps unrecorded blobs younger than the staging age: this one is seconds old, and must stay.
        await EvidenceServices.PrepareAsync(slice.Services, CancellationToken.None);
        var report = await VerifyAsync();

        Assert.True(File.Exists(BlobPath(item.Sha256)));
        Assert.Contains(report.Findings, f => f.Kind == "record" && f.Subject == $"evidence_items {item.Id}" && f.Found == "no row: it was deleted");
        Assert.Contains(report.Findings, f => f.Subject.StartsWith("evidence_tags ", StringComparison.Ordinal) && f.Found == "no row: it was deleted");
        Assert.DoesNotContain(report.Findings, f => f.Kind == "blob");
    }

    /// <summary>Issue 15, case 1: pointing an item at another item's bytes made start-up delete the original bytes.</summary>
    [Fact]
    public async Task Verify_ItemRepointedAtAnotherItemsBytes_IsFound_AndStartUpKeepsTheOriginal()
    {
        var (victim, other) = (@case.Items[0], @case.Items[2]);
        await slice.TamperAsync($"""UPDATE evidence_items SET "Sha256" = '{other.Sha256}' WHERE "Id" = {slice.SqlId(victim.Id)};""");

        await EvidenceServices.PrepareAsync(slice.Services, CancellationToken.None);
        var report = await VerifyAsync();

        Assert.True(File.Exists(BlobPath(victim.Sha256)));
        var finding = Assert.Single(report.Findings, f => f.Subject == $"evidence_items {victim.Id} Sha256");
        Assert.StartsWith(victim.Sha256, finding.Expected, StringComparison.Ordinal);
        Assert.Equal(other.Sha256, finding.Found);
    }

    public static TheoryData<string, string> Forgeries => new()
    {
        { "item OriginalName", "evidence_items Items[0] OriginalName" },
        { "item Source", "evidence_items Items[0] Source" },
        { "item Collector", "evidence_items Items[0] Collector" },
        { "item CapturedAt", "evidence_items Items[0] CapturedAt" },
        { "item CaseId", "evidence_items Items[0] CaseId" },
        { "tag Note", "evidence_tags Tag[0] Note" },
        { "tag VictimCode", "evidence_tags Tag[1] VictimCode" },
        { "tag Elements", "evidence_tags Tag[0] Elements" },
        { "untag erased", "evidence_tags Untagged RemovedAtUtc" },
        { "incident Title", "incidents Incident Title" },
        { "incident Articles", "incidents Incident Articles" },
        { "perpetrator Name", "perpetrators Official Name" },
        { "victim identity removed", "victims V-0001 ProtectedIdentity" },
        { "referral office", "incident_referrals Referral Office" },
        { "case member", "case_members Member" },
        { "package recipient", "referral_packages Package RecipientName" },
        { "registration number", "registration_numbers Items[0] Ern" },
    };

    /// <summary>Issue 15, case 2: forged metadata left verify clean, and the next package carried it as signed truth.</summary>
    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Verify_ForgedColumn_NamesTheRowAndTheColumn(string forgery, string expected)
    {
        var tags = await slice.QueryAsync(db => db.EvidenceTags.Where(t => t.RemovedAtUtc == null).OrderBy(t => t.TaggedAtUtc).Select(t => t.Id).ToListAsync());
        var referral = await slice.QueryAsync(db => db.IncidentReferrals.Select(r => r.Id).SingleAsync());
        string Item(int i) => slice.SqlId(@case.Items[i].Id);
        await slice.TamperAsync(forgery switch
        {
            "item OriginalName" => $"""UPDATE evidence_items SET "OriginalName" = 'harmless.txt' WHERE "Id" = {Item(0)};""",
            "item Source" => $"""UPDATE evidence_items SET "Source" = 'a forged source' WHERE "Id" = {Item(0)};""",
            "item Collector" => $"""UPDATE evidence_items SET "Collector" = 'Someone Else' WHERE "Id" = {Item(0)};""",
            "item CapturedAt" => $"""UPDATE evidence_items SET "CapturedAt" = '2021-01-01' WHERE "Id" = {Item(0)};""",
            "item CaseId" => $"""UPDATE evidence_items SET "CaseId" = {slice.SqlId(caseId)} WHERE "Id" = {Item(0)};""",
            "tag Note" => $"""UPDATE evidence_tags SET "Note" = 'planted' WHERE "Id" = {slice.SqlId(tags[0])};""",
            "tag VictimCode" => $"""UPDATE evidence_tags SET "VictimCode" = 'V-0001' WHERE "Id" = {slice.SqlId(tags[1])};""",
            "tag Elements" => $"""UPDATE evidence_tags SET "Elements" = {slice.SqlList("8(2)(a)(vii)-1:3")} WHERE "Id" = {slice.SqlId(tags[0])};""",
            "untag erased" => $"""UPDATE evidence_tags SET "RemovedAtUtc" = NULL, "RemovedBy" = NULL, "RemovalReason" = NULL WHERE "Id" = {slice.SqlId(untagged)};""",
            "incident Title" => $"""UPDATE incidents SET "Title" = 'A different incident' WHERE "Id" = {slice.SqlId(@case.Incident)};""",
            "incident Articles" => $"""UPDATE incidents SET "Articles" = {slice.SqlList("7(1)(d)")} WHERE "Id" = {slice.SqlId(@case.Incident)};""",
            "perpetrator Name" => $"""UPDATE perpetrators SET "Name" = 'Someone innocent' WHERE "Id" = {slice.SqlId(@case.Official)};""",
            "victim identity removed" => """UPDATE victims SET "ProtectedIdentity" = NULL WHERE "Code" = 'V-0001';""",
            "referral office" => $"""UPDATE incident_referrals SET "Office" = 'National' WHERE "Id" = {slice.SqlId(referral)};""",
            "case member" => $"""UPDATE case_members SET "Member" = 'mallory' WHERE "Member" = 'second-investigator';""",
            "package recipient" => $"""UPDATE referral_packages SET "RecipientName" = 'Someone else' WHERE "Id" = {slice.SqlId(package.Id)};""",
            "registration number" => $"""UPDATE registration_numbers SET "Ern" = 'UKR-EVD-0009-0001' WHERE "EvidenceId" = {Item(0)};""",
            _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
        });

        var findings = (await VerifyAsync()).Findings;

        var subject = expected
            .Replace("Items[0]", @case.Items[0].Id.ToString(), StringComparison.Ordinal)
            .Replace("Tag[0]", tags[0].ToString(), StringComparison.Ordinal)
            .Replace("Tag[1]", tags[1].ToString(), StringComparison.Ordinal)
            .Replace("Untagged", untagged.ToString(), StringComparison.Ordinal)
            .Replace("Incident", @case.Incident.ToString(), StringComparison.Ordinal)
            .Replace("Official", @case.Official.ToString(), StringComparison.Ordinal)
            .Replace("Referral", referral.ToString(), StringComparison.Ordinal)
            .Replace("Package", package.Id.ToString(), StringComparison.Ordinal);
        if (forgery == "case member")
        {
            // The key itself was changed: the real member's row is gone and a row nobody recorded stands in its place.
            Assert.Contains(findings, f => f.Subject == $"case_members {caseId}/second-investigator" && f.Found == "no row: it was deleted");
            Assert.Contains(findings, f => f.Subject == $"case_members {caseId}/mallory" && f.Found.Contains("no custody event recorded", StringComparison.Ordinal));
            return;
        }
        // That column of that row, and nothing else (erasing an untag also blanks who removed it and why: same row).
        var finding = Assert.Single(findings, f => f.Subject == subject);
        Assert.All(findings, f => Assert.StartsWith(subject[..subject.LastIndexOf(' ')], f.Subject, StringComparison.Ordinal));
        // Free text is compared by hash: the finding names the column, never the child's or the witness's words.
        Assert.DoesNotContain("Witness", finding.Expected + finding.Found, StringComparison.Ordinal);
        Assert.DoesNotContain(ReferralCase.ChildName, finding.Expected + finding.Found, StringComparison.Ordinal);
    }

    /// <summary>Issue 15, case 2: the next package carried forged values as signed truth. It is refused now, with nothing exported.</summary>
    [Theory]
    [InlineData("OriginalName")]
    [InlineData("Note")]
    [InlineData("Name")]
    [InlineData("ProtectedIdentity")]
    [InlineData("Ern")]
    public async Task Package_OverAForgedRow_Refused_NothingExported(string column)
    {
        await slice.TamperAsync(column switch
        {
            "OriginalName" => $"""UPDATE evidence_items SET "OriginalName" = 'harmless.txt' WHERE "Id" = {slice.SqlId(@case.Items[1].Id)};""",
            "Note" => """UPDATE evidence_tags SET "Note" = 'planted' WHERE "RemovedAtUtc" IS NULL;""",
            "Name" => $"""UPDATE perpetrators SET "Name" = 'Someone innocent' WHERE "Id" = {slice.SqlId(@case.Official)};""",
            "ProtectedIdentity" => """UPDATE victims SET "ProtectedIdentity" = NULL;""",
            _ => $"""UPDATE registration_numbers SET "Ern" = 'UKR-EVD-0009-0001' WHERE "EvidenceId" = {slice.SqlId(@case.Items[0].Id)};""",
        });
        var events = await slice.CountCustodyEventsAsync();
        var output = Path.Combine(slice.Home, "second.zip");

        var refused = await Assert.ThrowsAsync<UnavailableException>(() => slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, output)));

        Assert.Contains("do not match the custody ledger", refused.Message, StringComparison.Ordinal);
        Assert.Contains(column, refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.Equal(events, await slice.CountCustodyEventsAsync());
        Assert.Equal(1, await slice.QueryAsync(db => db.ReferralPackages.CountAsync()));
    }

    [Fact]
    public async Task Verify_TagDeleted_IsFound()
    {
        var tag = await slice.QueryAsync(db => db.EvidenceTags.Where(t => t.RemovedAtUtc == null).OrderBy(t => t.TaggedAtUtc).Select(t => t.Id).FirstAsync());
        await slice.TamperAsync($"""DELETE FROM evidence_tags WHERE "Id" = {slice.SqlId(tag)};""");

        var findings = (await VerifyAsync()).Findings;

        var finding = Assert.Single(findings);
        Assert.Equal(($"evidence_tags {tag}", "no row: it was deleted"), (finding.Subject, finding.Found));
    }

    [Fact]
    public async Task Verify_RowInsertedWithoutAnEvent_IsFound()
    {
        var forged = Guid.NewGuid();
        await slice.TamperAsync($"""
            INSERT INTO evidence_tags ("Id", "EvidenceId", "IncidentId", "VictimCode", "Elements", "TaggedAtUtc", "TaggedBy")
            VALUES ({slice.SqlId(forged)}, {slice.SqlId(@case.Items[1].Id)}, {slice.SqlId(@case.Incident)}, 'V-0001', {slice.SqlList()}, '2026-11-30 10:00:00', 'test-investigator');
            """);

        var finding = Assert.Single((await VerifyAsync()).Findings);

        Assert.Equal($"evidence_tags {forged}", finding.Subject);
        Assert.Contains("no custody event recorded", finding.Found, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ForgedMegabyteValue_IsCutInTheFinding()
    {
        await slice.TamperAsync($"""UPDATE referral_packages SET "RecipientReference" = '{new string('x', 1_000_000)}' WHERE "Id" = {slice.SqlId(package.Id)};""");

        var finding = Assert.Single((await VerifyAsync()).Findings);

        Assert.Equal($"referral_packages {package.Id} RecipientReference", finding.Subject);
        Assert.True(finding.Found.Length < 200, finding.Found.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("1000000 characters", finding.Found, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_CarryNoFreeText_OnlyItsHash()
    {
        var leaves = string.Join("\n", await slice.QueryAsync(db => db.CustodyEvents.Select(e => e.Leaf).ToListAsync()));

        Assert.DoesNotContain("звіт свідка", leaves, StringComparison.Ordinal);
        Assert.DoesNotContain("Investigator A", leaves, StringComparison.Ordinal);
        Assert.DoesNotContain("Transfer from a children's home", leaves, StringComparison.Ordinal);
        Assert.DoesNotContain("Official K.", leaves, StringComparison.Ordinal);
        Assert.DoesNotContain("withdrawn later", leaves, StringComparison.Ordinal);
        Assert.Contains(Fact.Sha256("звіт свідка.txt")!, leaves, StringComparison.Ordinal);
    }

    /// <summary>Bytes an event names are never deleted: not by start-up, even when every row about them is gone.</summary>
    [Fact]
    public async Task StartUp_RecentBlobNoRowNames_KeptWhileAnEventNamesIt_RemovedWhenNothingDoes()
    {
        var orphan = "a blob a killed commit promoted but never recorded"u8.ToArray();
        var orphanSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(orphan));
        Directory.CreateDirectory(Path.GetDirectoryName(BlobPath(orphanSha))!);
        await File.WriteAllBytesAsync(BlobPath(orphanSha), orphan);
        // Left a quarter of an hour ago: older than a request in flight, younger than the staging age.
        File.SetLastWriteTimeUtc(BlobPath(orphanSha), DateTime.UtcNow - Evidence.Recovery.UnrecordedBlobs.InFlight - TimeSpan.FromMinutes(5));
        await slice.TamperAsync($"""DELETE FROM evidence_tags; DELETE FROM registration_numbers; DELETE FROM item_metadata; DELETE FROM evidence_items;""");

        await EvidenceServices.PrepareAsync(slice.Services, CancellationToken.None);

        Assert.False(File.Exists(BlobPath(orphanSha)));
        Assert.All(@case.Items, i => Assert.True(File.Exists(BlobPath(i.Sha256))));
    }

    [Fact]
    public async Task StartUp_PackageRowDeleted_PackageFileKept()
    {
        Directory.CreateDirectory(slice.Settings.PackageFolder);
        var inFolder = await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc,
            Path.Combine(slice.Settings.PackageFolder, $"{Guid.NewGuid()}.zip")));
        await slice.TamperAsync($"""DELETE FROM referral_packages WHERE "Id" = {slice.SqlId(inFolder.Id)};""");

        await EvidenceServices.PrepareAsync(slice.Services, CancellationToken.None);

        Assert.True(File.Exists(inFolder.Path));
        Assert.Contains((await VerifyAsync()).Findings, f => f.Subject == $"referral_packages {inFolder.Id}" && f.Found == "no row: it was deleted");
    }
}
