using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Evidence.Viewing;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Viewing;

/// <summary>
/// Reads of content are custody events, recorded by the handler that reads (docs/decisions/0003): who opened which
/// item, with its hash; a refused read is recorded as a refusal, and an unseen item reads as one that does not exist.
/// </summary>
public sealed class ReadsAreRecordedTests : IAsyncLifetime
{
    private Slice slice = null!;

    public async Task InitializeAsync() => slice = await Slice.StartAsync();

    public async Task DisposeAsync() => await slice.DisposeAsync();

    [Fact]
    public async Task OpeningContent_IsAViewedEvent_NamingTheItemAndItsHash()
    {
        var item = await slice.SendAsync(new IngestEvidence(slice.File("statement.txt", "Testimony of W-017"u8.ToArray()), "Olena K."));

        var content = await slice.SendAsync(new OpenEvidenceContent(item.Id), Role.Investigator, "test-investigator");
        await using (content.Content)
        {
            Assert.Equal("Testimony of W-017", await new StreamReader(content.Content).ReadToEndAsync());
        }
        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new OpenEvidenceContent(item.Id), Role.Auditor, "auditor"));
        await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new OpenEvidenceContent(item.Id), Role.Investigator, "another-investigator"));

        var events = await slice.QueryAsync(db => db.CustodyEvents.AsNoTracking().Where(e => e.Action == "Viewed" || e.Action == "AccessDenied").OrderBy(e => e.Sequence).ToListAsync());
        Assert.Equal(["Viewed", "AccessDenied"], events.Select(e => e.Action));
        Assert.Equal(("test-investigator", item.Id, item.Sha256), (events[0].Actor, events[0].EvidenceId, events[0].Sha256));
        Assert.Equal(("auditor", item.Id), (events[1].Actor, events[1].EvidenceId));
    }
}
