using Evidence.Cases;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Metadata;
using Evidence.Requests;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;
using Evidence.Timeline;
using MediatR;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Timeline;

/// <summary>
/// GetTimeline through the mediator on a real SQLite file: which time places each item, and that the timeline shows no one
/// more than the rest of Evidence does (a prosecutor of another office, an investigator outside the case, an auditor).
/// </summary>
public sealed class GetTimelineTests : IAsyncLifetime
{
    private const string Deportation = "8(2)(a)(vii)-1";
    private Slice slice = null!;
    private Guid caseId;
    private Guid incident;
    private Guid stated;
    private Guid photo;
    private Guid undated;
    private Guid secret;

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        caseId = await AsAnna(new CreateCase("Kherson children's home"));
        await AsAnna(new AddCaseMember(caseId, "colleague"));
        incident = await AsAnna(new CreateIncident("Removal to Crimea", IncidentKind.Deportation, "2022-10", "Kherson", [Deportation], PeriodTo: "2022-11", CaseId: caseId));
        stated = (await AsAnna(new IngestEvidence(slice.File("bus list.txt", "15 children on the bus"u8.ToArray()), "Anna", CaseId: caseId, CapturedAt: "2022-10-14T08:30:00+03:00"))).Id;
        // A real photo whose EXIF says 2019-06-07 14:56:19 (no offset), with no capture time stated.
        var jpeg = await File.ReadAllBytesAsync(Path.Combine(Repo.Root, "tests/Evidence.Tests/TestData/provenance/P1000827.jpg"));
        photo = (await AsAnna(new IngestEvidence(slice.File("P1000827.jpg", jpeg), "Anna", CaseId: caseId))).Id;
        undated = (await AsAnna(new IngestEvidence(slice.File("note.txt", "undated note"u8.ToArray()), "Anna", CaseId: caseId))).Id;
        // Ingested outside the case, strictly confidential, tagged to the case's incident: the colleague must not see it.
        secret = (await AsAnna(new IngestEvidence(slice.File("w017 testimony.txt", "a child is recognisable"u8.ToArray()), "Anna", CapturedAt: "2022-10-20",
            Metadata: new StatedMetadata { Confidentiality = "strictly-confidential" }))).Id;
        foreach (var item in new[] { stated, photo, undated, secret })
        {
            await AsAnna(new TagEvidence(item, incident, Elements: [$"{Deportation}:1"]));
        }
        await AsAnna(new ReferIncident(incident, RecipientKind.Icc));
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private Task<T> AsAnna<T>(IRequest<T> request) => slice.SendAsync(request, Role.Investigator, "anna");

    private async Task<T> AsAsync<T>(Actor actor, IRequest<T> request)
    {
        await using var scope = slice.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = actor;
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    [Fact]
    public async Task IncidentTimeline_PlacesStatedTime_ThenTheFilesOwn_AndListsTheRestAsUnknown()
    {
        var timeline = await AsAnna(new GetTimeline(IncidentId: incident));

        Assert.Equal("Removal to Crimea", timeline.Title);
        var period = Assert.Single(timeline.Incidents).Period!;
        Assert.Equal((new DateTime(2022, 10, 1), new DateTime(2022, 12, 1)), (period.Start, period.End));
        var byId = timeline.Items.ToDictionary(i => i.Id, i => i.Placement);
        Assert.Equal(4, byId.Count);
        Assert.Equal(TimeSource.Stated, byId[stated].Source);
        Assert.Equal(new DateTime(2022, 10, 14, 5, 30, 0), byId[stated].Interval!.Start); // stored in UTC
        Assert.Equal(TimeSource.File, byId[photo].Source);
        Assert.Equal("2019-06-07T14:56:19", byId[photo].Time);
        Assert.True(byId[photo].Interval!.OffsetUnknown);
        Assert.Equal(TimeSource.Unknown, byId[undated].Source);
        Assert.Equal(TimeSource.Stated, byId[secret].Source);

        var svg = TimelineSvg.Draw(timeline, TimelineLabels.English);
        Assert.Contains("note.txt (text/plain), received", svg, StringComparison.Ordinal);
        Assert.Contains("P1000827.jpg (image/jpeg)\nthe file itself says 2019-06-07T14:56:19", svg, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaseMemberWithoutTheStrictlyConfidentialItem_DoesNotSeeOrCountIt()
    {
        var colleague = new Actor("colleague", Role.Investigator);

        var ofIncident = await AsAsync(colleague, new GetTimeline(IncidentId: incident));
        var ofCase = await AsAsync(colleague, new GetTimeline(CaseId: caseId));

        foreach (var timeline in new[] { ofIncident, ofCase })
        {
            Assert.Equal(new[] { stated, photo, undated }.Order(), timeline.Items.Select(i => i.Id).Order());
            Assert.DoesNotContain("w017", TimelineSvg.Draw(timeline, TimelineLabels.English), StringComparison.Ordinal);
            Assert.Contains("1 evidence items placed by their stated capture time, 1 by the time the file itself gives, 1 with", TimelineSvg.Draw(timeline, TimelineLabels.English), StringComparison.Ordinal);
        }
        // Anna, who ingested it, sees it in both.
        Assert.Contains(secret, (await AsAnna(new GetTimeline(CaseId: caseId))).Items.Select(i => i.Id));
    }

    [Fact]
    public async Task NotAMember_SeesNoTimeline_OfTheCaseOrItsIncident()
    {
        var boris = new Actor("boris", Role.Investigator);

        await Assert.ThrowsAsync<NotFoundException>(() => AsAsync(boris, new GetTimeline(IncidentId: incident)));
        await Assert.ThrowsAsync<NotFoundException>(() => AsAsync(boris, new GetTimeline(CaseId: caseId)));
    }

    [Fact]
    public async Task ProsecutorOfTheOtherOffice_SeesNothing_OfTheOffice_TheReferredItems()
    {
        var national = new Actor("pgo", Role.Prosecutor, RecipientKind.National);
        var icc = new Actor("icc", Role.Prosecutor, RecipientKind.Icc);

        await Assert.ThrowsAsync<NotFoundException>(() => AsAsync(national, new GetTimeline(IncidentId: incident)));
        await Assert.ThrowsAsync<NotFoundException>(() => AsAsync(national, new GetTimeline(CaseId: caseId)));
        var seen = await AsAsync(icc, new GetTimeline(IncidentId: incident));
        // A prosecutor sees what was tagged to the referred incident, strictly confidential or not (Access/Visibility).
        Assert.Equal(4, seen.Items.Count);
        Assert.Single((await AsAsync(icc, new GetTimeline(CaseId: caseId))).Incidents);
    }

    [Fact]
    public async Task ProsecutorOfTheOffice_SeesOfTheCase_OnlyTheIncidentsReferredToIt()
    {
        var unreferred = await AsAnna(new CreateIncident("Camp in Yevpatoria", IncidentKind.Camp, "2023", "Yevpatoria", [Deportation], CaseId: caseId));
        var other = (await AsAnna(new IngestEvidence(slice.File("camp.txt", "camp list"u8.ToArray()), "Anna", CaseId: caseId, CapturedAt: "2023-07"))).Id;
        await AsAnna(new TagEvidence(other, unreferred));

        var icc = await AsAsync(new Actor("icc", Role.Prosecutor, RecipientKind.Icc), new GetTimeline(CaseId: caseId));

        Assert.Equal([incident], icc.Incidents.Select(i => i.Id));
        Assert.DoesNotContain(other, icc.Items.Select(i => i.Id));
        var anna = await AsAnna(new GetTimeline(CaseId: caseId));
        Assert.Equal([incident, unreferred], anna.Incidents.Select(i => i.Id));
        Assert.Contains(other, anna.Items.Select(i => i.Id));
    }

    [Fact]
    public async Task Auditor_MayNotReadATimeline_AsTheyMayNotReadIncidents()
    {
        await Assert.ThrowsAsync<ForbiddenException>(() => AsAsync(new Actor("audrey", Role.Auditor), new GetTimeline(IncidentId: incident)));
    }

    [Fact]
    public async Task ExactlyOneOfIncidentOrCase_IsAsked()
    {
        await Assert.ThrowsAsync<InvalidRequestException>(() => AsAnna(new GetTimeline()));
        await Assert.ThrowsAsync<InvalidRequestException>(() => AsAnna(new GetTimeline(incident, caseId)));
    }
}
