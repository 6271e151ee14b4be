using Evidence.Cases;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Tagging;

/// <summary>
/// The tag form's lists (issue 18, item 2): perpetrators by name, children by pseudonym (never an identity, and only those
/// the investigator may name), and the elements of the articles of incidents they see, with their text.
/// </summary>
public sealed class ListTagChoicesTests
{
    [Fact]
    public async Task Choices_AreWhatTheInvestigatorMayName_WithoutIdentities()
    {
        await using var slice = await Slice.StartAsync();
        await slice.SendAsync(new CreateIncident("Transfer", IncidentKind.Deportation, "2022-10", "Kherson", ["8(2)(a)(vii)-1"]));
        var unit = await slice.SendAsync(new AddPerpetrator("Unit 0000", PerpetratorKind.Unit));
        var mine = await slice.SendAsync(new AddVictim(9, "F", "Kherson oblast", VictimStatus.Deported, new VictimIdentity("Secret Name", "2013-04-02", null, null)));
        var theirs = await slice.SendAsync(new AddVictim(12, "M", "Kherson oblast", VictimStatus.Located, null), Role.Investigator, "colleague");

        var choices = await slice.SendAsync(new ListTagChoices());

        Assert.Equal([(unit.Id, "Unit 0000")], choices.Perpetrators.Select(p => (p.Id, p.Name)));
        Assert.Equal([mine], choices.Victims.Select(v => v.Code));
        Assert.DoesNotContain(theirs, choices.Victims.Select(v => v.Code));
        Assert.DoesNotContain("Secret Name", System.Text.Json.JsonSerializer.Serialize(choices), StringComparison.Ordinal);
        Assert.Equal(["8(2)(a)(vii)-1:1", "8(2)(a)(vii)-1:2", "8(2)(a)(vii)-1:3", "8(2)(a)(vii)-1:4", "8(2)(a)(vii)-1:5"], choices.Elements.Select(e => e.Element));
        Assert.StartsWith("The perpetrator deported or transferred", choices.Elements[0].Text, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new ListTagChoices(), Role.Auditor, "auditor"));
    }

    /// <summary>A tag shows its perpetrator by name, never only as an ID; an auditor sees neither the name nor the note.</summary>
    [Fact]
    public async Task Tag_ShowsThePerpetratorByName_ButNotToAuditors()
    {
        await using var slice = await Slice.StartAsync();
        var unit = await slice.SendAsync(new AddPerpetrator("Unit 0000", PerpetratorKind.Unit));
        var item = await slice.SendAsync(new Evidence.Ingest.IngestEvidence(slice.File("bus.txt", "bus"u8.ToArray()), "Olena K."));
        await slice.SendAsync(new TagEvidence(item.Id, PerpetratorId: unit.Id));

        var forInvestigator = Assert.Single((await slice.SendAsync(new Evidence.Viewing.GetEvidence(item.Id))).Tags);
        var forAuditor = Assert.Single((await slice.SendAsync(new Evidence.Viewing.GetEvidence(item.Id), Role.Auditor, "auditor")).Tags);

        Assert.Equal("Unit 0000", forInvestigator.PerpetratorName);
        Assert.Null(forAuditor.PerpetratorName);
    }
}
