using System.Text.Json;
using Evidence.Cases;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Metadata;
using Evidence.Requests;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;
using Evidence.Viewing;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Metadata;

/// <summary>
/// Court metadata stated about an item (issue 17, item 1): every field at intake, each amendment a new version with its
/// reason and a MetadataAmended event, the old values kept, every version held to its event by verify, and strictly
/// confidential items seen only inside their case. Runs on SQLite and in the PostgreSQL pass.
/// </summary>
public sealed class ItemMetadataTests : IAsyncLifetime
{
    private Slice slice = null!;

    public async Task InitializeAsync() => slice = await Slice.StartAsync();

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private static readonly StatedMetadata Everything = new()
    {
        Place = "Kherson, children's home No. 1",
        Coordinates = "46.6354,32.6169",
        Languages = ["uk", "ru"],
        Generation = "copy",
        OriginalHeldAt = "Phone of W-017, kept by the NGO",
        SourceUrl = "https://t.me/example/1234",
        RetrievedAt = "2022-10-15",
        Device = "Samsung SM-A515F",
        Consent = "not-required",
        ConsentScope = "use in court only",
        WillingToTestify = true,
        Confidentiality = "strictly-confidential",
    };

    private Task<IngestedEvidence> IngestAsync(string name, StatedMetadata? metadata = null, string actor = "test-investigator") =>
        slice.SendAsync(new IngestEvidence(slice.File(name, System.Text.Encoding.UTF8.GetBytes("Statement " + name)), "Olena K.", Metadata: metadata), Role.Investigator, actor);

    private Task<VerificationReport> VerifyAsync() => slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor");

    [Fact]
    public async Task EveryField_StatedAtIntake_ShownAtTheTopOfTheItem_AndBoundToTheIngestedEvent()
    {
        var item = await IngestAsync("w017.txt", Everything);

        var detail = await slice.SendAsync(new GetEvidence(item.Id));
        var ingested = await slice.QueryAsync(db => db.CustodyEvents.SingleAsync(e => e.Action == "Ingested"));

        Assert.Equal(("Kherson, children's home No. 1", 46.6354, 32.6169), (detail.Place, detail.Latitude, detail.Longitude));
        Assert.Equal(["uk", "ru"], detail.Languages);
        Assert.Equal(("copy", "Phone of W-017, kept by the NGO", "https://t.me/example/1234", "2022-10-15"),
            (detail.Generation, detail.OriginalHeldAt, detail.SourceUrl, detail.RetrievedAt));
        Assert.Equal(("Samsung SM-A515F", "not-required", "use in court only", true, "strictly-confidential"),
            (detail.Device, detail.Consent, detail.ConsentScope, detail.WillingToTestify, detail.Confidentiality));
        Assert.Equal(0, Assert.Single(detail.MetadataHistory).Version);
        // Free text travels as its hash: the log auditors read names no place or device.
        Assert.DoesNotContain("Kherson", ingested.Leaf, StringComparison.Ordinal);
        Assert.DoesNotContain("Samsung", ingested.Leaf, StringComparison.Ordinal);
        Assert.DoesNotContain("46.6354", ingested.Leaf, StringComparison.Ordinal);
        Assert.Contains("\"confidentiality\":\"StrictlyConfidential\"", ingested.Leaf, StringComparison.Ordinal);
        var report = await VerifyAsync();
        Assert.True(report.Clean, string.Join("\n", report.Findings));
    }

    [Fact]
    public async Task NothingStated_IsConfidentialByDefault_WithEmptyFields()
    {
        var item = await IngestAsync("plain.txt");

        var detail = await slice.SendAsync(new GetEvidence(item.Id));

        Assert.Equal(("confidential", null, null, null), (detail.Confidentiality, detail.Place, detail.Generation, detail.Latitude));
        Assert.Empty(detail.Languages);
    }

    [Fact]
    public async Task Amendment_IsANewVersionWithItsReason_TheOldValueStays_AndVerifyIsClean()
    {
        var item = await IngestAsync("w017.txt", Everything);

        var amended = await slice.SendAsync(new AmendMetadata(item.Id, new StatedMetadata { Place = "Kherson, children's home No. 2", Coordinates = "" }, "the witness corrected the address"));
        var detail = await slice.SendAsync(new GetEvidence(item.Id));
        var events = await slice.QueryAsync(db => db.CustodyEvents.Where(e => e.Action == "MetadataAmended").ToListAsync());

        Assert.Equal(1, amended.Version);
        Assert.Equal(("Kherson, children's home No. 2", null, null), (detail.Place, detail.Latitude, detail.Longitude));
        Assert.Equal(["Kherson, children's home No. 1", "Kherson, children's home No. 2"], detail.MetadataHistory.Select(m => m.Place));
        Assert.Equal([null, "the witness corrected the address"], detail.MetadataHistory.Select(m => m.Reason));
        Assert.Equal("Samsung SM-A515F", detail.Device); // what was not amended is carried over
        var e = Assert.Single(events);
        Assert.Equal((item.Id, item.Sha256), (e.EvidenceId, e.Sha256));
        Assert.Equal("place coordinates", JsonSerializer.Deserialize<Dictionary<string, string>>(e.Details)!["fields"]);
        Assert.DoesNotContain("corrected", e.Leaf, StringComparison.Ordinal);
        var report = await VerifyAsync();
        Assert.True(report.Clean, string.Join("\n", report.Findings));
    }

    public static TheoryData<string, StatedMetadata> BadStatements => new()
    {
        { "coordinates", new StatedMetadata { Coordinates = "95,10" } },
        { "coordinates", new StatedMetadata { Coordinates = "46.6;32.6" } },
        { "language", new StatedMetadata { Languages = ["not a tag!"] } },
        { "generation", new StatedMetadata { Generation = "1" } },
        { "consent", new StatedMetadata { Consent = "maybe" } },
        { "confidentiality", new StatedMetadata { Confidentiality = "2" } },
        { "source-url", new StatedMetadata { SourceUrl = "javascript:alert(1)" } },
        { "retrieved-at", new StatedMetadata { RetrievedAt = "2999-01-01" } },
        { "place", new StatedMetadata { Place = "Kherson\u0000" } },
        { "place", new StatedMetadata { Place = new string('x', 1001) } },
        { "copy-of", new StatedMetadata { Generation = "copy" } },
        { "original is held", new StatedMetadata { OriginalHeldAt = "a phone" } },
        { "derived item", new StatedMetadata { Generation = "derived" } },
    };

    [Theory]
    [MemberData(nameof(BadStatements))]
    public async Task BadStatement_RefusedNamingTheField_NothingRecorded(string field, StatedMetadata metadata)
    {
        var before = await slice.CountCustodyEventsAsync();

        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => IngestAsync("bad.txt", metadata));

        Assert.Contains(field, refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, await slice.CountCustodyEventsAsync());
        Assert.Equal(0, await slice.CountEvidenceAsync());
        Assert.Empty(await slice.ListBlobsAsync());
    }

    [Fact]
    public async Task Amend_WithoutReason_WithNothing_OnAnUnseenItem_OrByAnAuditor_IsRefused()
    {
        var item = await IngestAsync("w017.txt");
        var before = await slice.CountCustodyEventsAsync();

        await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new AmendMetadata(item.Id, new StatedMetadata { Place = "Kherson" }, " ")));
        await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new AmendMetadata(item.Id, new StatedMetadata(), "why")));
        await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new AmendMetadata(item.Id, new StatedMetadata { Confidentiality = "confidential" }, "same")));
        await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new AmendMetadata(item.Id, new StatedMetadata { Place = "Kherson" }, "why"), Role.Investigator, "outsider"));
        await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new AmendMetadata(Guid.NewGuid(), new StatedMetadata { Place = "Kherson" }, "why")));
        Assert.Equal(before, await slice.CountCustodyEventsAsync());

        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new AmendMetadata(item.Id, new StatedMetadata { Place = "Kherson" }, "why"), Role.Auditor, "auditor"));
        Assert.Equal("AccessDenied", (await slice.QueryAsync(db => db.CustodyEvents.OrderBy(e => e.Sequence).LastAsync())).Action);
    }

    [Fact]
    public async Task DerivedItem_NamesItsOriginal_WhichMustBeSeen()
    {
        var original = await IngestAsync("statement-uk.txt", new StatedMetadata { Languages = ["uk"] });
        var translation = await IngestAsync("statement-en.txt", new StatedMetadata { Languages = ["en"], Generation = "derived", DerivedFrom = original.Id });

        await Assert.ThrowsAsync<NotFoundException>(() => IngestAsync("other.txt", new StatedMetadata { Generation = "derived", DerivedFrom = original.Id }, "outsider"));
        var detail = await slice.SendAsync(new GetEvidence(translation.Id));

        Assert.Equal(("derived", original.Id), (detail.Generation, detail.DerivedFrom));
        // Stated anew as the original (it was mislabelled): the link to the other item goes with the old generation.
        await slice.SendAsync(new AmendMetadata(translation.Id, new StatedMetadata { Generation = "original" }, "it is the witness's own text"));
        var corrected = await slice.SendAsync(new GetEvidence(translation.Id));
        Assert.Equal(("original", null), (corrected.Generation, corrected.DerivedFrom));
        Assert.True((await VerifyAsync()).Clean);
    }

    /// <summary>
    /// The salt that keeps the log's hashes of free text and coordinates from being read back is itself bound: an insider who
    /// replaces it (to make a forged place match, or to drop the salting) is found, on the salt and on every salted field.
    /// </summary>
    [Fact]
    public async Task SaltReplacedOrRemovedInTheDatabase_IsFound()
    {
        var item = await IngestAsync("w017.txt", Everything);
        var statement = await slice.QueryAsync(db => db.ItemMetadata.SingleAsync(m => m.EvidenceId == item.Id));
        Assert.Matches("^[0-9a-f]{32}$", statement.Salt);

        await slice.TamperAsync($"""UPDATE item_metadata SET "Salt" = NULL WHERE "Id" = {slice.SqlId(statement.Id)};""");
        var report = await VerifyAsync();

        Assert.Contains(report.Findings, f => f.Subject == $"item_metadata {statement.Id} Salt");
        Assert.Contains(report.Findings, f => f.Subject == $"item_metadata {statement.Id} Latitude");
        Assert.Contains(report.Findings, f => f.Subject == $"item_metadata {statement.Id} Place");
    }

    /// <summary>An insider rewrites what was stated (the place, the confidentiality), or deletes or plants a version.</summary>
    [Fact]
    public async Task StatementForgedDeletedOrPlantedInTheDatabase_IsFound()
    {
        var first = await IngestAsync("w017.txt", Everything);
        var second = await IngestAsync("w018.txt", new StatedMetadata { Place = "Kyiv" });
        await slice.SendAsync(new AmendMetadata(second.Id, new StatedMetadata { Place = "Odesa" }, "corrected"));
        var ids = await slice.QueryAsync(db => db.ItemMetadata.OrderBy(m => m.EvidenceId).ThenBy(m => m.Version).Select(m => new { m.Id, m.EvidenceId, m.Version }).ToListAsync());
        var firstStatement = ids.Single(m => m.EvidenceId == first.Id).Id;
        var amendment = ids.Single(m => m.EvidenceId == second.Id && m.Version == 1).Id;

        await slice.TamperAsync($"""
            UPDATE item_metadata SET "Place" = 'Mariupol', "Confidentiality" = 'Public' WHERE "Id" = {slice.SqlId(firstStatement)};
            DELETE FROM item_metadata WHERE "Id" = {slice.SqlId(amendment)};
            """);
        var report = await VerifyAsync();

        Assert.Contains(report.Findings, f => f.Subject == $"item_metadata {firstStatement} Place");
        Assert.Contains(report.Findings, f => f.Subject == $"item_metadata {firstStatement} Confidentiality" && f.Found == "Public");
        Assert.Contains(report.Findings, f => f.Subject == $"item_metadata {amendment}" && f.Found == "no row: it was deleted");
    }

    /// <summary>
    /// A strictly confidential item tagged to an incident of a case is not seen by the case's other members through the
    /// incident unless it is in their case; made confidential, it is.
    /// </summary>
    [Fact]
    public async Task StrictlyConfidential_NotSeenThroughAnIncident_UntilItIsNoLonger()
    {
        var caseId = await slice.SendAsync(new CreateCase("Kherson"));
        await slice.SendAsync(new AddCaseMember(caseId, "colleague"));
        var incident = await slice.SendAsync(new CreateIncident("Transfer", IncidentKind.Deportation, "2022-10", "Kherson", ["8(2)(a)(vii)-1"], CaseId: caseId));
        var item = await IngestAsync("w017.txt", new StatedMetadata { Confidentiality = "strictly-confidential" });
        await slice.SendAsync(new TagEvidence(item.Id, incident));

        await Assert.ThrowsAsync<NotFoundException>(() => slice.SendAsync(new GetEvidence(item.Id), Role.Investigator, "colleague"));
        Assert.Empty(await slice.SendAsync(new Evidence.Search.SearchEvidence(IncidentId: incident), Role.Investigator, "colleague"));
        await slice.SendAsync(new AmendMetadata(item.Id, new StatedMetadata { Confidentiality = "confidential" }, "the witness agreed"));

        Assert.Equal(item.Id, (await slice.SendAsync(new GetEvidence(item.Id), Role.Investigator, "colleague")).Id);
    }

    /// <summary>
    /// Search by stated place (issue 17, item 7): part of the text, any case and spacing, in Cyrillic as in Latin; only the
    /// statement in force counts, and a place cleared by an amendment no longer matches.
    /// </summary>
    [Fact]
    public async Task Search_ByPlace_MatchesTheCurrentStatementWhateverTheCaseOrDiacritics()
    {
        var kyiv = await IngestAsync("a.txt", new StatedMetadata { Place = "Київ, Дарницький район" });
        var kherson = await IngestAsync("b.txt", new StatedMetadata { Place = "Kherson, children's home No. 1" });
        var moved = await IngestAsync("c.txt", new StatedMetadata { Place = "Kyïv   oblast" });
        await IngestAsync("d.txt", new StatedMetadata());
        Task<List<Guid>> Found(string place) =>
            slice.SendAsync(new Evidence.Search.SearchEvidence(Place: place)).ContinueWith(t => t.Result.Select(r => r.Id).ToList());

        Assert.Equal([kyiv.Id], await Found("КИЇВ"));
        Assert.Equal([kyiv.Id], await Found("дарницький"));
        Assert.Equal([kherson.Id], await Found("CHILDREN'S HOME"));
        Assert.Equal([moved.Id], await Found("KYÏV oblast"));
        Assert.Empty(await Found("Mariupol"));

        await slice.SendAsync(new AmendMetadata(moved.Id, new StatedMetadata { Place = "" }, "the place was a guess"));
        Assert.Empty(await Found("kyïv"));
        await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new Evidence.Search.SearchEvidence(Place: new string('x', 201))));
    }

    /// <summary>An original lists the items derived from it, but only those its reader may see: a strictly confidential
    /// translation in a case stays unknown to an investigator outside it, and an auditor sees no name.</summary>
    [Fact]
    public async Task Original_ListsItsDerivedItems_OnlyThoseTheReaderMaySee()
    {
        var caseId = await slice.SendAsync(new CreateCase("Kherson"));
        await slice.SendAsync(new AddCaseMember(caseId, "colleague"));
        var incident = await slice.SendAsync(new CreateIncident("Transfer", IncidentKind.Deportation, "2022-10", "Kherson", ["8(2)(a)(vii)-1"], CaseId: caseId));
        var original = await IngestAsync("w017-uk.txt", new StatedMetadata { Languages = ["uk"] });
        var open = await IngestAsync("w017-en.txt", new StatedMetadata { Generation = "derived", DerivedFrom = original.Id, DerivedKind = "translation", Languages = ["en"] });
        var sealedItem = await IngestAsync("w017-redacted.txt",
            new StatedMetadata { Generation = "derived", DerivedFrom = original.Id, DerivedKind = "redaction", Confidentiality = "strictly-confidential" });
        foreach (var id in new[] { original.Id, open.Id, sealedItem.Id })
        {
            await slice.SendAsync(new TagEvidence(id, incident));
        }

        var forCreator = (await slice.SendAsync(new GetEvidence(original.Id))).Derived;
        var forColleague = (await slice.SendAsync(new GetEvidence(original.Id), Role.Investigator, "colleague")).Derived;
        var forAuditor = (await slice.SendAsync(new GetEvidence(original.Id), Role.Auditor, "auditor")).Derived;

        Assert.Equal([(open.Id, "translation"), (sealedItem.Id, "redaction")], forCreator.Select(d => (d.Id, d.Kind!)));
        Assert.Equal([open.Id], forColleague.Select(d => d.Id));
        Assert.All(forAuditor, d => Assert.Null(d.OriginalName));
        // Amended to an original, it is no longer listed as made from this item.
        await slice.SendAsync(new AmendMetadata(open.Id, new StatedMetadata { Generation = "original" }, "it was written in English first"));
        Assert.Equal([sealedItem.Id], (await slice.SendAsync(new GetEvidence(original.Id))).Derived.Select(d => d.Id));
    }

    /// <summary>The package carries what was stated and what the file says, per item, in items.csv and items.json.</summary>
    [Fact]
    public async Task Package_CarriesTheStatementAndTheFilesOwnProvenance()
    {
        var incident = await slice.SendAsync(new CreateIncident("Transfer", IncidentKind.Deportation, "2022-10", "Kherson", ["8(2)(a)(vii)-1"]));
        var item = await IngestAsync("w017.txt", Everything with { Confidentiality = "confidential" });
        await slice.SendAsync(new TagEvidence(item.Id, incident));

        var package = await slice.SendAsync(new Evidence.Referrals.BuildReferralPackage(incident, RecipientKind.Icc, Path.Combine(slice.Home, "p.zip")));
        using var zip = System.IO.Compression.ZipFile.OpenRead(package.Path);
        string Read(string suffix)
        {
            using var reader = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(suffix, StringComparison.Ordinal)).Open());
            return reader.ReadToEnd();
        }
        var csv = Read("data/metadata/items.csv").Split("\r\n");
        var json = JsonDocument.Parse(Read("data/metadata/items.json")).RootElement[0];

        var header = Fields(csv[0].TrimStart('\uFEFF'));
        var row = Fields(csv[1]);
        string Cell(string column) => row[Array.IndexOf(header, column)];
        Assert.Equal(("uk ru", "confidential", "46.6354", "32.6169", "copy", "not-required", "yes"),
            (Cell("Language"), Cell("Confidentiality"), Cell("Latitude"), Cell("Longitude"), Cell("Generation"), Cell("Consent"), Cell("Willing to testify")));
        Assert.Equal("Samsung SM-A515F", Cell("Device"));
        Assert.Equal("Kherson, children's home No. 1", json.GetProperty("place").GetString());
        Assert.Equal("https://t.me/example/1234", json.GetProperty("sourceUrl").GetString());
        Assert.Equal("absent", json.GetProperty("fileMetadata").GetString());
    }

    /// <summary>An insider deletes the latest statement (strictly confidential) so that an older one (public) would travel.</summary>
    [Fact]
    public async Task Package_OverADeletedStatement_IsRefused()
    {
        var incident = await slice.SendAsync(new CreateIncident("Transfer", IncidentKind.Deportation, "2022-10", "Kherson", ["8(2)(a)(vii)-1"]));
        var item = await IngestAsync("w017.txt", new StatedMetadata { Confidentiality = "public" });
        await slice.SendAsync(new TagEvidence(item.Id, incident));
        await slice.SendAsync(new AmendMetadata(item.Id, new StatedMetadata { Confidentiality = "strictly-confidential" }, "a child is recognisable"));
        await slice.TamperAsync("""DELETE FROM item_metadata WHERE "Version" = 1;""");

        await Assert.ThrowsAsync<UnavailableException>(() =>
            slice.SendAsync(new Evidence.Referrals.BuildReferralPackage(incident, RecipientKind.Icc, Path.Combine(slice.Home, "p.zip"))));

        Assert.False(File.Exists(Path.Combine(slice.Home, "p.zip")));
    }

    // RFC 4180 fields of one line: commas inside quotes, doubled quotes.
    private static string[] Fields(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"')
            {
                field.Append('"');
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        fields.Add(field.ToString());
        return fields.ToArray();
    }
}
