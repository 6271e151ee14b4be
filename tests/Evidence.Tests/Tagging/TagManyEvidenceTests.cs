using System.Text.Json;
using Evidence.Cases;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Requests;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Tagging;

/// <summary>
/// Tagging many items in one step (issue 18, item 4): 300 photos to one incident is one request and one commit, not 300;
/// all or nothing, so an item the tagger may not see, a bad element or an empty list records nothing.
/// </summary>
public sealed class TagManyEvidenceTests : IAsyncLifetime
{
    private Slice slice = null!;
    private Guid incident;

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        incident = await slice.SendAsync(new CreateIncident("Transfer", IncidentKind.Deportation, "2022-10", "Kherson", ["8(2)(a)(vii)-1"]));
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private async Task<List<Guid>> IngestAsync(int count, string actor = "test-investigator")
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await slice.SendAsync(new IngestEvidence(slice.File($"{actor}/photo-{i}.txt", System.Text.Encoding.UTF8.GetBytes($"bus photo {i} by {actor}")), "Olena K."),
                Role.Investigator, actor)).Id);
        }
        return ids;
    }

    private Task<(int Tags, int Events, int Checkpoints)> CountAsync() => slice.QueryAsync(async db =>
        (await db.EvidenceTags.CountAsync(), await db.CustodyEvents.CountAsync(), await db.Checkpoints.CountAsync()));

    [Fact]
    public async Task ThreeHundredItems_OneRequest_OneCommit_AndEachItemHasItsTaggedEvent()
    {
        var items = await IngestAsync(300);
        var before = await CountAsync();

        var tags = await slice.SendAsync(new TagManyEvidence([.. items, items[0]], incident, Elements: ["8(2)(a)(vii)-1:1"], Note: "the same bus"));

        var after = await CountAsync();
        Assert.Equal(300, tags.Count); // the repeated id is tagged once
        Assert.Equal((before.Tags + 300, before.Events + 300, before.Checkpoints + 1), after);
        var matrix = await slice.SendAsync(new GetElementsMatrix(incident));
        Assert.Equal(300, matrix.Articles.Single().Elements.Single(e => e.Number == 1).Evidence.Count);
        Assert.True((await slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor")).Clean);
    }

    [Fact]
    public async Task AnItemTheTaggerMayNotSee_ABadElement_OrNoItems_RecordNothing()
    {
        var mine = await IngestAsync(3);
        var someoneElses = (await IngestAsync(1, "colleague"))[0];
        var before = await CountAsync();

        var unseen = await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new TagManyEvidence([.. mine, someoneElses], incident)));
        await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new TagManyEvidence(mine, incident, Elements: ["7(1)(d):1"])));
        await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new TagManyEvidence([], incident)));
        await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new TagManyEvidence(mine)));
        await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new TagManyEvidence(Enumerable.Range(0, TagManyEvidence.MaxItems + 1).Select(_ => Guid.NewGuid()).ToList(), incident)));

        Assert.Contains(someoneElses.ToString(), unseen.Message, StringComparison.Ordinal);
        Assert.Equal(before.Tags, (await CountAsync()).Tags);
        Assert.Equal(before.Checkpoints, (await CountAsync()).Checkpoints);
    }

    [Fact]
    public async Task Cli_TagsSeveralIds_OrWhatASearchFinds_InOneStep()
    {
        using var home = new TestHome();
        var evidenceHome = Path.Combine(home.Path, "home");
        async Task<JsonElement> Json(params string[] args)
        {
            var (exit, stdout, stderr) = await Run.CliAsync(evidenceHome, [.. args, "--json"]);
            Assert.True(exit == 0, stderr);
            return JsonDocument.Parse(stdout).RootElement;
        }
        var bus = await Json("ingest", home.File("in/bus-1.txt", "bus at the ferry"u8.ToArray()), home.File("in/bus-2.txt", "bus at the gate"u8.ToArray()),
            home.File("in/roster.txt", "camp roster"u8.ToArray()), "--collector", "Olena K.");
        var cliIncident = (await Json("incident", "add", "--title", "Transfer", "--kind", "deportation", "--from", "2022-10", "--place", "Kherson",
            "--article", "8(2)(a)(vii)-1")).GetProperty("id").GetString()!;

        var byIds = await Json("tag", bus[0].GetProperty("id").GetString()!, bus[2].GetProperty("id").GetString()!, "--incident", cliIncident);
        var bySearch = await Json("tag", "--search", "bus", "--incident", cliIncident, "--note", "buses");
        var everything = await Run.CliAsync(evidenceHome, "tag", "--search", " ", "--incident", cliIncident);

        Assert.Equal(2, byIds.GetArrayLength());
        // A folder's files are hashed side by side, so their ids (time-ordered) need not follow the command line's order.
        Assert.Equal(new[] { bus[0].GetProperty("id").GetString(), bus[1].GetProperty("id").GetString() }.Order(),
            bySearch.EnumerateArray().Select(t => t.GetProperty("evidenceId").GetString()).Order());
        Assert.Equal(2, everything.Exit);
        Assert.Contains("needs words or a filter", everything.Err, StringComparison.Ordinal);
    }
}
