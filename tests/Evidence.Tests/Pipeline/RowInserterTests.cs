using System.Data.Common;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Pipeline;

/// <summary>
/// The rows a bulk ingest writes bypass SaveChanges (<see cref="RowInserter"/>). A court reads them through EF Core and
/// verify recomputes hashes from them, so each must be stored byte for byte as SaveChanges would have stored it: the same
/// Guid text, the same date format, enums as the same words, nulls as nulls. Each test runs in a transaction it rolls back.
/// </summary>
public sealed class RowInserterTests
{
    [Fact]
    public async Task AnItemAndItsMetadata_AreStoredExactlyAsSaveChangesStoresThem()
    {
        await using var slice = await Slice.StartAsync();
        await using var scope = slice.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EvidenceDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync();

        var (byEf, byInserter) = (Item(Guid.CreateVersion7()), Item(Guid.CreateVersion7()));
        db.EvidenceItems.Add(byEf);
        db.ItemMetadata.Add(Metadata(Guid.CreateVersion7(), byEf.Id));
        await db.SaveChangesAsync();
        var metadataByInserter = Metadata(Guid.CreateVersion7(), byInserter.Id);
        await RowInserter.InsertAsync(db, [byInserter], CancellationToken.None);
        await RowInserter.InsertAsync(db, [metadataByInserter], CancellationToken.None);

        AssertSameStorage(await RawRowAsync(db, "evidence_items", byEf.Id), await RawRowAsync(db, "evidence_items", byInserter.Id), "Id");
        var metadataByEf = await db.ItemMetadata.AsNoTracking().SingleAsync(m => m.EvidenceId == byEf.Id);
        AssertSameStorage(await RawRowAsync(db, "item_metadata", metadataByEf.Id), await RawRowAsync(db, "item_metadata", metadataByInserter.Id),
            "Id", "EvidenceId");
        // And EF Core reads the inserted row back whole.
        var read = await db.EvidenceItems.AsNoTracking().SingleAsync(e => e.Id == byInserter.Id);
        var readByEf = await db.EvidenceItems.AsNoTracking().SingleAsync(e => e.Id == byEf.Id);
        Assert.Equal((readByEf.IngestedAtUtc, readByEf.Source, readByEf.Provenance, readByEf.OriginalName), (read.IngestedAtUtc, read.Source, read.Provenance, read.OriginalName));
        var readMetadata = await db.ItemMetadata.AsNoTracking().SingleAsync(m => m.Id == metadataByInserter.Id);
        Assert.Equal((ItemGeneration.Derived, DerivedKind.Redaction, ConsentState.NotRequired, Confidentiality.StrictlyConfidential, 50.4501, (bool?)true),
            (readMetadata.Generation, readMetadata.DerivedKind, readMetadata.Consent, readMetadata.Confidentiality, readMetadata.Latitude!.Value, readMetadata.WillingToTestify));
    }

    [Fact]
    public async Task NullsAndOddText_AreStoredExactlyAsSaveChangesStoresThem()
    {
        await using var slice = await Slice.StartAsync();
        await using var scope = slice.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EvidenceDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync();

        // Every optional field left null; names with quotes, a semicolon, an RTL mark, a combining accent and an emoji.
        const string odd = "Ма'рія\"; DROP TABLE evidence_items; --\u200f e\u0301 🧒";
        EvidenceItem Bare(Guid id) => new()
        {
            Id = id, Sha256 = new string('a', 64), Size = 0, MediaType = "application/octet-stream", OriginalName = odd, Collector = odd,
            IngestedAtUtc = new DateTime(2026, 12, 3, 23, 59, 59, 999, DateTimeKind.Utc), IngestedBy = odd,
        };
        var (byEf, byInserter) = (Bare(Guid.CreateVersion7()), Bare(Guid.CreateVersion7()));
        db.EvidenceItems.Add(byEf);
        await db.SaveChangesAsync();
        await RowInserter.InsertAsync(db, [byInserter], CancellationToken.None);

        AssertSameStorage(await RawRowAsync(db, "evidence_items", byEf.Id), await RawRowAsync(db, "evidence_items", byInserter.Id), "Id");
        Assert.Equal(2, await db.EvidenceItems.CountAsync(e => e.OriginalName == odd));

        // Stated metadata with every optional field null, the enums (stored as words) included, and odd text where there is any.
        ItemMetadata Unstated(Guid evidenceId) => new()
        {
            Id = Guid.CreateVersion7(), EvidenceId = evidenceId, Version = 0, Confidentiality = Confidentiality.Confidential,
            StatedAtUtc = new DateTime(2026, 12, 4, 0, 0, 0, DateTimeKind.Utc), StatedBy = odd,
        };
        var (metadataByEf, metadataByInserter) = (Unstated(byEf.Id), Unstated(byInserter.Id));
        db.ItemMetadata.Add(metadataByEf);
        await db.SaveChangesAsync();
        // In one statement with a row that sets every field (PostgreSQL's many rows a statement): each keeps its own nulls.
        var stated = Metadata(Guid.CreateVersion7(), byInserter.Id, version: 1);
        await RowInserter.InsertAsync(db, [metadataByInserter, stated], CancellationToken.None);

        var stored = await RawRowAsync(db, "item_metadata", metadataByInserter.Id);
        Assert.Equal("Kherson", (await RawRowAsync(db, "item_metadata", stated.Id))["Place"].Value);
        AssertSameStorage(await RawRowAsync(db, "item_metadata", metadataByEf.Id), stored, "Id", "EvidenceId");
        Assert.All(["Generation", "DerivedKind", "Consent", "WillingToTestify", "Latitude", "DerivedFrom"], column => Assert.Equal(typeof(DBNull), stored[column].Type));
        var read = await db.ItemMetadata.AsNoTracking().SingleAsync(m => m.Id == metadataByInserter.Id);
        Assert.Equal(((ItemGeneration?)null, (DerivedKind?)null, (ConsentState?)null, (bool?)null, Confidentiality.Confidential, odd),
            (read.Generation, read.DerivedKind, read.Consent, read.WillingToTestify, read.Confidentiality, read.StatedBy));
    }

    [Fact]
    public async Task CustodyEventsAndSubtreeHashes_AreStoredExactlyAsSaveChangesStoresThem_AcrossManyStatements()
    {
        await using var slice = await Slice.StartAsync();
        await using var scope = slice.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EvidenceDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync();

        db.CustodyEvents.Add(Event(1_000_000));
        db.MerkleNodes.Add(new MerkleNode { Level = 3, Index = 1_000_000, Hash = [1, 2, 3] });
        await db.SaveChangesAsync();
        // 250 rows: more than one multi-row statement on PostgreSQL (100 rows each), 250 runs of one on SQLite.
        var events = Enumerable.Range(1_000_001, 250).Select(i => Event(i)).ToList();
        var nodes = Enumerable.Range(1_000_001, 250).Select(i => new MerkleNode { Level = 3, Index = i, Hash = [1, 2, 3] }).ToList();
        await RowInserter.InsertAsync(db, events, CancellationToken.None);
        await RowInserter.InsertAsync(db, nodes, CancellationToken.None);

        AssertSameStorage(await RawRowAsync(db, "custody_events", 1_000_000L, "Sequence"), await RawRowAsync(db, "custody_events", 1_000_250L, "Sequence"), "Sequence");
        Assert.Equal(Enumerable.Range(1_000_000, 251).Select(i => (long)i),
            await db.CustodyEvents.Where(e => e.Sequence >= 1_000_000).OrderBy(e => e.Sequence).Select(e => e.Sequence).ToListAsync());
        var stored = await db.MerkleNodes.AsNoTracking().Where(n => n.Level == 3 && n.Index >= 1_000_000).ToListAsync();
        Assert.Equal(251, stored.Count);
        Assert.All(stored, n => Assert.Equal([1, 2, 3], n.Hash));
    }

    [Fact]
    public async Task ARefusedRow_FailsAsSaveChangesFails_AndItsStatementLeavesNothing()
    {
        await using var slice = await Slice.StartAsync();
        await using var scope = slice.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EvidenceDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var dbTransaction = transaction.GetDbTransaction();
        await RowInserter.InsertAsync(db, [new MerkleNode { Level = 5, Index = 7, Hash = [9] }], CancellationToken.None);

        // The same key again, in the middle of a request's rows: refused as SaveChanges refuses it, and the savepoint (as the
        // batch uses one per request) leaves the row before it in the table and nothing of the refused request.
        await dbTransaction.SaveAsync("request");
        var refused = await Assert.ThrowsAsync<DbUpdateException>(() => RowInserter.InsertAsync(db,
            [new MerkleNode { Level = 5, Index = 8, Hash = [9] }, new MerkleNode { Level = 5, Index = 7, Hash = [9] }], CancellationToken.None));
        await dbTransaction.RollbackAsync("request");

        Assert.Contains("merkle_nodes", refused.Message);
        Assert.NotNull(DatabaseFailures.Describe(refused));
        Assert.Equal([7L], await db.MerkleNodes.Where(n => n.Level == 5).Select(n => n.Index).ToListAsync());
    }

    [Fact]
    public async Task OutsideATransaction_NothingIsInserted()
    {
        await using var slice = await Slice.StartAsync();
        await using var scope = slice.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EvidenceDbContext>();

        // Ledger rows written in autocommit would land without their checkpoint: refused before anything is sent.
        await Assert.ThrowsAsync<InvalidOperationException>(() => RowInserter.InsertAsync(db, [Event(5)], CancellationToken.None));
        await RowInserter.InsertAsync(db, Array.Empty<CustodyEvent>(), CancellationToken.None); // nothing to insert: nothing asked of the database

        Assert.Equal(0, await db.CustodyEvents.CountAsync(e => e.Sequence == 5));
    }

    [Fact]
    public async Task ARowWithoutTheKeySaveChangesWouldGenerate_IsRefused_AndNothingOfItsRowsIsSent()
    {
        await using var slice = await Slice.StartAsync();
        await using var scope = slice.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EvidenceDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync();

        // SaveChanges would give an item without an Id a fresh Guid; stored as Guid.Empty it would collide with the next such row
        // and name no item. The first row is fine: it is not inserted either.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            RowInserter.InsertAsync(db, [Item(Guid.CreateVersion7()), Item(Guid.Empty)], CancellationToken.None));

        Assert.Contains("Row 1 of evidence_items has no Id", refused.Message);
        Assert.Equal(0, await db.EvidenceItems.CountAsync());
    }

    private static EvidenceItem Item(Guid id) => new()
    {
        Id = id,
        Sha256 = new string('0', 63) + "1",
        Size = 10_240,
        MediaType = "image/jpeg",
        OriginalName = "Фото дитини.jpg",
        Collector = "Olena",
        Source = "border crossing, Zaporizhzhia",
        CapturedAt = "2022-10",
        IngestedAtUtc = new DateTime(2026, 12, 3, 23, 59, 59, 123, DateTimeKind.Utc).AddTicks(4567),
        IngestedBy = "olena",
        Provenance = """{"c2pa":"none"}""",
        ExtractedText = "sealed",
        SearchWords = "alpha beta",
    };

    private static ItemMetadata Metadata(Guid id, Guid evidenceId, int version = 0) => new()
    {
        Id = id,
        EvidenceId = evidenceId,
        Version = version,
        Place = "Kherson",
        Latitude = 50.4501,
        Longitude = -30.5234,
        Languages = "uk ru",
        Generation = ItemGeneration.Derived,
        DerivedKind = DerivedKind.Redaction,
        Consent = ConsentState.NotRequired,
        WillingToTestify = true,
        Confidentiality = Confidentiality.StrictlyConfidential,
        StatedAtUtc = new DateTime(2026, 12, 3, 1, 2, 3, DateTimeKind.Utc),
        StatedBy = "olena",
        Salt = "00112233445566778899aabbccddeeff",
    };

    private static CustodyEvent Event(long sequence) => new()
    {
        Sequence = sequence,
        OccurredAtUtc = new DateTime(2026, 12, 3, 23, 0, 0, 5, DateTimeKind.Utc),
        Actor = "olena",
        Role = "Investigator",
        Action = "Ingested",
        EvidenceId = Guid.Parse("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
        Sha256 = new string('b', 64),
        Details = """{"size":"1"}""",
        Leaf = """{"seq":1}""",
        LeafHash = new string('c', 64),
    };

    // Every column of one row as the database hands it back: the stored value and the type it is stored as.
    private static async Task<Dictionary<string, (object Value, Type Type)>> RawRowAsync(EvidenceDbContext db, string table, object key, string keyColumn = "Id")
    {
        var helper = db.GetInfrastructure().GetRequiredService<ISqlGenerationHelper>();
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        command.CommandText = $"SELECT * FROM {helper.DelimitIdentifier(table)} WHERE {helper.DelimitIdentifier(keyColumn)} = @key";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@key";
        parameter.Value = key is Guid guid && !TestDatabase.OnPostgres ? guid.ToString().ToUpperInvariant() : key;
        command.Parameters.Add(parameter);
        await using DbDataReader reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no row {key} in {table}");
        return Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => (reader.GetValue(i), reader.GetValue(i).GetType()));
    }

    private static void AssertSameStorage(Dictionary<string, (object Value, Type Type)> bySaveChanges, Dictionary<string, (object Value, Type Type)> byInserter,
        params string[] differing)
    {
        Assert.Equal(bySaveChanges.Keys.Order(), byInserter.Keys.Order());
        foreach (var column in bySaveChanges.Keys.Except(differing))
        {
            Assert.True(Equals(bySaveChanges[column].Type, byInserter[column].Type), $"{column}: stored as {byInserter[column].Type}, SaveChanges stores {bySaveChanges[column].Type}");
            Assert.True(bySaveChanges[column].Value is byte[] a && byInserter[column].Value is byte[] b ? a.SequenceEqual(b) : Equals(bySaveChanges[column].Value, byInserter[column].Value),
                $"{column}: stored {byInserter[column].Value}, SaveChanges stores {bySaveChanges[column].Value}");
        }
        foreach (var column in differing)
        {
            Assert.Equal(bySaveChanges[column].Type, byInserter[column].Type);
        }
    }
}
