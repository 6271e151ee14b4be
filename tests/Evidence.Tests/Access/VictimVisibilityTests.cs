using System.IO.Compression;
using Evidence.Cases;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Access;

/// <summary>
/// Issue 15, case 5: an investigator outside a case got its children's identities by tagging their own item with the
/// case's victim code and asking for a package with identities. A child is seen by the members of the case it was
/// recorded in (and by whoever recorded it); to anyone else its code answers exactly as a code that does not exist.
/// </summary>
public sealed class VictimVisibilityTests : IAsyncLifetime
{
    private const string ChildName = "Synthetic Child Of Case C";
    private Slice slice = null!;
    private Guid caseC;
    private string child = "";

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        caseC = await slice.SendAsync(new CreateCase("Case C"), actor: "olena");
        child = await slice.SendAsync(new AddVictim(9, Identity: new VictimIdentity(ChildName, "2013-04-02"), CaseId: caseC), actor: "olena");
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private async Task<(Guid Incident, Guid Item)> OwnIncidentWithItemAsync(string actor, Guid? caseId = null)
    {
        var incident = await slice.SendAsync(new CreateIncident("Own incident", IncidentKind.Deportation, "2022-10", "Somewhere", ["8(2)(a)(vii)-1"], CaseId: caseId), actor: actor);
        var item = await slice.SendAsync(new IngestEvidence(slice.File($"{Guid.NewGuid()}.txt", "own photo"u8.ToArray()), actor, CaseId: caseId), actor: actor);
        return (incident, item.Id);
    }

    [Fact]
    public async Task Tag_OutsiderNamesAnotherCasesChild_RefusedExactlyAsAnUnknownCode_NothingRecorded()
    {
        var (incident, item) = await OwnIncidentWithItemAsync("mallory");
        var events = await slice.CountCustodyEventsAsync();

        var hidden = await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new TagEvidence(item, incident, VictimCode: child), actor: "mallory"));
        var unknown = await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new TagEvidence(item, incident, VictimCode: "V-0099"), actor: "mallory"));

        Assert.Equal(unknown.Message.Replace("V-0099", child, StringComparison.Ordinal), hidden.Message);
        Assert.Equal(events, await slice.CountCustodyEventsAsync());
        await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new RevealVictimIdentity(child, "curious"), actor: "mallory"));
    }

    [Fact]
    public async Task Tag_MemberOfTheChildsCase_MayNameIt_AndReveal()
    {
        await slice.SendAsync(new AddCaseMember(caseC, "petro"), actor: "olena");
        var (incident, item) = await OwnIncidentWithItemAsync("petro", caseC);

        await slice.SendAsync(new TagEvidence(item, incident, VictimCode: child), actor: "petro");

        Assert.Equal(ChildName, (await slice.SendAsync(new RevealVictimIdentity(child, "family tracing"), actor: "petro")).Name);
    }

    [Fact]
    public async Task AddVictim_InACaseTheActorDoesNotWork_NotFound()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new AddVictim(7, CaseId: caseC), actor: "mallory"));
    }

    /// <summary>
    /// Even where a tag already names another case's child on an outsider's incident (an investigator of both cases put it
    /// there), the outsider's package with identities carries only the children the outsider may see.
    /// </summary>
    [Fact]
    public async Task Package_WithIdentities_CarriesOnlyChildrenTheRequesterMaySee()
    {
        var caseM = await slice.SendAsync(new CreateCase("Mallory's case"), actor: "mallory");
        var own = await slice.SendAsync(new AddVictim(11, Identity: new VictimIdentity("Own Child Of Case M"), CaseId: caseM), actor: "mallory");
        await slice.SendAsync(new AddCaseMember(caseC, "bridge"), actor: "olena");
        await slice.SendAsync(new AddCaseMember(caseM, "bridge"), actor: "mallory");
        var (incident, item) = await OwnIncidentWithItemAsync("mallory", caseM);
        await slice.SendAsync(new TagEvidence(item, incident, VictimCode: child), actor: "bridge");
        await slice.SendAsync(new TagEvidence(item, incident, VictimCode: own), actor: "mallory");

        var recipient = await RecipientKey.CreateAsync(Path.Combine(slice.Home, "recipient"), "icc", "P-256", "keyAgreement");
        var package = await slice.SendAsync(new BuildReferralPackage(incident, RecipientKind.Icc, Path.Combine(slice.Home, "p.zip"), IncludeIdentities: true,
            EncryptTo: recipient.Certificate), actor: "mallory");

        using var zip = ZipFile.OpenRead(await recipient.OpenAsync(package.Path));
        var identities = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith("data/metadata/identities.json", StringComparison.Ordinal)).Open()).ReadToEnd();
        Assert.Contains("Own Child Of Case M", identities, StringComparison.Ordinal);
        Assert.DoesNotContain(ChildName, identities, StringComparison.Ordinal);
        var revealed = await slice.QueryAsync(db => db.CustodyEvents.Where(e => e.Action == "IdentityRevealed").Select(e => e.Details).ToListAsync());
        Assert.DoesNotContain(revealed, d => d.Contains(child, StringComparison.Ordinal));
    }
}
