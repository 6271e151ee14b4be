using System.Text;
using Evidence.Cases;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Requests;
using Evidence.Search;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;
using Evidence.Viewing;
using MediatR;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Access;

/// <summary>
/// Investigators see the evidence and incidents of the cases they work, what they recorded themselves, and the
/// evidence tagged to an incident they see; everything else is "not found", on a real SQLite file.
/// </summary>
public sealed class CaseMembershipTests : IAsyncLifetime
{
    private const string Deportation = "8(2)(a)(vii)-1";
    private Slice slice = null!;
    private Guid caseId;
    private Guid incidentId;
    private IngestedEvidence filed = null!;

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        caseId = await AsAnna(new CreateCase("Kherson children's home"));
        incidentId = await AsAnna(new CreateIncident("Removal to Crimea", IncidentKind.Deportation, "2022-10", "Kherson", [Deportation], CaseId: caseId));
        filed = await AsAnna(new IngestEvidence(slice.File("bus.txt", Encoding.UTF8.GetBytes("bus list")), "Anna", CaseId: caseId));
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private Task<T> AsAnna<T>(IRequest<T> request) => slice.SendAsync(request, Role.Investigator, "anna");

    private Task<T> AsBoris<T>(IRequest<T> request) => slice.SendAsync(request, Role.Investigator, "boris");

    private Task<List<string>> ActionsAsync() => slice.QueryAsync(db => db.CustodyEvents.OrderBy(e => e.Sequence).Select(e => e.Action).ToListAsync());

    [Fact]
    public async Task NotAMember_SeesNothingOfTheCase_AndCannotActOnIt()
    {
        Assert.Empty(await AsBoris(new SearchEvidence()));
        Assert.Empty(await AsBoris(new ListIncidents()));
        await Assert.ThrowsAsync<NotFoundException>(() => AsBoris(new GetEvidence(filed.Id)));
        await Assert.ThrowsAsync<NotFoundException>(() => AsBoris(new OpenEvidenceContent(filed.Id)));
        await Assert.ThrowsAsync<NotFoundException>(() => AsBoris(new GetElementsMatrix(incidentId)));
        await Assert.ThrowsAsync<NotFoundException>(() => AsBoris(new TagEvidence(filed.Id, incidentId)));
        await Assert.ThrowsAsync<NotFoundException>(() => AsBoris(new ReferIncident(incidentId, RecipientKind.Icc)));
        await Assert.ThrowsAsync<NotFoundException>(() => AsBoris(new CreateIncident("x", IncidentKind.Camp, "2022", "Yevpatoria", [Deportation], CaseId: caseId)));
        await Assert.ThrowsAsync<NotFoundException>(() => AsBoris(new IngestEvidence(slice.File("mine.txt", [1, 2, 3]), "Boris", CaseId: caseId)));
        await Assert.ThrowsAsync<NotFoundException>(() => AsBoris(new AddCaseMember(caseId, "boris")));

        Assert.Equal(1, await slice.CountEvidenceAsync());
        Assert.DoesNotContain("CaseMemberAdded", await ActionsAsync());
    }

    [Fact]
    public async Task AddedMember_SeesTheCase_AndAddingTwiceChangesNothing()
    {
        Assert.True(await AsAnna(new AddCaseMember(caseId, " boris ")));
        Assert.False(await AsAnna(new AddCaseMember(caseId, "boris")));

        Assert.Equal([filed.Id], (await AsBoris(new SearchEvidence())).Select(e => e.Id));
        Assert.Equal([incidentId], (await AsBoris(new ListIncidents())).Select(i => i.Id));
        await AsBoris(new TagEvidence(filed.Id, incidentId));
        Assert.Single(await slice.QueryAsync(db => db.CustodyEvents.Where(e => e.Action == "CaseMemberAdded").ToListAsync()));
        var member = await slice.QueryAsync(db => db.CaseMembers.SingleAsync(m => m.Member == "boris"));
        Assert.Equal("anna", member.AddedBy);
    }

    [Fact]
    public async Task UnfiledEvidence_OnlyItsIngester_UntilTaggedToAnIncidentAnotherSees()
    {
        var unfiled = await AsAnna(new IngestEvidence(slice.File("note.txt", Encoding.UTF8.GetBytes("unfiled note")), "Anna"));
        await Assert.ThrowsAsync<NotFoundException>(() => AsBoris(new GetEvidence(unfiled.Id)));

        var borisCase = await AsBoris(new CreateCase("Boris's case"));
        var borisIncident = await AsBoris(new CreateIncident("Camp", IncidentKind.Camp, "2023", "Yevpatoria", [Deportation], CaseId: borisCase));
        await AsBoris(new AddCaseMember(borisCase, "anna"));
        await AsAnna(new TagEvidence(unfiled.Id, borisIncident));

        Assert.Equal(unfiled.Id, (await AsBoris(new GetEvidence(unfiled.Id))).Id);
        Assert.DoesNotContain(filed.Id, (await AsBoris(new SearchEvidence())).Select(e => e.Id));
    }

    [Fact]
    public async Task Admin_AddsMembersToAnyCase_AuditorMayNot()
    {
        Assert.True(await slice.SendAsync(new AddCaseMember(caseId, "boris"), Role.Admin, "root"));
        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new AddCaseMember(caseId, "audrey"), Role.Auditor, "audrey"));
        Assert.Equal(["anna", "boris"], await slice.QueryAsync(db => db.CaseMembers.Select(m => m.Member).OrderBy(m => m).ToListAsync()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("boris\u0000")]
    [InlineData("line\nbreak")]
    public async Task AddCaseMember_MalformedName_Refused(string name)
    {
        await Assert.ThrowsAsync<InvalidRequestException>(() => AsAnna(new AddCaseMember(caseId, name)));
        Assert.Equal(["anna"], await slice.QueryAsync(db => db.CaseMembers.Select(m => m.Member).ToListAsync()));
    }

    [SqliteFact]
    public async Task Membership_CannotBeRewrittenOrRemoved()
    {
        var update = await Assert.ThrowsAsync<SqliteException>(() => slice.SqlAsync("UPDATE case_members SET Member = 'mallory'"));
        var delete = await Assert.ThrowsAsync<SqliteException>(() => slice.SqlAsync("DELETE FROM case_members"));

        Assert.Contains("append-only", update.Message);
        Assert.Contains("append-only", delete.Message);
    }
}
