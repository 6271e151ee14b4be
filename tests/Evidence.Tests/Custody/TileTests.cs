using Evidence.Custody;
using Evidence.Data;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Custody;

/// <summary>C2SP tlog-tiles: paths as the spec writes them, proofs from tiles equal to the RFC 6962 ones, tiles read from the database.</summary>
public sealed class TileTests
{
    [Theory]
    [InlineData(0, 0, 256, false, "tile/0/000")]
    [InlineData(0, 1234067, 256, false, "tile/0/x001/x234/067")]
    [InlineData(2, 999, 1, false, "tile/2/999.p/1")]
    [InlineData(1, 1000, 255, false, "tile/1/x001/000.p/255")]
    [InlineData(0, 5, 256, true, "tile/entries/005")]
    [InlineData(0, 7, 112, true, "tile/entries/007.p/112")]
    [InlineData(63, 36028797018963967, 256, false, "tile/63/x036/x028/x797/x018/x963/967")]
    public void Path_IsTheSpecsAndReadsBack(int level, long index, int width, bool entries, string path)
    {
        var address = new TileAddress(level, index, width, entries);
        Assert.Equal(path, address.Path);
        Assert.Equal(address, TileAddress.Parse(path["tile/".Length..]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("0/")]
    [InlineData("00/000")]          // level with a leading zero
    [InlineData("64/000")]          // level beyond 63
    [InlineData("-1/000")]
    [InlineData("x/000")]
    [InlineData("0/1")]             // not three digits
    [InlineData("0/0001")]
    [InlineData("0/x001")]          // the last group has no x
    [InlineData("0/001/002")]       // every group but the last has one
    [InlineData("0/x000/005")]      // 5 is 005, never x000/005
    [InlineData("0/00a")]
    [InlineData("0/000.p/0")]       // width 1..255
    [InlineData("0/000.p/256")]
    [InlineData("0/000.p/05")]
    [InlineData("0/000.p")]
    [InlineData("0/000.p/")]
    [InlineData("0/000/")]
    [InlineData("0/000.p/5/6")]
    [InlineData("entries")]
    [InlineData("entries/")]
    [InlineData("Entries/000")]
    [InlineData("0/x999/x999/x999/x999/x999/x999/999")] // more than a long holds
    [InlineData("0/x009/x223/x372/x036/x854/775/807")]  // seven groups, but past the last tile a long can address
    public void Path_Malformed_IsRefused(string path) => Assert.Null(TileAddress.Parse(path));

    [Fact]
    public void Path_EveryIndexToTwoMillion_ReadsBackAsItself()
    {
        for (long index = 0; index < 2_000_000; index += 997)
        {
            var address = new TileAddress(1, index, 256, false);
            Assert.Equal(address, TileAddress.Parse(address.Path["tile/".Length..]));
        }
    }

    [Fact]
    public void Available_IsTheSpecsExample()
    {
        // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0 tile of width 112, one full
        // level 1 tile, one partial level 1 tile of width 17, and one partial level 2 tile of width 1."
        Assert.Equal(256, new TileAddress(0, 272, 256, false).Available(70_000));
        Assert.Equal(112, new TileAddress(0, 273, 256, false).Available(70_000));
        Assert.Equal(0, new TileAddress(0, 274, 256, false).Available(70_000));
        Assert.Equal(256, new TileAddress(1, 0, 256, false).Available(70_000));
        Assert.Equal(17, new TileAddress(1, 1, 256, false).Available(70_000));
        Assert.Equal(1, new TileAddress(2, 0, 256, false).Available(70_000));
        Assert.Equal(0, new TileAddress(3, 0, 256, false).Available(70_000));
        Assert.Equal(0, new TileAddress(63, 0, 256, false).Available(long.MaxValue));
    }

    /// <summary>The tiles of a tree of <paramref name="size"/> leaves, computed from its leaf hashes as the spec defines them.</summary>
    private static Func<int, long, IReadOnlyList<byte[]>> TilesOf(List<byte[]> leaves, long size, List<(int, long)> reads)
    {
        var subtree = MerkleTree.Over(leaves);
        return (level, index) =>
        {
            reads.Add((level, index));
            var span = 1L << (8 * level);
            var hashes = new List<byte[]>();
            for (var i = index * 256; i < index * 256 + 256 && (i + 1) * span <= size; i++)
            {
                hashes.Add(subtree(i * span, span));
            }
            return hashes;
        };
    }

    [Fact]
    public void ProofsFromTiles_EveryIndexAndSizeUpTo600_EqualTheRfc6962Ones()
    {
        var leaves = Enumerable.Range(0, 600).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i))).ToList();
        for (var size = 1; size <= leaves.Count; size += size < 300 ? 1 : 7)
        {
            var reads = new List<(int, long)>();
            var tiles = LedgerTiles.Subtrees(TilesOf(leaves, size, reads));
            Assert.Equal(MerkleTree.Root(leaves.Take(size).ToList()), MerkleTree.Root(size, tiles));
            for (var index = 0; index < size; index += 1 + size / 40)
            {
                Assert.Equal(MerkleTree.InclusionProof(leaves, index, size), MerkleTree.InclusionProof(index, size, tiles));
            }
            for (var from = 1; from <= size; from += 1 + size / 40)
            {
                Assert.Equal(MerkleTree.ConsistencyProof(leaves, from, size), MerkleTree.ConsistencyProof(from, size, tiles));
            }
            Assert.Equal(reads.Count, reads.Distinct().Count()); // each tile read once
        }
    }

    [Fact]
    public void ProofsFromTiles_At70000_ReadAHandfulOfTiles()
    {
        var leaves = Enumerable.Range(0, 70_000).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i))).ToList();
        var whole = MerkleTree.Over(leaves);
        foreach (var (index, size) in new[] { (0L, 70_000L), (69_999, 70_000), (65_535, 65_536), (65_536, 65_537), (12_345, 66_000) })
        {
            var reads = new List<(int, long)>();
            var proof = MerkleTree.InclusionProof(index, size, LedgerTiles.Subtrees(TilesOf(leaves, size, reads)));
            Assert.Equal(MerkleTree.InclusionProof(index, size, whole), proof);
            Assert.InRange(reads.Count, 1, 6);

            reads.Clear();
            var from = index + 1;
            Assert.Equal(MerkleTree.ConsistencyProof(from, size, whole), MerkleTree.ConsistencyProof(from, size, LedgerTiles.Subtrees(TilesOf(leaves, size, reads))));
            Assert.InRange(reads.Count, 0, 6);
        }
    }

    [Fact]
    public void ProofsFromTiles_AMissingHash_IsAnErrorNotAWrongProof()
    {
        var leaves = Enumerable.Range(0, 300).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i))).ToList();
        // The stored tree lost its last level-0 rows (deleted behind the application's back).
        var tiles = LedgerTiles.Subtrees((level, index) => TilesOf(leaves, 300, [])(level, index).Take(level == 0 && index == 1 ? 10 : 256).ToList());
        Assert.Throws<InvalidOperationException>(() => MerkleTree.Root(300, tiles));
    }

    [Fact]
    public async Task Ledger_With600Events_ServesTilesBundlesAndProofsFromTheDatabase()
    {
        await using var slice = await Slice.StartAsync();
        await RecordAsync(slice, 300);
        await RecordAsync(slice, 300); // two checkpoints: 300, then 600

        await using var scope = slice.Services.CreateAsyncScope();
        var ledger = scope.ServiceProvider.GetRequiredService<Ledger>();
        var db = scope.ServiceProvider.GetRequiredService<EvidenceDbContext>();
        var events = await db.CustodyEvents.AsNoTracking().OrderBy(e => e.Sequence).Select(e => e.Leaf).ToListAsync();
        Assert.Equal(600, events.Count);
        var leaves = events.Select(l => MerkleTree.LeafHash(CustodyLeaf.Bytes(l))).ToList();
        foreach (var size in new[] { 1, 255, 256, 257, 300, 511, 512, 600 })
        {
            Assert.Equal(MerkleTree.Root(leaves.Take(size).ToList()), ledger.Root(size));
        }
        Assert.Equal(MerkleTree.InclusionProof(leaves, 299, 600), ledger.InclusionProof(299, 600));
        Assert.Equal(MerkleTree.ConsistencyProof(leaves, 300, 600), ledger.ConsistencyProof(300, 600));
        Assert.Equal(MerkleTree.ConsistencyProof(leaves, 257, 599), ledger.ConsistencyProof(257, 599));

        var tiles = ledger.Tiles;
        Assert.Equal(leaves.Take(256).SelectMany(h => h).ToArray(), await tiles.ReadAsync(Tile("0/000"), 600, default));
        Assert.Equal(leaves.Skip(512).Take(88).SelectMany(h => h).ToArray(), await tiles.ReadAsync(Tile("0/002.p/88"), 600, default));
        Assert.Equal(leaves.Skip(512).Take(5).SelectMany(h => h).ToArray(), await tiles.ReadAsync(Tile("0/002.p/5"), 600, default)); // an older checkpoint's
        Assert.Null(await tiles.ReadAsync(Tile("0/002.p/89"), 600, default)); // wider than the tree
        Assert.Null(await tiles.ReadAsync(Tile("0/002"), 600, default));      // not full yet
        Assert.Null(await tiles.ReadAsync(Tile("0/003.p/1"), 600, default));  // beyond the tree
        Assert.Null(await tiles.ReadAsync(Tile("1/000"), 600, default));
        Assert.Null(await tiles.ReadAsync(Tile("0/002.p/88"), 300, default)); // beyond the size asked for, though stored
        var levelOne = await tiles.ReadAsync(Tile("1/000.p/2"), 600, default);
        Assert.Equal([.. MerkleTree.Root(leaves.Take(256).ToList()), .. MerkleTree.Root(leaves.Skip(256).Take(256).ToList())], levelOne!);

        var bundle = (await tiles.ReadAsync(Tile("entries/001"), 600, default))!;
        var offset = 0;
        for (var i = 256; i < 512; i++)
        {
            var length = bundle[offset] << 8 | bundle[offset + 1];
            Assert.Equal(leaves[i], MerkleTree.LeafHash(bundle.AsSpan(offset + 2, length)));
            offset += 2 + length;
        }
        Assert.Equal(bundle.Length, offset);
        Assert.Null(await tiles.ReadAsync(Tile("entries/002"), 600, default));
    }

    [Fact]
    public void AnOversizedLeaf_IsRefusedBeforeItIsRecorded()
    {
        CustodyLeaf.RefuseOversized(new string('a', 65_535));
        var refused = Assert.Throws<InvalidRequestException>(() => CustodyLeaf.RefuseOversized(new string('a', 65_536)));
        Assert.Contains("65536 bytes", refused.Message);
        // UTF-8 bytes count, not characters: 21,846 Cyrillic letters are 43,692 bytes, 32,768 are 65,536.
        CustodyLeaf.RefuseOversized(new string('ї', 21_846));
        Assert.Throws<InvalidRequestException>(() => CustodyLeaf.RefuseOversized(new string('ї', 32_768)));
    }

    [Fact]
    public async Task AnOversizedEvent_RecordsNothing()
    {
        await using var slice = await Slice.StartAsync();
        await RecordAsync(slice, 1);
        await using (var scope = slice.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor(new string('a', 70_000), Role.Investigator);
            var unitOfWork = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            unitOfWork.Record("Viewed", null, null, []);
            await Assert.ThrowsAsync<InvalidRequestException>(() => unitOfWork.CommitAsync(default));
        }
        Assert.Equal(1, await slice.QueryAsync(db => db.CustodyEvents.LongCountAsync()));
        Assert.Equal(1, await slice.QueryAsync(db => db.Checkpoints.LongCountAsync()));
    }

    private static TileAddress Tile(string path) => TileAddress.Parse(path) ?? throw new ArgumentException(path);

    internal static async Task RecordAsync(Slice slice, int count)
    {
        await using var scope = slice.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("tiles", Role.Investigator);
        var unitOfWork = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
        for (var i = 0; i < count; i++)
        {
            unitOfWork.Record("Viewed", Guid.NewGuid(), null, [new("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        }
        await unitOfWork.CommitAsync(default);
    }
}
