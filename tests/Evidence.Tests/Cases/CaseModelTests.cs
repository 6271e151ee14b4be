using System.Text;
using Evidence.Cases;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Requests;
using Evidence.Search;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Cases;

/// <summary>Incidents, perpetrators, victims under pseudonym, tags and the elements matrix, through the mediator on a real SQLite file.</summary>
public sealed class CaseModelTests : IAsyncLifetime
{
    private const string Deportation = "8(2)(a)(vii)-1";
    private const string Occupation = "8(2)(b)(viii)";
    private Slice slice = null!;

    public async Task InitializeAsync() => slice = await Slice.StartAsync();

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private Task<Guid> IncidentAsync(params string[] articles) => slice.SendAsync(new CreateIncident(
        "Transfer of children from a children's home", IncidentKind.Deportation, "2022-10", "Kherson", articles.Length == 0 ? [Deportation] : articles,
        Description: "Children moved by bus to Crimea", ChildrenAffected: 15));

    private Task<IngestedEvidence> IngestAsync(string name, string text) =>
        slice.SendAsync(new IngestEvidence(slice.File(name, Encoding.UTF8.GetBytes(text)), "Investigator A"));

    private Task<List<string>> ActionsAsync() => slice.QueryAsync(db => db.CustodyEvents.OrderBy(e => e.Sequence).Select(e => e.Action).ToListAsync());

    [Fact]
    public async Task CreateIncident_Valid_RecordedWithCustodyEvent()
    {
        var id = await IncidentAsync(Deportation, Occupation);

        var incident = await slice.QueryAsync(db => db.Incidents.SingleAsync(i => i.Id == id));
        Assert.Equal([Deportation, Occupation], incident.Articles);
        Assert.Equal("2022-10", incident.PeriodFrom);
        Assert.Equal(["IncidentCreated"], await ActionsAsync());
    }

    [Theory]
    [InlineData("8(2)(a)(vii)", "not an article")]
    [InlineData("", "not an article")]
    public async Task CreateIncident_UnknownArticle_RefusedNothingRecorded(string article, string expected)
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => IncidentAsync(article));

        Assert.Contains(expected, string.Join(" ", error.Problems));
        Assert.Empty(await ActionsAsync());
    }

    [Fact]
    public async Task CreateIncident_PeriodEndsBeforeItBegins_Refused()
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new CreateIncident(
            "x", IncidentKind.Camp, "2022-10-14", "Yevpatoria", [Deportation], PeriodTo: "2022-09")));

        Assert.Contains("ends (2022-09) before it begins (2022-10-14)", error.Message);
        Assert.Equal(0, await slice.QueryAsync(db => db.Incidents.CountAsync()));
    }

    [Fact]
    public async Task CreateIncident_SamePeriodAtTwoPrecisions_Accepted()
    {
        await slice.SendAsync(new CreateIncident("x", IncidentKind.Camp, "2022-10-14", "Yevpatoria", [Deportation], PeriodTo: "2022-10"));
    }

    [Fact]
    public async Task AddPerpetrator_SameNameOrAlias_AllowedAndReported()
    {
        var first = await slice.SendAsync(new AddPerpetrator("Official A", PerpetratorKind.Person, Aliases: ["Commissioner"]));
        var second = await slice.SendAsync(new AddPerpetrator("commissioner", PerpetratorKind.Person));

        Assert.Empty(first.SameName);
        Assert.Equal([first.Id], second.SameName);
        Assert.Equal(2, await slice.QueryAsync(db => db.Perpetrators.CountAsync()));
    }

    [Fact]
    public async Task LinkPerpetrators_UnknownOrSelf_Refused()
    {
        var official = await slice.SendAsync(new AddPerpetrator("Official A", PerpetratorKind.Person));
        var unit = await slice.SendAsync(new AddPerpetrator("Unit 0000", PerpetratorKind.Unit));

        await slice.SendAsync(new LinkPerpetrators(official.Id, PerpetratorRelation.Commands, unit.Id));
        await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new LinkPerpetrators(official.Id, PerpetratorRelation.MemberOf, Guid.NewGuid())));
        await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new LinkPerpetrators(unit.Id, PerpetratorRelation.MemberOf, unit.Id)));

        Assert.Equal(1, await slice.QueryAsync(db => db.PerpetratorLinks.CountAsync()));
    }

    [SqliteFact]
    public async Task AddVictim_Identity_UnreadableInTheDatabaseFiles()
    {
        var code = await slice.SendAsync(new AddVictim(9, "F", "Kherson", Identity: new VictimIdentity("Олена Синтетична", "2013-04-02", "Birth certificate I-КГ 000000", "Aunt, +380 00 000 0000")));
        await slice.SendAsync(new AddVictim(11));

        Assert.Equal("V-0001", code);
        await slice.Services.DisposeAsync(); // close every connection so the files are complete on disk
        var files = Directory.GetFiles(slice.Settings.Home, "evidence.db*").Select(File.ReadAllBytes).ToList();
        Assert.NotEmpty(files);
        foreach (var secret in new[] { "Олена", "Синтетична", "2013-04-02", "000000", "Aunt" })
        {
            foreach (var bytes in files)
            {
                Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)));
                Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(secret)));
            }
        }
    }

    [Fact]
    public async Task AddVictim_CodesFollowEachOther()
    {
        Assert.Equal("V-0001", await slice.SendAsync(new AddVictim(5)));
        Assert.Equal("V-0002", await slice.SendAsync(new AddVictim(6)));
        await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new AddVictim(25)));
        Assert.Equal("V-0003", await slice.SendAsync(new AddVictim(7)));
    }

    [Theory]
    [InlineData(Role.Investigator)]
    [InlineData(Role.Prosecutor)]
    public async Task RevealVictimIdentity_AllowedRole_OpensAndRecordsTheReveal(Role role)
    {
        // The reader works the child's case (an investigator), or the child is tagged to evidence referred to their office.
        var caseId = await slice.SendAsync(new CreateCase("Tracing"));
        await slice.SendAsync(new AddCaseMember(caseId, "reader"));
        var code = await slice.SendAsync(new AddVictim(9, Identity: new VictimIdentity("Synthetic Child", "2013-04"), CaseId: caseId));

        var identity = await slice.SendAsync(new RevealVictimIdentity(code, "family tracing request 12"), role, "reader");

        Assert.Equal("Synthetic Child", identity.Name);
        Assert.Equal("2013-04", identity.BornOn);
        var reveal = await slice.QueryAsync(db => db.CustodyEvents.SingleAsync(e => e.Action == "IdentityRevealed"));
        Assert.Equal("reader", reveal.Actor);
        Assert.Contains(code, reveal.Details);
        Assert.DoesNotContain("Synthetic Child", reveal.Leaf);
    }

    [Theory]
    [InlineData(Role.Auditor)]
    [InlineData(Role.Admin)]
    public async Task RevealVictimIdentity_RoleNotAllowed_RefusedAndTheRefusalRecorded(Role role)
    {
        var code = await slice.SendAsync(new AddVictim(9, Identity: new VictimIdentity("Synthetic Child")));

        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new RevealVictimIdentity(code, "curious"), role, "someone"));

        var denied = await slice.QueryAsync(db => db.CustodyEvents.SingleAsync(e => e.Action == "AccessDenied"));
        Assert.Equal("someone", denied.Actor);
        Assert.Equal(role.ToString(), denied.Role);
        Assert.Contains(code, denied.Details);
        Assert.Contains("RevealVictimIdentity", denied.Details);
        Assert.True((await slice.SendAsync(new Evidence.Custody.VerifyCustody(), Role.Auditor)).Clean);
    }

    [SqliteFact]
    public async Task RevealVictimIdentity_SealedIdentityMovedToAnotherChild_DoesNotOpen()
    {
        await slice.SendAsync(new AddVictim(9, Identity: new VictimIdentity("Child One")));
        await slice.SendAsync(new AddVictim(10, Identity: new VictimIdentity("Child Two")));

        await slice.SqlAsync("DROP TRIGGER victims_no_update; UPDATE victims SET ProtectedIdentity = (SELECT ProtectedIdentity FROM victims WHERE Code = 'V-0001') WHERE Code = 'V-0002';");

        var error = await Assert.ThrowsAsync<UnavailableException>(() => slice.SendAsync(new RevealVictimIdentity("V-0002", "check")));
        // Refused before any decryption: the row no longer holds the sealed identity its VictimAdded event vouches for.
        // (Were it let through, the AES-GCM seal, bound to the code, would not open either.)
        Assert.Contains("victims V-0002 ProtectedIdentity", error.Message);
        Assert.Equal(0, await slice.QueryAsync(db => db.CustodyEvents.CountAsync(e => e.Action == "IdentityRevealed")));
    }

    [Fact]
    public async Task Tag_ElementsOfTheIncident_RecordedAndShownInTheMatrixWithGaps()
    {
        var incident = await IncidentAsync(Deportation, Occupation);
        var photo = await IngestAsync("bus.txt", "photo of the bus at the home");
        var order = await IngestAsync("order.txt", "order signed by the official");
        var victim = await slice.SendAsync(new AddVictim(9));

        await slice.SendAsync(new TagEvidence(photo.Id, incident, VictimCode: victim, Elements: [$"{Deportation}:1"], Note: "bus leaving"));
        await slice.SendAsync(new TagEvidence(order.Id, incident, Elements: [$"{Deportation}:1", $"{Deportation}:5", $"{Occupation}:2"]));
        var matrix = await slice.SendAsync(new GetElementsMatrix(incident), Role.Prosecutor);

        var deportation = matrix.Articles.Single(a => a.Article == Deportation);
        Assert.Equal([photo.Id, order.Id], deportation.Elements[0].Evidence.Order());
        Assert.Empty(deportation.Elements[1].Evidence);
        Assert.Equal([order.Id], deportation.Elements[4].Evidence);
        Assert.Equal(5 + 3 - 3, matrix.Gaps);
        var tagged = await slice.QueryAsync(db => db.CustodyEvents.Where(e => e.Action == "Tagged").ToListAsync());
        Assert.Equal(2, tagged.Count);
        Assert.Equal(photo.Sha256, tagged[0].Sha256);
        Assert.DoesNotContain("bus leaving", tagged[0].Leaf); // the note is pinned by its hash only
    }

    [Theory]
    [InlineData("8(2)(a)(vii)-1:6", "has elements 1 to 5, not 6")]
    [InlineData("8(2)(a)(vii)-1:0", "has elements 1 to 5, not 0")]
    [InlineData("6(e):1", "which incident")]
    [InlineData("9(9):1", "Unknown article")]
    [InlineData("8(2)(a)(vii)-1", "not an element")]
    [InlineData("8(2)(a)(vii)-1:x", "not an element")]
    public async Task Tag_BadElement_RefusedNothingRecorded(string element, string expected)
    {
        var incident = await IncidentAsync();
        var item = await IngestAsync("a.txt", "a");
        var before = await ActionsAsync();

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new TagEvidence(item.Id, incident, Elements: [element])));

        Assert.Contains(expected, error.Message);
        Assert.Equal(before, await ActionsAsync());
        Assert.Equal(0, await slice.QueryAsync(db => db.EvidenceTags.CountAsync()));
    }

    [Fact]
    public async Task Tag_MissingThings_NotFoundOrRefused()
    {
        var incident = await IncidentAsync();
        var item = await IngestAsync("a.txt", "a");

        await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new TagEvidence(Guid.NewGuid(), incident)));
        await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new TagEvidence(item.Id, Guid.NewGuid())));
        await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new TagEvidence(item.Id, PerpetratorId: Guid.NewGuid())));
        await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new TagEvidence(item.Id, VictimCode: "V-9999")));
        await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new TagEvidence(item.Id)));
        await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new TagEvidence(item.Id, Elements: [$"{Deportation}:1"], VictimCode: "V-0001")));
        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new TagEvidence(item.Id, incident), Role.Auditor));

        Assert.Equal(0, await slice.QueryAsync(db => db.EvidenceTags.CountAsync()));
    }

    [Fact]
    public async Task Untag_RemovesFromMatrixKeepsTheRowAndRecordsIt()
    {
        var incident = await IncidentAsync();
        var item = await IngestAsync("a.txt", "a");
        var tag = await slice.SendAsync(new TagEvidence(item.Id, incident, Elements: [$"{Deportation}:2"]));

        await slice.SendAsync(new UntagEvidence(tag, "wrong incident"));

        Assert.Empty((await slice.SendAsync(new GetElementsMatrix(incident))).Articles[0].Elements[1].Evidence);
        var row = await slice.QueryAsync(db => db.EvidenceTags.SingleAsync());
        Assert.Equal("wrong incident", row.RemovalReason);
        Assert.Contains("Untagged", await ActionsAsync());
        await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new UntagEvidence(tag, "again")));
    }

    [SqliteFact]
    public async Task Tags_CannotBeDeletedInTheDatabaseFile()
    {
        var item = await IngestAsync("a.txt", "a");
        await slice.SendAsync(new TagEvidence(item.Id, await IncidentAsync(), Elements: [$"{Deportation}:2"]));

        var error = await Assert.ThrowsAsync<SqliteException>(() => slice.SqlAsync("DELETE FROM evidence_tags"));

        Assert.Contains("append-only", error.Message);
    }

    [Fact]
    public async Task Search_ByDocumentTextIncidentWordsNoteAndHashPrefix()
    {
        var incident = await IncidentAsync();
        var letter = await IngestAsync("letter.txt", "Лист від директора інтернату про вивезення дітей");
        var photo = await IngestAsync("photo.txt", "unrelated");
        var other = await IngestAsync("other.txt", "nothing here");
        await slice.SendAsync(new TagEvidence(photo.Id, incident, Note: "the registration plate is visible"));

        Assert.Equal([letter.Id], await FindAsync(new SearchEvidence("інтернату")));
        Assert.Equal([photo.Id], await FindAsync(new SearchEvidence("registration plate")));
        Assert.Equal([photo.Id], await FindAsync(new SearchEvidence("Crimea"))); // the incident's description
        Assert.Equal([photo.Id], await FindAsync(new SearchEvidence("regist*")));
        Assert.Equal([other.Id], await FindAsync(new SearchEvidence(Sha256: other.Sha256[..6].ToUpperInvariant())));
        Assert.Equal([other.Id], await FindAsync(new SearchEvidence(Sha256: other.Sha256)));
        Assert.Equal([photo.Id], await FindAsync(new SearchEvidence(IncidentId: incident)));
        Assert.Equal(3, (await FindAsync(new SearchEvidence(Collector: "Investigator A"))).Count);
        Assert.Empty(await FindAsync(new SearchEvidence("registration", Collector: "Someone else")));
    }

    [Theory]
    [InlineData("\"")]
    [InlineData("registration\" OR \"x")]
    [InlineData("NEAR(a b) AND OR NOT")]
    [InlineData("body:secret")]
    [InlineData("*")]
    [InlineData("'; DROP TABLE evidence_items; --")]
    [InlineData("(((")]
    [InlineData("\u202Eevil \u200B")]
    public async Task Search_FtsSyntaxInText_SearchedAsWordsNoCrashNoInjection(string text)
    {
        var item = await IngestAsync("a.txt", "registration plate");

        var found = await FindAsync(new SearchEvidence(text));

        Assert.DoesNotContain(item.Id, found); // none of these strings is a word of the item
        Assert.Equal(1, await slice.CountEvidenceAsync());
        Assert.Equal([item.Id], await FindAsync(new SearchEvidence("registration")));
    }

    [Fact]
    public async Task Search_ControlCharacters_Refused()
    {
        await Assert.ThrowsAsync<InvalidRequestException>(() => FindAsync(new SearchEvidence("evil\u0000")));
    }

    [Fact]
    public async Task Search_NeverFindsOrShowsIdentities_AndAuditorsMayNotSearch()
    {
        var code = await slice.SendAsync(new AddVictim(9, Identity: new VictimIdentity("Synthetic Name")));
        var item = await IngestAsync("a.txt", "a statement");
        await slice.SendAsync(new TagEvidence(item.Id, VictimCode: code));

        Assert.Empty(await FindAsync(new SearchEvidence("Synthetic")));
        var record = Assert.Single(await slice.SendAsync(new SearchEvidence(VictimCode: code)));
        Assert.Equal([code], record.Victims);
        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new SearchEvidence("statement"), Role.Auditor));
    }

    [Theory]
    [InlineData("xyz")]
    [InlineData("2022-1")]
    public async Task Search_BadFilters_Refused(string date)
    {
        await Assert.ThrowsAsync<InvalidRequestException>(() => FindAsync(new SearchEvidence(CapturedFrom: date)));
        await Assert.ThrowsAsync<InvalidRequestException>(() => FindAsync(new SearchEvidence(Sha256: "abc")));
        await Assert.ThrowsAsync<InvalidRequestException>(() => FindAsync(new SearchEvidence(Sha256: "zzzzzz")));
    }

    private async Task<List<Guid>> FindAsync(SearchEvidence search) => (await slice.SendAsync(search)).Select(r => r.Id).ToList();

}
