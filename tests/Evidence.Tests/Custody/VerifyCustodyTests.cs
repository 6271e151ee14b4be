using System.Text;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Ingest;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Azure.Storage.Blobs;
using Microsoft.EntityFrameworkCore;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Evidence.Tests.Custody;

/// <summary>Each tampering an insider with file access could try, and the finding verify reports for it.</summary>
public sealed class VerifyCustodyTests : IAsyncLifetime
{
    private Slice slice = null!;
    private List<IngestedEvidence> items = [];

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        items = await IngestAsync(slice, 5);
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private static async Task<List<IngestedEvidence>> IngestAsync(Slice into, int count)
    {
        var ingested = new List<IngestedEvidence>();
        for (var i = 0; i < count; i++)
        {
            ingested.Add(await into.SendAsync(new IngestEvidence(into.File($"{i}.txt", Encoding.UTF8.GetBytes($"testimony number {i}")), "A")));
        }
        return ingested;
    }

    private static Task<VerificationReport> VerifyAsync(Slice on, string? key = null) => on.SendAsync(new VerifyCustody(key), Role.Auditor, "auditor");

    /// <summary>Runs SQL on the database file as an insider would: the append-only triggers dropped first.</summary>
    private Task TamperAsync(string sql) => slice.SqlAsync("""
        DROP TRIGGER custody_events_no_update; DROP TRIGGER custody_events_no_delete;
        DROP TRIGGER checkpoints_no_update; DROP TRIGGER checkpoints_no_delete;
        """ + sql);

    private string BlobPath(string sha256) => Path.Combine(slice.Settings.BlobFolder, "sha256", sha256[..2], sha256);

    [Fact]
    public async Task Verify_UntouchedInstallation_IsCleanAndRecordsItself()
    {
        var report = await VerifyAsync(slice);

        Assert.Empty(report.Findings);
        Assert.Equal((5, 5, 5L, 5), (report.ItemsChecked, report.BlobsChecked, report.EventsChecked, report.CheckpointsChecked));
        var last = await slice.QueryAsync(db => db.CustodyEvents.OrderByDescending(e => e.Sequence).FirstAsync());
        Assert.Equal(("Verified", "auditor", "Auditor"), (last.Action, last.Actor, last.Role));
        Assert.Empty((await VerifyAsync(slice)).Findings);
    }

    [Fact]
    public async Task Verify_FlippedByteInAStoredBlob_IsFound()
    {
        var path = BlobPath(items[2].Sha256);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[3] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);

        var finding = Assert.Single((await VerifyAsync(slice)).Findings);

        Assert.Equal(("blob", items[2].Sha256), (finding.Kind, finding.Subject));
        Assert.Contains(items[2].Sha256, finding.Expected, StringComparison.Ordinal);
        Assert.DoesNotContain(items[2].Sha256, finding.Found, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_DeletedBlob_IsFound()
    {
        File.Delete(BlobPath(items[0].Sha256));

        var finding = Assert.Single((await VerifyAsync(slice)).Findings);

        Assert.Equal(("blob", items[0].Sha256, "no blob"), (finding.Kind, finding.Subject, finding.Found));
    }

    [Fact]
    public async Task Verify_BlobWithoutARecord_IsFound()
    {
        var stray = new string('7', 64);
        var planted = new string('8', 64);
        Directory.CreateDirectory(Path.GetDirectoryName(BlobPath(stray))!);
        await File.WriteAllBytesAsync(BlobPath(stray), [1]);
        File.SetLastWriteTimeUtc(BlobPath(stray), DateTime.UtcNow - Evidence.Recovery.UnrecordedBlobs.InFlight - TimeSpan.FromMinutes(1));
        // Younger than that, it may be a request's on its way to the write lock (blobs are stored before it): not yet a finding.
        Directory.CreateDirectory(Path.GetDirectoryName(BlobPath(planted))!);
        await File.WriteAllBytesAsync(BlobPath(planted), [2]);
        // Dated in the future, it is no request's: its time was set by hand to hide it in that window (hostile review, issue 19).
        var future = new string('9', 64);
        Directory.CreateDirectory(Path.GetDirectoryName(BlobPath(future))!);
        await File.WriteAllBytesAsync(BlobPath(future), [3]);
        File.SetLastWriteTimeUtc(BlobPath(future), new DateTime(2099, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var findings = (await VerifyAsync(slice)).Findings;

        Assert.Equal([("blob", stray), ("blob", future)], findings.Select(f => (f.Kind, f.Subject)).Order());
        Assert.Contains("dated in the future", findings.Single(f => f.Subject == future).Found, StringComparison.Ordinal);
    }

    [SqliteFact]
    public async Task Verify_EditedEventRow_IsFoundAtTheEventAndAgainstTheCheckpoints()
    {
        await TamperAsync("UPDATE custody_events SET Actor = 'someone-else' WHERE Sequence = 1;");

        var findings = (await VerifyAsync(slice)).Findings;

        Assert.Contains(findings, f => f.Kind == "event" && f.Subject == "#1" && f.Found.Contains("someone-else", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Kind == "checkpoint" && f.Found.Contains("rebuilt from the events", StringComparison.Ordinal));
    }

    [SqliteFact]
    public async Task Verify_EventRewrittenConsistently_IsFoundAgainstTheSignedCheckpoints()
    {
        // The insider rewrites the fields, the leaf and the leaf hash together: only the signed roots remain.
        var e = await slice.QueryAsync(db => db.CustodyEvents.AsNoTracking().SingleAsync(x => x.Sequence == 1));
        var details = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(e.Details)!;
        var leaf = CustodyLeaf.Json(1, e.OccurredAtUtc.AddDays(-30), e.Actor, e.Role, e.Action, e.EvidenceId, e.Sha256, details);
        var leafHash = Convert.ToHexStringLower(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(leaf)));
        await TamperAsync($"UPDATE custody_events SET OccurredAtUtc = '{e.OccurredAtUtc.AddDays(-30):yyyy-MM-dd HH:mm:ss.fff}', Leaf = '{leaf}', LeafHash = '{leafHash}' WHERE Sequence = 1;");

        var findings = (await VerifyAsync(slice)).Findings;

        Assert.DoesNotContain(findings, f => f.Kind == "event");
        Assert.Equal(4, findings.Count(f => f.Kind == "checkpoint" && f.Found.Contains("rebuilt from the events", StringComparison.Ordinal)));
    }

    [SqliteFact]
    public async Task Verify_DeletedEventRow_IsFound()
    {
        await TamperAsync("DELETE FROM custody_events WHERE Sequence = 2;");

        var findings = (await VerifyAsync(slice)).Findings;

        Assert.Contains(findings, f => f.Kind == "event" && f.Subject == "#2" && f.Found.Contains("missing", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Kind == "record" && f.Subject == $"evidence_items {items[2].Id}" && f.Found.Contains("no custody event", StringComparison.Ordinal));
    }

    [SqliteFact]
    public async Task Verify_LastEventsDeleted_IsFoundAgainstTheLatestCheckpoint()
    {
        await TamperAsync("DELETE FROM custody_events WHERE Sequence = 4;");

        var findings = (await VerifyAsync(slice)).Findings;

        Assert.Contains(findings, f => f.Kind == "checkpoint" && f.Found.Contains("events were removed", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Kind == "ledger");
        var refused = await Assert.ThrowsAsync<UnavailableException>(() => slice.SendAsync(new IngestEvidence(slice.File("after.txt", [1]), "A")));
        Assert.Contains("ledger is damaged", refused.Message, StringComparison.Ordinal);
    }

    [SqliteFact]
    public async Task Verify_EventInsertedInTheMiddle_IsFound()
    {
        await TamperAsync("""
            UPDATE custody_events SET Sequence = -(Sequence + 1) WHERE Sequence >= 2;
            UPDATE custody_events SET Sequence = -Sequence WHERE Sequence < 0;
            INSERT INTO custody_events (Sequence, OccurredAtUtc, Actor, Role, Action, EvidenceId, Sha256, Details, Leaf, LeafHash)
              SELECT 2, OccurredAtUtc, 'forger', Role, 'Transferred', EvidenceId, Sha256, Details, Leaf, LeafHash FROM custody_events WHERE Sequence = 1;
            """);

        var findings = (await VerifyAsync(slice)).Findings;

        Assert.Contains(findings, f => f.Kind == "event" && f.Subject == "#2");
        Assert.Contains(findings, f => f.Kind == "event" && f.Subject == "#3");
        Assert.Contains(findings, f => f.Kind == "checkpoint" && f.Found.Contains("rebuilt from the events", StringComparison.Ordinal));
    }

    [SqliteFact]
    public async Task Verify_CheckpointResignedWithAnotherKey_IsFound()
    {
        var latest = await slice.QueryAsync(db => db.Checkpoints.OrderByDescending(c => c.Id).FirstAsync());
        var body = latest.Text[..(latest.Text.IndexOf("\n\n", StringComparison.Ordinal) + 1)];
        var impostor = new NoteSigner(slice.Settings.LedgerName, new Ed25519PrivateKeyParameters(new SecureRandom()));
        await TamperAsync($"UPDATE checkpoints SET Text = '{impostor.Sign(body)}' WHERE Id = {latest.Id};");

        var findings = (await VerifyAsync(slice)).Findings;

        var finding = Assert.Single(findings, f => f.Kind == "checkpoint");
        // The key the insider made is named: no KeyRotated event introduced it.
        Assert.Equal($"no valid signature by that key; signed by {impostor.Verifier.Signer}, a key no KeyRotated event in a checkpoint signed by a trusted key introduced",
            finding.Found);
        Assert.Contains($"checkpoint {latest.Id}", finding.Subject, StringComparison.Ordinal);
        Assert.Contains(findings, f => f.Found.Contains("later events have no checkpoint", StringComparison.Ordinal));
    }

    [SqliteFact]
    public async Task Verify_CheckpointWithItsRootChanged_IsFound()
    {
        var latest = await slice.QueryAsync(db => db.Checkpoints.OrderByDescending(c => c.Id).FirstAsync());
        var lines = latest.Text.Split('\n');
        lines[2] = Convert.ToBase64String(new byte[32]);
        await TamperAsync($"UPDATE checkpoints SET Text = '{string.Join('\n', lines)}', RootHash = '{new string('0', 64)}' WHERE Id = {latest.Id};");

        var finding = Assert.Single((await VerifyAsync(slice)).Findings, f => f.Kind == "checkpoint");

        Assert.Equal("no valid signature by that key", finding.Found);
    }

    [Fact]
    public async Task Verify_PinnedToAnotherKey_FindsEveryCheckpointUnsigned()
    {
        var other = new NoteSigner(slice.Settings.LedgerName, new Ed25519PrivateKeyParameters(new SecureRandom())).Verifier.VerifierKey;

        var findings = (await VerifyAsync(slice, other)).Findings;

        Assert.Equal(5, findings.Count(f => f.Kind == "checkpoint" && f.Found.StartsWith("no valid signature by that key; signed by evidence.local/ledger+", StringComparison.Ordinal)));
        await Assert.ThrowsAsync<InvalidRequestException>(() => VerifyAsync(slice, "not-a-key"));
    }

    [Fact]
    public async Task Verify_ByAnInvestigator_IsForbidden()
    {
        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new VerifyCustody()));
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class VerifyCustodyOnAzuriteTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Verify_FlippedByteInAnAzureBlob_IsFound()
    {
        await using var slice = await Slice.StartOnAzuriteAsync(azurite.Server);
        var bytes = Encoding.UTF8.GetBytes("adoption record, synthetic");
        var item = await slice.SendAsync(new IngestEvidence(slice.File("record.txt", bytes), "A"));
        Assert.Empty((await slice.SendAsync(new VerifyCustody(), Role.Auditor)).Findings);

        bytes[0] ^= 0x20;
        var blob = new BlobContainerClient(azurite.Server.ConnectionString, slice.Settings.AzureBlobContainer).GetBlobClient($"sha256/{item.Sha256[..2]}/{item.Sha256}");
        await blob.UploadAsync(BinaryData.FromBytes(bytes), overwrite: true);

        var finding = Assert.Single((await slice.SendAsync(new VerifyCustody(), Role.Auditor)).Findings);
        Assert.Equal(("blob", item.Sha256), (finding.Kind, finding.Subject));
    }
}
