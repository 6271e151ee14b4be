using System.Text;
using Evidence.Cases;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Search;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Evidence.Tests.Postgres;

/// <summary>The requests on a real PostgreSQL server (the cluster ./test.sh starts), with PostgreSQL's own migrations.</summary>
public sealed class PostgresTests
{
    private const string Deportation = "8(2)(a)(vii)-1";

    [PostgresFact]
    public async Task CaseToPackage_OnPostgres_SearchesFoldsDiacritics_AndVerifies()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var slice = await Slice.StartOnPostgresAsync(database);
        var caseId = await slice.SendAsync(new CreateCase("Mykolaïv region"));
        var incident = await slice.SendAsync(new CreateIncident("Removal from the Mykolaïv children's home", IncidentKind.Deportation, "2022-10", "Херсон", [Deportation], CaseId: caseId));
        var list = await slice.SendAsync(new IngestEvidence(slice.File("список.txt", Encoding.UTF8.GetBytes("Список дітей, вивезених автобусом")), "Olena", CaseId: caseId));
        var photo = await slice.SendAsync(new IngestEvidence(slice.File("bus.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]), "Olena", CaseId: caseId));
        var again = await slice.SendAsync(new IngestEvidence(slice.File("copy.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]), "Olena", CaseId: caseId));
        await slice.SendAsync(new TagEvidence(photo.Id, incident, Elements: [Deportation + ":1"], Note: "Bus leaving Kherson, 14 October"));
        await slice.SendAsync(new TagEvidence(list.Id, incident));

        var byFoldedWord = await slice.SendAsync(new SearchEvidence("mykolaiv"));
        // A document's text is searched through its blind index (Search/SealedText.cs): whole words, not prefixes.
        var byCyrillicWord = await slice.SendAsync(new SearchEvidence("вивезених"));
        var byCyrillicPrefix = await slice.SendAsync(new SearchEvidence("вивез*"));
        var byNote = await slice.SendAsync(new SearchEvidence("leaving kherson"));
        var hostile = await slice.SendAsync(new SearchEvidence("'); DROP TABLE custody_events; -- & | ! :*"));
        var package = await slice.SendAsync(new BuildReferralPackage(incident, RecipientKind.Icc, Path.Combine(slice.Home, "icc.zip")), Role.Prosecutor, "prosecutor");
        var events = await slice.CountCustodyEventsAsync();
        var report = await slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor");

        Assert.Equal(photo.Id, again.DuplicateOf);
        // The incident's title matches, so both items tagged to it are found.
        Assert.Equal([list.Id, photo.Id], byFoldedWord.Select(e => e.Id).Order());
        Assert.Equal([list.Id], byCyrillicWord.Select(e => e.Id));
        Assert.Empty(byCyrillicPrefix);
        Assert.Equal([photo.Id], byNote.Select(e => e.Id));
        Assert.Empty(hostile);
        Assert.True(File.Exists(package.Path));
        Assert.True(report.Clean, string.Join("; ", report.Findings));
        Assert.Equal(events, report.EventsChecked);
    }

    [PostgresFact]
    public async Task LedgerTables_OnPostgres_RefuseUpdateDeleteAndTruncate()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var slice = await Slice.StartOnPostgresAsync(database);
        await slice.SendAsync(new IngestEvidence(slice.File("a.txt", [1, 2, 3]), "Olena"));

        var update = await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync("UPDATE custody_events SET \"Actor\" = 'mallory'"));
        var delete = await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync("DELETE FROM evidence_items"));
        var truncate = await Assert.ThrowsAsync<PostgresException>(() => database.ExecuteAsync("TRUNCATE merkle_nodes"));

        Assert.All(new[] { update, delete, truncate }, e => Assert.Contains("append-only", e.MessageText));
        Assert.True((await slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor")).Clean);
    }

    /// <summary>
    /// An insider who owns the tables can switch the triggers off and rewrite the log; verify still finds it, because
    /// the signed checkpoints do not match what the rows now say.
    /// </summary>
    [PostgresFact]
    public async Task LedgerRewrittenByTheTablesOwner_TriggersOff_VerifyFindsItOnPostgres()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var slice = await Slice.StartOnPostgresAsync(database);
        for (var i = 0; i < 4; i++)
        {
            await slice.SendAsync(new IngestEvidence(slice.File($"{i}.txt", [(byte)i, 1, 2]), "Olena"));
        }

        await database.ExecuteAsync("""
            ALTER TABLE custody_events DISABLE TRIGGER USER;
            UPDATE custody_events SET "Actor" = 'someone-else' WHERE "Sequence" = 1;
            DELETE FROM custody_events WHERE "Sequence" = 2;
            """);
        var findings = (await slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor")).Findings;

        Assert.Contains(findings, f => f.Kind == "event" && f.Subject == "#1" && f.Found.Contains("someone-else", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Kind == "checkpoint" && f.Found.Contains("rebuilt from the events", StringComparison.Ordinal));
    }

    /// <summary>
    /// Two installations' worth of services (as two app servers would have) on one database, each ingesting 20 files
    /// at once: the ledger stays one gap-free sequence, and every checkpoint extends the one before.
    /// </summary>
    [PostgresFact]
    public async Task TwoServersAppendingAtOnce_KeepOneGapFreeUnforkedLedger()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        using var home = new TestHome();
        await using var first = await Slice.StartOnPostgresAsync(database, s => s with { Home = Path.Combine(home.Path, "shared") });
        await using var second = await Slice.StartOnPostgresAsync(database, s => s with { Home = Path.Combine(home.Path, "shared") });

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() =>
            (i % 2 == 0 ? first : second).SendAsync(new IngestEvidence(first.File($"f{i}.txt", Encoding.UTF8.GetBytes($"file {i}")), "Olena")))));

        var sequences = await first.QueryAsync(db => db.CustodyEvents.OrderBy(e => e.Sequence).Select(e => e.Sequence).ToListAsync());
        var checkpoints = await first.QueryAsync(db => db.Checkpoints.OrderBy(c => c.Size).Select(c => c.Size).ToListAsync());
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), sequences);
        Assert.Equal(checkpoints.Distinct(), checkpoints);
        Assert.Equal(40, checkpoints[^1]);
        var report = await second.SendAsync(new VerifyCustody(), Role.Auditor, "auditor");
        Assert.True(report.Clean, string.Join("; ", report.Findings));
        Assert.Equal(checkpoints.Count, report.CheckpointsChecked);
    }
}
