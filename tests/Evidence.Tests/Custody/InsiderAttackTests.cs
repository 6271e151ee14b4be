using System.Security.Cryptography;
using System.Text.Json;
using Evidence.Cases;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Search;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Referrals;
using Evidence.Viewing;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Custody;

/// <summary>
/// What a hostile review found after the ledger became the record, each as the attack it was: a database administrator
/// who rewrites events as well as rows, re-cases ids and hashes, or edits the columns beside a leaf; and an investigator
/// outside a case. Runs on SQLite and, in the PostgreSQL pass, on PostgreSQL.
/// </summary>
public sealed class InsiderAttackTests : IAsyncLifetime
{
    private Slice slice = null!;
    private ReferralCase @case = null!;

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        @case = await ReferralCase.CreateAsync(slice);
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private Task<VerificationReport> VerifyAsync() => slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor");

    private string BlobPath(string sha256) => Path.Combine(slice.Settings.BlobFolder, "sha256", sha256[..2], sha256);

    private Task<int> CountCheckpointsAsync() => slice.QueryAsync(db => db.Checkpoints.CountAsync());

    /// <summary>
    /// The administrator rewrites an Ingested event (a forged collector), its leaf hash and every cached subtree hash on
    /// its path, so that the stored tree is self-consistent; only the signed checkpoints disagree. Before, the next
    /// request signed a checkpoint over the forged tree, and deleting the older checkpoints then made verify clean.
    /// </summary>
    [Fact]
    public async Task EventAndTreeCacheRewritten_NothingSignsOverIt_AndVerifySaysSo()
    {
        var item = @case.Items[1];
        var forged = await slice.QueryAsync(db => db.CustodyEvents.AsNoTracking().SingleAsync(e => e.EvidenceId == item.Id && e.Action == "Ingested"));
        var details = JsonSerializer.Deserialize<Dictionary<string, string>>(forged.Details)!;
        details["collectorSha256"] = Fact.Sha256("Forged Collector")!;
        var leaf = CustodyLeaf.Json(forged.Sequence, forged.OccurredAtUtc, forged.Actor, forged.Role, forged.Action, forged.EvidenceId, forged.Sha256, details);
        var leaves = await slice.QueryAsync(db => db.CustodyEvents.OrderBy(e => e.Sequence).Select(e => e.Leaf).ToListAsync());
        leaves[(int)forged.Sequence] = leaf;
        var sql = $"""
            UPDATE custody_events SET "Leaf" = '{leaf}', "Details" = '{JsonSerializer.Serialize(details)}', "LeafHash" = '{Convert.ToHexStringLower(MerkleTree.LeafHash(CustodyLeaf.Bytes(leaf)))}' WHERE "Sequence" = {forged.Sequence};
            UPDATE evidence_items SET "Collector" = 'Forged Collector' WHERE "Id" = {slice.SqlId(item.Id)};
            """;
        // Every stored perfect subtree on the forged leaf's path, recomputed as an administrator with our code would.
        var hashes = leaves.Select(l => MerkleTree.LeafHash(CustodyLeaf.Bytes(l))).ToList();
        for (var level = 0; (1L << level) <= leaves.Count; level++)
        {
            var start = forged.Sequence >> level << level;
            if (start + (1L << level) <= leaves.Count)
            {
                var node = MerkleTree.Root(hashes.GetRange((int)start, 1 << level));
                sql += $"""UPDATE merkle_nodes SET "Hash" = {slice.SqlBytes(node)} WHERE "Level" = {level} AND "Index" = {forged.Sequence >> level};""" + "\n";
            }
        }
        await slice.TamperAsync(sql);
        var checkpoints = await CountCheckpointsAsync();

        var report = await VerifyAsync();
        var ingest = await Assert.ThrowsAsync<UnavailableException>(() => slice.SendAsync(new IngestEvidence(slice.File("new.txt", "new"u8.ToArray()), "A")));
        var package = await Assert.ThrowsAsync<UnavailableException>(() => slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(slice.Home, "p.zip"))));

        Assert.Contains(report.Findings, f => f.Kind == "checkpoint" && f.Found.Contains("rebuilt from the events", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Subject == "append point");
        Assert.Equal(checkpoints, await CountCheckpointsAsync());
        Assert.Contains("damaged", ingest.Message, StringComparison.Ordinal);
        Assert.Contains("checkpoint", package.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(slice.Home, "p.zip")));
    }

    /// <summary>The columns beside a leaf (its details) are not what a package trusts: a forged row whose event's details column was thinned is refused.</summary>
    [Fact]
    public async Task Package_RowForgedAndItsEventsDetailsColumnThinned_Refused()
    {
        var item = @case.Items[0];
        var ingested = await slice.QueryAsync(db => db.CustodyEvents.AsNoTracking().SingleAsync(e => e.EvidenceId == item.Id && e.Action == "Ingested"));
        var details = JsonSerializer.Deserialize<Dictionary<string, string>>(ingested.Details)!;
        details.Remove("collectorSha256");
        await slice.TamperAsync($"""
            UPDATE custody_events SET "Details" = '{JsonSerializer.Serialize(details)}' WHERE "Sequence" = {ingested.Sequence};
            UPDATE evidence_items SET "Collector" = 'Forged Collector' WHERE "Id" = {slice.SqlId(item.Id)};
            """);

        var refused = await Assert.ThrowsAsync<UnavailableException>(() => slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(slice.Home, "p.zip"))));

        Assert.Contains($"evidence_items {item.Id} Collector", refused.Message, StringComparison.Ordinal);
        Assert.Contains((await VerifyAsync()).Findings, f => f.Kind == "event" && f.Subject == $"#{ingested.Sequence}");
    }

    /// <summary>Hashes re-cased in every table made start-up take every recent blob for a leftover and delete it.</summary>
    [Fact]
    public async Task StartUp_HashesRecasedInEveryTable_BlobsKept_AndVerifyReportsWithoutCrashing()
    {
        await slice.TamperAsync("""UPDATE custody_events SET "Sha256" = upper("Sha256"); UPDATE evidence_items SET "Sha256" = upper("Sha256");""");

        await EvidenceServices.PrepareAsync(slice.Services, CancellationToken.None);
        var report = await VerifyAsync();

        Assert.All(@case.Items, i => Assert.True(File.Exists(BlobPath(i.Sha256))));
        Assert.Contains(report.Findings, f => f.Kind == "blob" && f.Expected.Contains("lower-case hex", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Kind == "event");
    }

    [Fact]
    public async Task Verify_HashThatIsNoHash_AFindingNotACrash()
    {
        await slice.TamperAsync($"""UPDATE evidence_items SET "Sha256" = '../../keys/ledger-ed25519.pem' WHERE "Id" = {slice.SqlId(@case.Items[0].Id)};""");

        var report = await VerifyAsync();

        // (PostgreSQL's fixed-width column pads it with spaces.)
        Assert.Contains(report.Findings, f => f.Kind == "blob" && f.Subject.TrimEnd() == "../../keys/ledger-ed25519.pem");
        Assert.Contains(report.Findings, f => f.Subject == $"evidence_items {@case.Items[0].Id} Sha256");
    }

    /// <summary>A re-cased id hides a tag from every query that compares ids as text (SQLite), while it still parses to the same Guid.</summary>
    [SqliteFact]
    public async Task Verify_IdRecasedInATag_Found()
    {
        await slice.TamperAsync("""UPDATE evidence_tags SET "IncidentId" = lower("IncidentId") WHERE "VictimCode" IS NOT NULL;""");

        var findings = (await VerifyAsync()).Findings;

        Assert.Contains(findings, f => f.Subject == $"evidence_tags IncidentId {@case.Incident.ToString().ToLowerInvariant()}");
    }

    /// <summary>Two elements merged into one value kept the same space-joined text, and the elements matrix lost an item.</summary>
    [Fact]
    public async Task Verify_TagElementsMergedIntoOneValue_Found()
    {
        var tag = await slice.QueryAsync(db => db.EvidenceTags.SingleAsync(t => t.EvidenceId == @case.Items[1].Id));
        await slice.TamperAsync($"""UPDATE evidence_tags SET "Elements" = {slice.SqlList(string.Join(" ", tag.Elements))} WHERE "Id" = {slice.SqlId(tag.Id)};""");

        Assert.Contains((await VerifyAsync()).Findings, f => f.Subject == $"evidence_tags {tag.Id} Elements");
    }

    [Fact]
    public async Task Verify_MegabyteInAnEventsLeafAndDetails_FindingsStayShort()
    {
        var padding = new string('x', 1_000_000);
        var details = JsonSerializer.Serialize(new { size = padding });
        await slice.TamperAsync($"""UPDATE custody_events SET "Leaf" = "Leaf" || '{padding}', "Details" = '{details}' WHERE "Sequence" = 1;""");

        var findings = (await VerifyAsync()).Findings;

        Assert.Contains(findings, f => f.Subject == "#1");
        Assert.All(findings, f => Assert.True(f.Expected.Length + f.Found.Length < 1000, f.Subject));
    }

    /// <summary>A membership row inserted in the database used to let its colluding investigator read a child's name at once.</summary>
    [Fact]
    public async Task Reveal_ThroughAMembershipRowNoEventRecorded_Refused()
    {
        var caseId = await slice.SendAsync(new CreateCase("Case B"), actor: "olena");
        var child = await slice.SendAsync(new AddVictim(7, Identity: new VictimIdentity("Synthetic Secret Name"), CaseId: caseId), actor: "olena");
        await slice.TamperAsync($"""INSERT INTO case_members ("CaseId", "Member", "AddedAtUtc", "AddedBy") VALUES ({slice.SqlId(caseId)}, 'ivan', '2026-11-30 10:00:00', 'olena');""");

        var refused = await Assert.ThrowsAsync<UnavailableException>(() => slice.SendAsync(new RevealVictimIdentity(child, "curious"), actor: "ivan"));

        Assert.Contains($"case_members {caseId}/ivan", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Synthetic Secret Name", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(await slice.QueryAsync(db => db.CustodyEvents.Select(e => e.Action).ToListAsync()), a => a == "IdentityRevealed");
    }

    /// <summary>A child of another case appeared by code in an outsider's search results and item page.</summary>
    [Fact]
    public async Task SearchAndItemPage_ChildOfAnotherCase_NotShownToAnOutsider()
    {
        var caseB = await slice.SendAsync(new CreateCase("Case B"), actor: "olena");
        var child = await slice.SendAsync(new AddVictim(7, CaseId: caseB), actor: "olena");
        var caseA = await slice.SendAsync(new CreateCase("Case A"), actor: "bridge");
        await slice.SendAsync(new AddCaseMember(caseB, "bridge"), actor: "olena");
        await slice.SendAsync(new AddCaseMember(caseA, "ivan"), actor: "bridge");
        var item = await slice.SendAsync(new IngestEvidence(slice.File("a.txt", "photo in case A"u8.ToArray()), "A", CaseId: caseA), actor: "bridge");
        await slice.SendAsync(new TagEvidence(item.Id, VictimCode: child), actor: "bridge");

        var filtered = await slice.SendAsync(new SearchEvidence(VictimCode: child), actor: "ivan");
        var all = await slice.SendAsync(new SearchEvidence(), actor: "ivan");
        var page = await slice.SendAsync(new GetEvidence(item.Id), actor: "ivan");

        Assert.Empty(filtered);
        Assert.DoesNotContain(all, r => r.Victims.Contains(child));
        Assert.All(page.Tags, t => Assert.Null(t.VictimCode));
        Assert.DoesNotContain(page.Custody, e => e.Details.Values.Contains(child));
        Assert.Single(await slice.SendAsync(new SearchEvidence(VictimCode: child), actor: "bridge"));
    }
}
