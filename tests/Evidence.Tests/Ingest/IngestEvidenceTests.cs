using System.Security.Cryptography;
using System.Text;
using Evidence.Cases;
using Evidence.Custody;
using Evidence.Ingest;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Ingest;

/// <summary>IngestEvidence through the mediator, against a real SQLite file and the real folder store.</summary>
public sealed class IngestEvidenceTests : IAsyncLifetime
{
    private Slice slice = null!;

    public async Task InitializeAsync() => slice = await Slice.StartAsync();

    public async Task DisposeAsync() => await slice.DisposeAsync();

    [Fact]
    public async Task Ingest_File_RecordsItsHashSizeTypeAndACustodyEvent()
    {
        var bytes = RandomNumberGenerator.GetBytes(2_500_000);
        bytes[0] = 0xFF; bytes[1] = 0xD8; bytes[2] = 0xFF;
        var path = slice.File("photo.pdf", bytes); // the extension lies; the bytes are a JPEG

        var result = await slice.SendAsync(new IngestEvidence(path, "Olena K.", Source: "Phone of W-017", CapturedAt: "2022-10-14T08:30:00+03:00"));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), result.Sha256);
        Assert.Equal(bytes.Length, result.Size);
        Assert.Equal("image/jpeg", result.MediaType);
        Assert.Null(result.DuplicateOf);
        var item = await slice.QueryAsync(db => db.EvidenceItems.SingleAsync());
        Assert.Equal(("photo.pdf", "Olena K.", "Phone of W-017", "2022-10-14T05:30:00Z", "test-investigator"),
            (item.OriginalName, item.Collector, item.Source, item.CapturedAt, item.IngestedBy));
        var custody = await slice.QueryAsync(db => db.CustodyEvents.SingleAsync());
        Assert.Equal((0L, "Ingested", item.Id, result.Sha256, "test-investigator", "Investigator"),
            (custody.Sequence, custody.Action, custody.EvidenceId, custody.Sha256, custody.Actor, custody.Role));
        Assert.DoesNotContain("photo", custody.Details, StringComparison.Ordinal);
        Assert.Equal(bytes, await ReadBlobAsync(result.Sha256));
        Assert.Empty(slice.StagingFiles());
    }

    [SqliteFact] // SQLite's planner, which has no statistics to go by; PostgreSQL's has them
    public async Task DuplicateLookup_SeeksTheHashIndex_RatherThanReadingEveryOriginal()
    {
        // Under the write lock, once per request: a plan that read every original made a bulk ingest slow down with every item
        // already stored (10,000 files: 1.2 s of lookups instead of 0.3 s).
        var plan = await slice.QueryAsync(async db =>
        {
            await db.Database.OpenConnectionAsync();
            await using var command = EvidenceIntake.OriginalsWithSameBytes(db, [new string('a', 64), new string('b', 64)]).CreateDbCommand();
            command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
            var details = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                details.Add(reader.GetString(3));
            }
            return details;
        });

        Assert.Contains(plan, step => step.Contains("USING INDEX IX_evidence_items_Sha256 (Sha256=?)", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.Contains("IX_evidence_items_DuplicateOf", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ingest_SameBytesTwice_StoresOnceAndReportsDuplicateOf()
    {
        var bytes = Encoding.UTF8.GetBytes("statement of witness W-003");
        var first = await slice.SendAsync(new IngestEvidence(slice.File("a.txt", bytes), "A"));
        var second = await slice.SendAsync(new IngestEvidence(slice.File("b/copy.txt", bytes), "B"));

        Assert.Equal(first.Sha256, second.Sha256);
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(first.Id, second.DuplicateOf);
        Assert.Single(await slice.ListBlobsAsync());
        Assert.Equal(2, await slice.CountEvidenceAsync());
        Assert.Equal([0L, 1L], await slice.QueryAsync(db => db.CustodyEvents.OrderBy(e => e.Sequence).Select(e => e.Sequence).ToListAsync()));
    }

    [Fact]
    public async Task Ingest_EmptyFile_IsRefusedUnlessAllowed()
    {
        var path = slice.File("empty.jpg", []);

        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new IngestEvidence(path, "A")));
        Assert.Contains("empty (0 bytes)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--allow-empty", refused.Message, StringComparison.Ordinal);
        await AssertNothingRecordedAsync();

        var allowed = await slice.SendAsync(new IngestEvidence(path, "A", AllowEmpty: true));
        Assert.Equal((0L, "application/x-empty"), (allowed.Size, allowed.MediaType));
    }

    [Fact]
    public async Task Ingest_MissingFile_IsRefusedWithItsPath()
    {
        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            slice.SendAsync(new IngestEvidence(Path.Combine(slice.Home, "nope.jpg"), "A")));

        Assert.Contains("nope.jpg does not exist", refused.Message, StringComparison.Ordinal);
        await AssertNothingRecordedAsync();
    }

    [Fact]
    public async Task Ingest_Folder_IsRefusedByTheRequest()
    {
        var folder = Path.GetDirectoryName(slice.File("x/y.txt", [1]))!;

        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new IngestEvidence(folder, "A")));

        Assert.Contains("is a folder", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_FileThatChangesWhileRead_IsRefusedAndLeavesNothing()
    {
        var path = slice.File("growing.mp4", RandomNumberGenerator.GetBytes(4 << 20));
        var appended = false;
        var request = new IngestEvidence(path, "A")
        {
            // Called after the first chunk is read: another program appends to the file.
            Progress = new SynchronousProgress(_ =>
            {
                if (!appended)
                {
                    appended = true;
                    File.AppendAllText(path, "more bytes");
                }
            }),
        };

        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(request));

        Assert.Contains("changed while it was being read", refused.Message, StringComparison.Ordinal);
        await AssertNothingRecordedAsync();
    }

    [Theory]
    [InlineData("evil\nname.jpg")]
    [InlineData("photo\u202Egpj.exe")]
    [InlineData("..\u2215..\u2215etc\u2215passwd")]
    [InlineData("caf\u0065\u0301.png")]
    [InlineData("\u0434\u0438\u0442\u0438\u043D\u0430 \u0444\u043E\u0442\u043E.jpg")]
    [InlineData("--json")]
    public async Task Ingest_HostileOrOddName_IsKeptExactlyAsMetadataAndNeverUsedAsAPath(string name)
    {
        var path = slice.File(name, Encoding.UTF8.GetBytes("content of " + name));

        var result = await slice.SendAsync(new IngestEvidence(path, "A"));

        Assert.Equal(name, result.OriginalName);
        Assert.Equal(name, await slice.QueryAsync(db => db.EvidenceItems.Select(e => e.OriginalName).SingleAsync()));
        var stored = Directory.GetFiles(slice.Settings.BlobFolder, "*", SearchOption.AllDirectories);
        Assert.Equal([Path.Combine(slice.Settings.BlobFolder, "sha256", result.Sha256[..2], result.Sha256)], stored);
    }

    [Fact]
    public async Task Ingest_PathWithDotDotSegments_IsResolvedToTheFileItNames()
    {
        var path = slice.File("a/b/statement.txt", Encoding.UTF8.GetBytes("statement"));
        var winding = Path.Combine(Path.GetDirectoryName(path)!, "..", "..", "a", "b", "statement.txt");

        var result = await slice.SendAsync(new IngestEvidence(winding, "A"));

        Assert.Equal("statement.txt", result.OriginalName);
    }

    [Theory]
    [InlineData("14/10/2022", "not an ISO 8601 date")]
    [InlineData("2022-10-14T08:30:00", "no offset")]
    [InlineData("2999-01-01", "in the future")]
    [InlineData("2022-13-01", "not an ISO 8601 date")]
    public async Task Ingest_BadCapturedAt_IsRefused(string capturedAt, string expected)
    {
        var path = slice.File("p.txt", [65]);

        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new IngestEvidence(path, "A", CapturedAt: capturedAt)));

        Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
        await AssertNothingRecordedAsync();
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("name\u0007bell")]
    public async Task Ingest_BadCollector_IsRefusedByValidation(string collector)
    {
        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new IngestEvidence(slice.File("p.txt", [65]), collector)));

        Assert.Contains("collector", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_IntoCase_LinksTheItem_AndAnUnknownCaseIsRefused()
    {
        var caseId = await slice.SendAsync(new CreateCase("Kherson, autumn 2022"));
        var path = slice.File("p.txt", [65]);

        var item = await slice.SendAsync(new IngestEvidence(path, "A", caseId));
        await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new IngestEvidence(path, "A", Guid.NewGuid())));

        Assert.Equal(caseId, await slice.QueryAsync(db => db.EvidenceItems.Where(e => e.Id == item.Id).Select(e => e.CaseId).SingleAsync()));
        Assert.Equal(1, await slice.CountEvidenceAsync());
    }

    [Fact]
    public async Task Ingest_ByAnAuditor_IsForbiddenAndRecordsNothing()
    {
        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new IngestEvidence(slice.File("p.txt", [65]), "A"), Role.Auditor));

        await AssertNothingRecordedAsync();
    }

    [SqliteFact]
    public async Task Ingest_WhileAnotherWriterHoldsTheDatabase_FailsCleanlyThenSucceeds()
    {
        await using var locked = await Slice.StartAsync(s => s with { DatabaseBusyTimeout = TimeSpan.FromSeconds(1) });
        var path = locked.File("p.txt", Encoding.UTF8.GetBytes("testimony"));
        await using (var other = new SqliteConnection($"Data Source={locked.Settings.DatabasePath};Pooling=False"))
        {
            await other.OpenAsync();
            await using var hold = other.BeginTransaction(deferred: false);

            var refused = await Assert.ThrowsAsync<UnavailableException>(() => locked.SendAsync(new IngestEvidence(path, "A")));
            Assert.Contains("locked", refused.Message, StringComparison.Ordinal);
            // The bytes were stored at their address before the lock was asked for; nothing records them yet.
            Assert.Equal(0, await locked.CountEvidenceAsync());
            Assert.Single(await locked.ListBlobsAsync());
            Assert.Empty(locked.StagingFiles());
        }

        await locked.SendAsync(new IngestEvidence(path, "A"));
        Assert.Equal(1, await locked.CountEvidenceAsync());
        Assert.Single(await locked.ListBlobsAsync());
        Assert.True((await locked.SendAsync(new VerifyCustody(), Role.Auditor, "auditor")).Clean);
    }

    [SqliteFact]
    public async Task Ingest_CommitFailsAfterTheBlobWasPromoted_NothingRecorded_TheBlobIsSweptOnceNoRequestCanStillHoldIt()
    {
        // A real failure inside the transaction, after promotion: the database refuses the row.
        await using (var connection = new SqliteConnection($"Data Source={slice.Settings.DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "CREATE TRIGGER refuse_insert BEFORE INSERT ON evidence_items BEGIN SELECT RAISE(ABORT, 'disk says no'); END;";
            await command.ExecuteNonQueryAsync();
        }

        var failed = await Assert.ThrowsAsync<UnavailableException>(() => slice.SendAsync(new IngestEvidence(slice.File("p.txt", [1, 2, 3]), "A")));
        Assert.Contains("disk says no", failed.Message, StringComparison.Ordinal);

        // Blobs are stored before the write lock, so the failed request's bytes stay at their address, recorded by nothing and
        // harmless: verify does not count them while a request could still be on its way with them, and the start-up sweep
        // removes them after that.
        Assert.Equal(0, await slice.CountEvidenceAsync());
        Assert.Equal(0, await slice.CountCustodyEventsAsync());
        var left = Assert.Single(await slice.ListBlobsAsync());
        Assert.True((await slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor")).Clean);
        await EvidenceServices.PrepareAsync(slice.Services, CancellationToken.None);
        Assert.Single(await slice.ListBlobsAsync());
        File.SetLastWriteTimeUtc(Path.Combine(slice.Settings.BlobFolder, "sha256", left.Sha256[..2], left.Sha256),
            DateTime.UtcNow - Evidence.Recovery.UnrecordedBlobs.InFlight - TimeSpan.FromMinutes(1));
        await EvidenceServices.PrepareAsync(slice.Services, CancellationToken.None);
        Assert.Empty(await slice.ListBlobsAsync());
        Assert.Equal(0, await slice.CountEvidenceAsync());
    }

    [Fact]
    public async Task Start_StagedFileLeftByACrash_IsRemoved()
    {
        var home = new TestHome();
        await (await Slice.StartAsync(home: home)).Services.DisposeAsync();
        var leftover = Path.Combine(home.Path, "home", "blobs", "staging", "0123.part");
        File.WriteAllBytes(leftover, [1, 2, 3]);

        await using var restarted = await Slice.StartAsync(home: home);

        Assert.False(File.Exists(leftover));
    }

    private async Task AssertNothingRecordedAsync()
    {
        Assert.Equal(0, await slice.CountEvidenceAsync());
        Assert.Equal(0, await slice.CountCustodyEventsAsync());
        Assert.Empty(await slice.ListBlobsAsync());
        Assert.Empty(slice.StagingFiles());
    }

    private async Task<byte[]> ReadBlobAsync(string sha256)
    {
        await using var stream = await slice.Blobs.OpenReadAsync(sha256, CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; the test needs the callback to run before the next read.</summary>
    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
