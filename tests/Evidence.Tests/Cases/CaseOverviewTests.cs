using System.Text;
using System.Text.Json;
using Evidence.Cases;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Requests;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;
using Evidence.Viewing;
using MediatR;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Cases;

/// <summary>
/// A case's overview (GetCaseOverview, ListCases) on a real SQLite file: its counts and gaps, its most recent custody
/// events (right and bounded), and what a member, a non-member, each prosecutor's office and an auditor see of it.
/// </summary>
public sealed class CaseOverviewTests : IAsyncLifetime
{
    private const string Deportation = "8(2)(a)(vii)-1"; // 5 elements
    private const string Occupation = "8(2)(b)(viii)"; // 3 elements
    private const string ChildName = "Іван Петренко";
    private Slice slice = null!;
    private Guid caseId;
    private Guid referred;
    private Guid camp;
    private Guid filedAndTagged;
    private Guid taggedFromOutside;
    private Guid filedOnly;
    private string victim = null!;

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        caseId = await AsAnna(new CreateCase("Kherson regional children's home"));
        referred = await AsAnna(new CreateIncident("Removal by bus to Crimea", IncidentKind.Deportation, "2022-10", "Kherson", [Deportation], CaseId: caseId));
        camp = await AsAnna(new CreateIncident("Camp in Yevpatoria", IncidentKind.Camp, "2023-03", "Yevpatoria", [Deportation, Occupation], PeriodTo: "2023-05", CaseId: caseId));
        filedAndTagged = await IngestAsync("bus.txt", caseId);
        taggedFromOutside = await IngestAsync("letter.txt", null);
        filedOnly = await IngestAsync("list.txt", caseId);
        await AsAnna(new TagEvidence(filedAndTagged, referred, Elements: [$"{Deportation}:1", $"{Deportation}:2"]));
        await AsAnna(new TagEvidence(taggedFromOutside, camp, Elements: [$"{Occupation}:3"]));
        await AsAnna(new ReferIncident(referred, RecipientKind.Icc));
        victim = await AsAnna(new AddVictim(AgeAtIncident: 9, Identity: new VictimIdentity(ChildName), CaseId: caseId));
        // Another case's life goes on beside it and must never appear in it.
        var other = await slice.SendAsync(new CreateCase("Another case"), Role.Investigator, "boris");
        await slice.SendAsync(new IngestEvidence(slice.File("other.txt", "other"u8.ToArray()), "Boris", CaseId: other), Role.Investigator, "boris");
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private Task<T> AsAnna<T>(IRequest<T> request) => slice.SendAsync(request, Role.Investigator, "anna");

    private async Task<Guid> IngestAsync(string name, Guid? inCase) =>
        (await AsAnna(new IngestEvidence(slice.File(name, Encoding.UTF8.GetBytes("statement " + name)), "Anna", CaseId: inCase))).Id;

    private async Task<T> AsAsync<T>(Actor actor, IRequest<T> request)
    {
        await using var scope = slice.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = actor;
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    private static readonly Actor Icc = new("icc-prosecutor", Role.Prosecutor, RecipientKind.Icc);
    private static readonly Actor National = new("pgo-prosecutor", Role.Prosecutor, RecipientKind.National);
    private static readonly Actor Auditor = new("audrey", Role.Auditor);

    [Fact]
    public async Task Member_SeesCountsAndGaps_OfEveryIncident()
    {
        var overview = await AsAnna(new GetCaseOverview(caseId));

        Assert.Equal("Kherson regional children's home", overview.Title);
        Assert.Equal(3, overview.Evidence); // two filed in the case, one tagged to its incident from outside it
        Assert.Equal([referred, camp], overview.Incidents.Select(i => i.Id));
        var bus = overview.Incidents[0];
        Assert.Equal((1, 5), (bus.Evidence, bus.Elements));
        Assert.Equal(["8(2)(a)(vii)-1:3", "8(2)(a)(vii)-1:4", "8(2)(a)(vii)-1:5"], bus.Gaps.Select(g => $"{g.Article}:{g.Number}"));
        Assert.Equal(ElementsOfCrimes.Catalogue.Get(Deportation).Elements[2], bus.Gaps[0].Text);
        var yevpatoria = overview.Incidents[1];
        Assert.Equal((1, 8), (yevpatoria.Evidence, yevpatoria.Elements));
        Assert.Equal(7, yevpatoria.Gaps.Count);
        Assert.DoesNotContain(yevpatoria.Gaps, g => g.Article == Occupation && g.Number == 3);
        Assert.Equal(["anna"], overview.Members!.Select(m => m.Name));
        Assert.True(overview.Members![0].Opened);

        var listed = Assert.Single(await AsAnna(new ListCases()));
        Assert.Equal((caseId, 2, 3), (listed.Id, listed.Incidents, listed.Evidence));
    }

    [Fact]
    public async Task Untagging_OpensTheGapAgain_AndTheItemLeavesTheCount()
    {
        var tag = await slice.QueryAsync(db => Task.FromResult(db.EvidenceTags.Single(t => t.EvidenceId == taggedFromOutside).Id));
        await AsAnna(new UntagEvidence(tag, "tagged to the wrong incident"));

        var overview = await AsAnna(new GetCaseOverview(caseId));

        Assert.Equal(2, overview.Evidence);
        Assert.Equal((0, 8), (overview.Incidents[1].Evidence, overview.Incidents[1].Gaps.Count));
    }

    [Fact]
    public async Task RecentEvents_AreTheCasesOwn_NewestFirst_AndBounded()
    {
        for (var i = 0; i < 25; i++)
        {
            await using var content = (await AsAnna(new OpenEvidenceContent(filedOnly))).Content;
        }
        await AsAnna(new AddCaseMember(caseId, "boris"));
        var all = await slice.QueryAsync(db => Task.FromResult(db.CustodyEvents.OrderByDescending(e => e.Sequence).ToList()));

        var overview = await AsAnna(new GetCaseOverview(caseId));
        var five = await AsAnna(new GetCaseOverview(caseId, RecentEvents: 5));

        Assert.Equal(GetCaseOverview.DefaultRecentEvents, overview.RecentEvents.Count);
        Assert.Equal("CaseMemberAdded", overview.RecentEvents[0].Action);
        Assert.All(overview.RecentEvents.Skip(1), e => Assert.Equal(("Viewed", (Guid?)filedOnly), (e.Action, e.EvidenceId)));
        Assert.Equal(all.Take(20).Select(e => e.Sequence), overview.RecentEvents.Select(e => e.Index));
        Assert.Equal(overview.RecentEvents.Take(5).Select(e => e.Index), five.RecentEvents.Select(e => e.Index));
        await Assert.ThrowsAsync<InvalidRequestException>(() => AsAnna(new GetCaseOverview(caseId, RecentEvents: 100000)));
    }

    [Fact]
    public async Task RecentEvents_BeforeTheWindowFills_AreEveryEventThatConcernsTheCase_AndNoOther()
    {
        await AsAnna(new RevealVictimIdentity(victim, "to trace the child's family"));

        var overview = await AsAnna(new GetCaseOverview(caseId, RecentEvents: 200));

        Assert.Equal(
            ["CaseOpened", "IncidentCreated", "IncidentCreated", "Ingested", "Ingested", "Ingested", "Tagged", "Tagged", "Referred", "VictimAdded", "IdentityRevealed"],
            overview.RecentEvents.Reverse().Select(e => e.Action));
        Assert.DoesNotContain(overview.RecentEvents, e => e.Actor == "boris");
        // The child is named by pseudonym only: the identity is nowhere in the answer.
        var json = JsonSerializer.Serialize(overview, EvidenceJson.Options);
        Assert.Contains(victim, json, StringComparison.Ordinal);
        Assert.DoesNotContain(ChildName, json, StringComparison.Ordinal);
        Assert.DoesNotContain("Петренко", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonMember_AndTheOtherOffice_AreToldItDoesNotExist()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new GetCaseOverview(caseId), Role.Investigator, "boris"));
        await Assert.ThrowsAsync<NotFoundException>(() => AsAsync(National, new GetCaseOverview(caseId)));
        await Assert.ThrowsAsync<NotFoundException>(() => AsAnna(new GetCaseOverview(Guid.NewGuid())));
        Assert.Equal(["Another case"], (await slice.SendAsync(new ListCases(), Role.Investigator, "boris")).Select(c => c.Title));
        Assert.Empty(await AsAsync(National, new ListCases()));
    }

    [Fact]
    public async Task Office_SeesTheCaseOnlyThroughTheIncidentReferredToIt()
    {
        await AsAnna(new ReferIncident(camp, RecipientKind.National));
        await AsAnna(new RevealVictimIdentity(victim, "to trace the child's family"));

        var overview = await AsAsync(Icc, new GetCaseOverview(caseId));

        Assert.Equal([referred], overview.Incidents.Select(i => i.Id));
        Assert.Equal(1, overview.Evidence); // only the item tagged to its incident
        Assert.Null(overview.Members);
        Assert.Equal(["IncidentCreated", "Ingested", "Tagged", "Referred"], overview.RecentEvents.Reverse().Select(e => e.Action));
        Assert.All(overview.RecentEvents.Where(e => e.Action == "Referred"), e => Assert.Equal("icc", e.Details["office"]));
        var listed = Assert.Single(await AsAsync(Icc, new ListCases()));
        Assert.Equal((caseId, 1, 1), (listed.Id, listed.Incidents, listed.Evidence));
        // The national office, to which the camp was referred, never learns of the ICC's incident.
        var national = await AsAsync(National, new GetCaseOverview(caseId));
        Assert.Equal([camp], national.Incidents.Select(i => i.Id));
        Assert.DoesNotContain(national.RecentEvents, e => e.Details.Values.Contains(referred.ToString()) || e.Details.GetValueOrDefault("office") == "icc");
    }

    [Fact]
    public async Task Auditor_SeesCountsAndEvents_NeverTitlesPlacesOrIdentities()
    {
        var member = await AsAnna(new GetCaseOverview(caseId));
        var overview = await AsAsync(Auditor, new GetCaseOverview(caseId));

        Assert.Null(overview.Title);
        Assert.All(overview.Incidents, i => Assert.Null(i.Title));
        Assert.All(overview.Incidents, i => Assert.Null(i.Place));
        Assert.Equal(member.Evidence, overview.Evidence);
        Assert.Equal(member.Incidents.Select(i => (i.Evidence, i.Gaps.Count)), overview.Incidents.Select(i => (i.Evidence, i.Gaps.Count)));
        Assert.Equal(member.RecentEvents.Select(e => e.Index), overview.RecentEvents.Select(e => e.Index));
        Assert.Equal(["anna"], overview.Members!.Select(m => m.Name));
        var json = JsonSerializer.Serialize(overview, EvidenceJson.Options);
        foreach (var content in new[] { "Kherson", "Yevpatoria", "Removal by bus", "children's home", ChildName })
        {
            Assert.DoesNotContain(content, json, StringComparison.Ordinal);
        }
        Assert.All(await AsAsync(Auditor, new ListCases()), c => Assert.Null(c.Title));
    }
}
