using System.Text;
using Evidence.Access;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Ingest;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Ingest;

/// <summary>
/// IngestEvidenceFiles (what a bulk `evidence ingest FOLDER` sends): several files in one unit of work, each recorded whole
/// or not at all, against a real SQLite file and the real folder store.
/// </summary>
public sealed class IngestEvidenceFilesTests : IAsyncLifetime
{
    private Slice slice = null!;

    public async Task InitializeAsync() => slice = await Slice.StartAsync();

    public async Task DisposeAsync() => await slice.DisposeAsync();

    [Fact]
    public async Task SeveralFiles_EachRecordedWithItsOwnEvent_InTheOrderSent_OneCheckpoint()
    {
        var checkpointsBefore = await slice.QueryAsync(db => db.Checkpoints.CountAsync());
        var files = Enumerable.Range(0, 20).Select(i => new IngestEvidence(slice.File($"statement-{i:D2}.txt", Encoding.UTF8.GetBytes($"statement {i}")), "Olena K.")).ToList();

        var outcomes = await slice.SendAsync(new IngestEvidenceFiles(files));

        Assert.All(outcomes, o => Assert.Null(o.Refused));
        var items = await slice.QueryAsync(db => db.EvidenceItems.ToListAsync());
        var events = await slice.QueryAsync(db => db.CustodyEvents.OrderBy(e => e.Sequence).ToListAsync());
        Assert.Equal(outcomes.Select(o => o.Ingested!.Id), events.Select(e => e.EvidenceId!.Value));
        Assert.All(events, e => Assert.Equal("Ingested", e.Action));
        Assert.Equal(files.Select(f => Path.GetFileName(f.FilePath)), events.Select(e => items.Single(i => i.Id == e.EvidenceId).OriginalName));
        Assert.Equal(20, (await slice.ListBlobsAsync()).Count);
        Assert.Equal(checkpointsBefore + 1, await slice.QueryAsync(db => db.Checkpoints.CountAsync()));
        Assert.Empty(slice.StagingFiles());
        Assert.True((await slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor")).Clean);
    }

    [Fact]
    public async Task RefusedFilesInTheMiddle_AnsweredAlone_NothingOfThemKept_TheOthersRecorded()
    {
        var folder = Path.GetDirectoryName(slice.File("sub/placeholder.txt", [1]))!;
        var files = new List<IngestEvidence>
        {
            new(slice.File("before.txt", Encoding.UTF8.GetBytes("before")), "A"),
            new(slice.File("empty.txt", []), "A"),                                    // empty, and not allowed to be
            new(slice.File("missing.txt", [2]) + ".gone", "A"),                        // not there
            new(folder, "A"),                                                          // a folder
            new(slice.File("bad-collector.txt", Encoding.UTF8.GetBytes("x")), "A\u0007"), // a field problem
            new(slice.File("future.txt", Encoding.UTF8.GetBytes("y")), "A", CapturedAt: "2999-01-01"),
            new(slice.File("after.txt", Encoding.UTF8.GetBytes("after")), "A"),
        };

        var outcomes = await slice.SendAsync(new IngestEvidenceFiles(files));

        Assert.Equal(7, outcomes.Count);
        Assert.NotNull(outcomes[0].Ingested);
        Assert.Contains("is empty", Assert.IsType<InvalidRequestException>(outcomes[1].Refused).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.IsType<InvalidRequestException>(outcomes[2].Refused).Message, StringComparison.Ordinal);
        Assert.Contains("is a folder", Assert.IsType<InvalidRequestException>(outcomes[3].Refused).Message, StringComparison.Ordinal);
        Assert.NotEmpty(Assert.IsType<InvalidRequestException>(outcomes[4].Refused).Problems);
        Assert.IsType<InvalidRequestException>(outcomes[5].Refused);
        Assert.NotNull(outcomes[6].Ingested);
        Assert.All(outcomes.Where(o => o.Refused is not null), o => Assert.Null(o.Ingested));

        var names = await slice.QueryAsync(db => db.EvidenceItems.OrderBy(e => e.IngestedAtUtc).Select(e => e.OriginalName).ToListAsync());
        Assert.Equal(["before.txt", "after.txt"], names);
        Assert.Equal(2, await slice.CountCustodyEventsAsync());
        Assert.Equal(2, (await slice.ListBlobsAsync()).Count);
        Assert.Empty(slice.StagingFiles());
        Assert.True((await slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor")).Clean);
    }

    [Fact]
    public async Task SameBytesTwiceInOneRequest_AndOnceStoredBefore_EachNamesTheFirstRecorded()
    {
        var bytes = Encoding.UTF8.GetBytes("adoption record, scanned twice");
        var stored = await slice.SendAsync(new IngestEvidence(slice.File("earlier.pdf", bytes), "A"));
        var other = Encoding.UTF8.GetBytes("citizenship record");

        var outcomes = await slice.SendAsync(new IngestEvidenceFiles(
        [
            new IngestEvidence(slice.File("new-1.txt", other), "A"),
            new IngestEvidence(slice.File("copy-1.pdf", bytes), "A"),
            new IngestEvidence(slice.File("new-2.txt", other), "A"),
            new IngestEvidence(slice.File("copy-2.pdf", bytes), "A"),
        ]));

        var ingested = outcomes.Select(o => o.Ingested!).ToList();
        Assert.Null(ingested[0].DuplicateOf);
        Assert.Equal(stored.Id, ingested[1].DuplicateOf);
        Assert.Equal(ingested[0].Id, ingested[2].DuplicateOf);
        Assert.Equal(stored.Id, ingested[3].DuplicateOf);
        // What the answer says is what was recorded.
        var recorded = await slice.QueryAsync(db => db.EvidenceItems.ToDictionaryAsync(e => e.Id, e => e.DuplicateOf));
        Assert.All(ingested, i => Assert.Equal(i.DuplicateOf, recorded[i.Id]));
        Assert.Equal(2, (await slice.ListBlobsAsync()).Count);
        Assert.True((await slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor")).Clean);
    }

    [Fact]
    public async Task ARequestReadBeforeAnotherButWrittenAfterIt_ItsCopiesAllNameTheOriginal_AndSoDoesALaterCopy()
    {
        // What a bulk ingest does all the time: four requests are read side by side and written in the folder's order, so a
        // file of the second request is often read (and stamped) before the last file of the first one is, yet recorded after
        // it. Every copy must name the one original (the first recorded), never another copy.
        var bytes = Encoding.UTF8.GetBytes("birth certificate, scanned three times");
        await using var later = slice.Services.CreateAsyncScope();
        later.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("test-investigator", Role.Investigator);
        var turn = later.ServiceProvider.GetRequiredService<CommitTurn>();
        var mayQueue = new TaskCompletionSource();
        turn.After = mayQueue.Task;
        var readFirst = later.ServiceProvider.GetRequiredService<IMediator>().Send(new IngestEvidenceFiles(
        [
            new IngestEvidence(slice.File("copy-b.pdf", bytes), "A"),
            new IngestEvidence(slice.File("copy-c.pdf", bytes), "A"),
        ]));
        // Read, stamped and promoted; now waiting for its turn.
        for (var waited = 0; (await slice.ListBlobsAsync()).Count == 0; waited++)
        {
            Assert.True(waited < 500, "the request was never read");
            await Task.Delay(20);
        }

        var original = await slice.SendAsync(new IngestEvidence(slice.File("copy-a.pdf", bytes), "A"));
        mayQueue.SetResult();
        var copies = (await readFirst).Select(o => o.Ingested!).ToList();
        var afterwards = await slice.SendAsync(new IngestEvidence(slice.File("copy-d.pdf", bytes), "A"));

        Assert.Null(original.DuplicateOf);
        Assert.All(copies, c => Assert.Equal(original.Id, c.DuplicateOf));
        Assert.Equal(original.Id, afterwards.DuplicateOf);
        var recorded = await slice.QueryAsync(db => db.EvidenceItems.ToDictionaryAsync(e => e.Id, e => e.DuplicateOf));
        Assert.Equal(3, recorded.Values.Count(d => d == original.Id));
        Assert.Null(recorded[original.Id]);
    }

    [Fact]
    public async Task AFileTheDiskFailsToRead_RefusedAlone_ItsNeighboursRecorded()
    {
        // A damaged card or disk answers a read with EIO; /proc/self/mem does the same at offset 0, where nothing is mapped.
        var outcomes = await slice.SendAsync(new IngestEvidenceFiles(
        [
            new IngestEvidence(slice.File("before.txt", Encoding.UTF8.GetBytes("before")), "A"),
            new IngestEvidence("/proc/self/mem", "A", AllowEmpty: true),
            new IngestEvidence(slice.File("after.txt", Encoding.UTF8.GetBytes("after")), "A"),
        ]));

        Assert.NotNull(outcomes[0].Ingested);
        Assert.Contains("cannot be read", Assert.IsType<InvalidRequestException>(outcomes[1].Refused).Message, StringComparison.Ordinal);
        Assert.NotNull(outcomes[2].Ingested);
        Assert.Equal(2, await slice.CountEvidenceAsync());
        Assert.Empty(slice.StagingFiles());
        Assert.True((await slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor")).Clean);
    }

    [Fact]
    public async Task AFileReplacedByALinkToOutsideItsFolder_AfterTheListing_IsRefused()
    {
        // Whoever controls the folder being ingested controls its timing: once it was listed, a file can become a link to
        // anything this account may read (its ledger key). The listing follows only links that stay inside the folder;
        // the read must too.
        var key = Encoding.UTF8.GetBytes("PRIVATE KEY ".PadRight(300, 'k'));
        var secret = slice.File("outside/ledger.key", key);
        var folder = Path.GetDirectoryName(slice.File("upload/statement.txt", Encoding.UTF8.GetBytes("statement")))!;
        var swapped = Path.Combine(folder, "photo.jpg");
        // Padded with slashes to the key's size: the link's own size is what a check of the size before and after the read sees.
        File.CreateSymbolicLink(swapped, Path.GetDirectoryName(secret) + new string('/', key.Length - secret.Length + 1) + Path.GetFileName(secret));

        var outcomes = await slice.SendAsync(new IngestEvidenceFiles(
        [
            new IngestEvidence(Path.Combine(folder, "statement.txt"), "A") { Within = folder },
            new IngestEvidence(swapped, "A") { Within = folder },
        ]));

        Assert.True(outcomes[0].Ingested is not null, outcomes[0].Refused?.Message);
        Assert.Contains("link to outside the folder", Assert.IsType<InvalidRequestException>(outcomes[1].Refused).Message, StringComparison.Ordinal);
        Assert.Equal(1, await slice.CountEvidenceAsync());
        Assert.Empty(slice.StagingFiles());
    }

    [Fact]
    public async Task ALinkInsideTheFolder_IsReadAsItsTarget()
    {
        // The walk follows a link that stays inside the folder; its size and time are its target's, not the link's own.
        var folder = Path.GetDirectoryName(slice.File("upload/statement.txt", Encoding.UTF8.GetBytes("statement")))!;
        var inside = Path.Combine(folder, "same-statement.txt");
        File.CreateSymbolicLink(inside, Path.Combine(folder, "statement.txt"));

        var outcomes = await slice.SendAsync(new IngestEvidenceFiles([new IngestEvidence(inside, "A") { Within = folder }]));

        Assert.True(outcomes[0].Ingested is not null, outcomes[0].Refused?.Message);
        Assert.Equal("same-statement.txt", outcomes[0].Ingested!.OriginalName);
        Assert.Equal(9, outcomes[0].Ingested!.Size);
    }

    [Fact]
    public async Task AFifoInTheFolder_IsRefused_NotWaitedOnForever()
    {
        // A FIFO is listed like a file; opening it waits for a writer that never comes.
        var fifo = Path.Combine(Path.GetDirectoryName(slice.File("upload/statement.txt", Encoding.UTF8.GetBytes("statement")))!, "photo.jpg");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
        }

        var sent = slice.SendAsync(new IngestEvidenceFiles(
        [
            new IngestEvidence(fifo, "A", AllowEmpty: true),
            new IngestEvidence(Path.Combine(Path.GetDirectoryName(fifo)!, "statement.txt"), "A"),
        ]));
        var outcomes = await sent.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("cannot be read", Assert.IsType<InvalidRequestException>(outcomes[0].Refused).Message, StringComparison.Ordinal);
        Assert.NotNull(outcomes[1].Ingested);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(IngestEvidenceFiles.MaxFiles + 1)]
    public async Task NoFiles_OrTooMany_RefusedWhole_NothingRecorded(int count)
    {
        var file = slice.File("one.txt", [1, 2, 3]);

        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            slice.SendAsync(new IngestEvidenceFiles([.. Enumerable.Repeat(new IngestEvidence(file, "A"), count)])));

        Assert.NotEmpty(refused.Problems);
        Assert.Equal(0, await slice.CountEvidenceAsync());
        Assert.Empty(await slice.ListBlobsAsync());
    }

    [Fact]
    public async Task OnlyAnInvestigator_MaySendIt()
    {
        var file = slice.File("one.txt", [1, 2, 3]);

        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new IngestEvidenceFiles([new IngestEvidence(file, "A")]), Role.Auditor, "auditor"));

        Assert.Equal(0, await slice.CountEvidenceAsync());
    }

    [SqliteFact]
    public async Task TheDatabaseRefusingOneRow_RefusesTheWholeRequest_NothingOfItRecorded()
    {
        await slice.TamperAsync("""
            CREATE TRIGGER poison BEFORE INSERT ON evidence_items WHEN NEW."OriginalName" = 'poison.txt'
            BEGIN SELECT RAISE(ABORT, 'the database refuses this one'); END;
            """);

        var failure = await Assert.ThrowsAsync<UnavailableException>(() => slice.SendAsync(new IngestEvidenceFiles(
        [
            new IngestEvidence(slice.File("first.txt", [1]), "A"),
            new IngestEvidence(slice.File("poison.txt", [2]), "A"),
            new IngestEvidence(slice.File("third.txt", [3]), "A"),
        ])));

        Assert.Contains("the database refuses this one", failure.Message, StringComparison.Ordinal);
        Assert.False(failure.MayHaveBeenRecorded);
        Assert.Equal(0, await slice.CountEvidenceAsync());
        Assert.Equal(0, await slice.CountCustodyEventsAsync());
        Assert.Empty(slice.StagingFiles());
        // Its blobs were promoted before the write: unrecorded content-addressed blobs, which the sweep removes, and which
        // `verify` does not count as evidence.
        Assert.True((await slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor")).Clean);
    }

    [Fact]
    public async Task OneScope_TwoRequestsOneAfterTheOther_EachRecordsOnlyItsOwnItems()
    {
        // A web request is one scope, and may send several requests: the second must not carry the first one's items.
        await using var scope = slice.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("test-investigator", Role.Investigator);
        var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();

        var first = await mediator.Send(new IngestEvidenceFiles([new IngestEvidence(slice.File("a.txt", [1]), "A"), new IngestEvidence(slice.File("b.txt", [2]), "A")]));
        var refused = await mediator.Send(new IngestEvidenceFiles([new IngestEvidence(slice.File("empty.txt", []), "A")]));
        var second = await mediator.Send(new IngestEvidence(slice.File("c.txt", [3]), "A"));

        Assert.All(first, o => Assert.NotNull(o.Ingested));
        Assert.NotNull(Assert.Single(refused).Refused);
        var events = await slice.QueryAsync(db => db.CustodyEvents.OrderBy(e => e.Sequence).Select(e => e.EvidenceId).ToListAsync());
        Assert.Equal([first[0].Ingested!.Id, first[1].Ingested!.Id, second.Id], events.Select(e => e!.Value));
        Assert.True((await slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor")).Clean);
    }
}
