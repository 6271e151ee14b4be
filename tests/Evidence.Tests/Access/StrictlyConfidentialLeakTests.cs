using Evidence.Cases;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Metadata;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;
using Evidence.Viewing;

namespace Evidence.Tests.Access;

/// <summary>
/// A strictly confidential item, ingested outside a case and tagged to an incident of a case, is not seen by the case's
/// other members (Access/Visibility). Every other way to it must answer the same: the package built on the incident, the
/// elements matrix and the incident list's count.
/// </summary>
public sealed class StrictlyConfidentialLeakTests : IAsyncLifetime
{
    private Slice slice = null!;

    public async Task InitializeAsync() => slice = await Slice.StartAsync();

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private async Task<(Guid Incident, Guid Secret, Guid Open)> ArrangeAsync()
    {
        var caseId = await slice.SendAsync(new CreateCase("Kherson"));
        await slice.SendAsync(new AddCaseMember(caseId, "colleague"));
        var incident = await slice.SendAsync(new CreateIncident("Transfer", IncidentKind.Deportation, "2022-10", "Kherson", ["8(2)(a)(vii)-1"], CaseId: caseId));
        var secret = await slice.SendAsync(new IngestEvidence(slice.File("w017.txt", "a child is recognisable"u8.ToArray()), "Olena K.",
            Metadata: new StatedMetadata { Confidentiality = "strictly-confidential" }));
        var open = await slice.SendAsync(new IngestEvidence(slice.File("open.txt", "public statement"u8.ToArray()), "Olena K.", CaseId: caseId));
        await slice.SendAsync(new TagEvidence(secret.Id, incident, Elements: ["8(2)(a)(vii)-1:1"]));
        await slice.SendAsync(new TagEvidence(open.Id, incident, Elements: ["8(2)(a)(vii)-1:1"]));
        await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new GetEvidence(secret.Id), Role.Investigator, "colleague"));
        return (incident, secret.Id, open.Id);
    }

    [Fact]
    public async Task Package_ByAColleague_LeavesOutTheStrictlyConfidentialItem()
    {
        var (incident, secret, _) = await ArrangeAsync();

        var path = Path.Combine(slice.Home, "p.zip");
        try
        {
            var package = await slice.SendAsync(new BuildReferralPackage(incident, RecipientKind.Icc, path), Role.Investigator, "colleague");
            Assert.Equal(1, package.Items);
        }
        catch (InvalidRequestException)
        {
            // refusing is also acceptable
        }
        await Assert.ThrowsAnyAsync<EvidenceException>(() =>
            slice.SendAsync(new BuildReferralPackage(incident, RecipientKind.Icc, Path.Combine(slice.Home, "q.zip"), EvidenceIds: [secret]), Role.Investigator, "colleague"));
        Assert.False(File.Exists(Path.Combine(slice.Home, "q.zip")));
    }

    [Fact]
    public async Task ElementsMatrix_AndIncidentList_DoNotNameOrCountIt()
    {
        var (incident, secret, open) = await ArrangeAsync();

        var matrix = await slice.SendAsync(new GetElementsMatrix(incident), Role.Investigator, "colleague");
        var named = matrix.Articles.SelectMany(a => a.Elements).SelectMany(e => e.Evidence).ToList();
        Assert.Contains(open, named);
        Assert.DoesNotContain(secret, named);
        var listed = await slice.SendAsync(new ListIncidents(), Role.Investigator, "colleague");
        Assert.Equal(1, listed.Single(i => i.Id == incident).Evidence);
    }
}
