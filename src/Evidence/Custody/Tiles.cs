using System.Globalization;
using Evidence.Data;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Custody;

/// <summary>
/// The address of a C2SP tlog-tiles resource (https://c2sp.org/tlog-tiles): a hash tile <c>tile/&lt;L&gt;/&lt;N&gt;[.p/&lt;W&gt;]</c>
/// or an entry bundle <c>tile/entries/&lt;N&gt;[.p/&lt;W&gt;]</c>. A tile of level L holds up to 256 consecutive hashes of tree
/// level 8·L (level 0: leaf hashes), starting at hash 256·N; a bundle holds the leaves whose hashes the level-0 tile N holds.
/// N is written in 3-digit groups, all but the last prefixed with <c>x</c>: 1234067 is <c>x001/x234/067</c>.
/// </summary>
public readonly record struct TileAddress(int Level, long Index, int Width, bool Entries)
{
    /// <summary>Tree levels a tile spans; a full tile is 2^8 hashes wide.</summary>
    public const int Height = 8;
    public const int FullWidth = 1 << Height;

    /// <summary>Entry bundles sit at level 0: each of their entries hashes to a hash of the level-0 tile of the same index.</summary>
    public static TileAddress Bundle(long index, int width = FullWidth) => new(0, index, width, Entries: true);

    public bool Partial => Width < FullWidth;

    /// <summary>The first leaf (for a bundle) or the first hash of tree level 8·L (for a tile) this resource holds.</summary>
    public long First => Index * FullWidth;

    public string Path
    {
        get
        {
            var groups = new List<string>();
            var n = Index;
            do
            {
                groups.Insert(0, (n % 1000).ToString("000", CultureInfo.InvariantCulture));
                n /= 1000;
            }
            while (n > 0);
            var number = string.Join('/', groups.Select((g, i) => i < groups.Count - 1 ? "x" + g : g));
            var level = Entries ? "entries" : Level.ToString(CultureInfo.InvariantCulture);
            return $"tile/{level}/{number}" + (Partial ? $".p/{Width.ToString(CultureInfo.InvariantCulture)}" : "");
        }
    }

    /// <summary>
    /// Reads a path after <c>tile/</c> (<c>0/x001/234.p/5</c>, <c>entries/007</c>), or null when it is not one the spec
    /// allows: a level outside 0..63 or with leading zeroes, an index group that is not three digits, an <c>x</c> missing or
    /// misplaced, a non-canonical index (<c>x000/005</c> for 5), a width outside 1..255 or with leading zeroes, anything more.
    /// </summary>
    public static TileAddress? Parse(string path)
    {
        if (path.Length > 100)
        {
            return null;
        }
        var parts = path.Split('/');
        if (parts.Length < 2)
        {
            return null;
        }
        var entries = parts[0] == "entries";
        var level = 0;
        if (!entries)
        {
            if (Decimal(parts[0], 63) is not { } l)
            {
                return null;
            }
            level = (int)l;
        }
        var groups = parts[1..];
        var width = FullWidth;
        if (groups.Length >= 2 && groups[^2].EndsWith(".p", StringComparison.Ordinal))
        {
            if (Decimal(groups[^1], FullWidth - 1) is not { } w || w == 0)
            {
                return null;
            }
            width = (int)w;
            groups = [.. groups[..^2], groups[^2][..^2]];
        }
        // 2^63 has 19 digits: seven groups are the most a long can need.
        if (groups.Length > 7 || groups.Length > 1 && groups[0] == "x000")
        {
            return null;
        }
        long index = 0;
        for (var i = 0; i < groups.Length; i++)
        {
            var group = groups[i];
            var digits = i < groups.Length - 1 ? (group.StartsWith('x') ? group[1..] : null) : group;
            if (digits is not { Length: 3 } || !digits.All(char.IsAsciiDigit))
            {
                return null;
            }
            try
            {
                index = checked(index * 1000 + int.Parse(digits, CultureInfo.InvariantCulture));
            }
            catch (OverflowException)
            {
                return null;
            }
        }
        if (index > long.MaxValue / FullWidth)
        {
            return null;
        }
        return new TileAddress(level, index, width, entries);

        static long? Decimal(string text, long max) =>
            text.Length is > 0 and <= 3 && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0')
            && long.Parse(text, CultureInfo.InvariantCulture) is var value && value <= max
                ? value
                : null;
    }

    /// <summary>
    /// How many hashes of this tile's level (or leaves, for a bundle) a tree of <paramref name="size"/> leaves has from this
    /// tile's first one on, at most 256: 0 when the tile lies beyond the tree.
    /// </summary>
    public int Available(long size) => (int)Math.Clamp(HashesAt(Entries ? 0 : Level, size) - First, 0, FullWidth);

    /// <summary>How many hashes tile level <paramref name="level"/> has in a tree of <paramref name="size"/> leaves: one per full 256^level leaves.</summary>
    public static long HashesAt(int level, long size) =>
        level * Height >= 63 ? 0 : size >> (level * Height); // a shift of 64 or more would wrap in C#
}

/// <summary>
/// The ledger's tiles, read from what it already stores: a hash tile is one range of <c>merkle_nodes</c> (the perfect-subtree
/// hashes of level 8·L, indexes 256·N onwards), an entry bundle one range of <c>custody_events</c> leaves. One indexed range
/// query each, on SQLite and PostgreSQL alike (plain EF, nothing provider-specific). Nothing is stored twice.
/// </summary>
public sealed class LedgerTiles(EvidenceDbContext db)
{
    /// <summary>The largest leaf an entry bundle can carry: its length prefix is two bytes.</summary>
    public const int MaxEntryBytes = ushort.MaxValue;

    /// <summary>
    /// The resource at <paramref name="address"/> as a tree of <paramref name="size"/> leaves has it (the latest checkpoint's),
    /// or null when the tree has no such tile: beyond its edge, or a partial tile wider than the tree holds. A partial tile
    /// narrower than what is stored is the prefix an older checkpoint's client asks for, and is served.
    /// </summary>
    public async Task<byte[]?> ReadAsync(TileAddress address, long size, CancellationToken cancellationToken)
    {
        var available = address.Available(size);
        if (available == 0 || address.Width > available)
        {
            return null;
        }
        if (address.Entries)
        {
            var leaves = await db.CustodyEvents.AsNoTracking()
                .Where(e => e.Sequence >= address.First && e.Sequence < address.First + address.Width)
                .OrderBy(e => e.Sequence).Select(e => new { e.Sequence, e.Leaf }).ToListAsync(cancellationToken);
            return Bundle(leaves.TakeWhile((e, i) => e.Sequence == address.First + i).Select(e => e.Leaf).ToList(), address);
        }
        var hashes = await HashRange(address.Level, address.First, address.Width).ToListAsync(cancellationToken);
        return Tile(Consecutive(hashes, address.First), address);
    }

    /// <summary>Up to 256 consecutive stored hashes of tile level <paramref name="level"/>, from hash 256·<paramref name="index"/>: one query.</summary>
    public IReadOnlyList<byte[]> ReadStoredTile(int level, long index)
    {
        var first = index * TileAddress.FullWidth;
        return Consecutive(HashRange(level, first, TileAddress.FullWidth).ToList(), first);
    }

    /// <summary>The leaves concatenated, each after its length as a 2-byte big-endian number.</summary>
    public static byte[] Bundle(IReadOnlyList<string> leaves, TileAddress address)
    {
        if (leaves.Count != address.Width)
        {
            throw new Requests.UnavailableException($"The custody ledger is missing events of {address.Path} ({leaves.Count} of {address.Width}). " +
                                                    "Run `evidence verify` to see what changed.");
        }
        var bundle = new MemoryStream();
        foreach (var leaf in leaves)
        {
            var bytes = CustodyLeaf.Bytes(leaf);
            if (bytes.Length > MaxEntryBytes)
            {
                throw new Requests.UnavailableException($"A custody event of {address.Path} is {bytes.Length} bytes, more than an entry bundle can carry; " +
                                                        "the ledger refuses such events when they are appended, so this one was put there some other way.");
            }
            bundle.WriteByte((byte)(bytes.Length >> 8));
            bundle.WriteByte((byte)bytes.Length);
            bundle.Write(bytes);
        }
        return bundle.ToArray();
    }

    private static byte[] Tile(IReadOnlyList<byte[]> hashes, TileAddress address)
    {
        if (hashes.Count != address.Width)
        {
            throw new Requests.UnavailableException($"The custody ledger is missing subtree hashes of {address.Path} ({hashes.Count} of {address.Width}). " +
                                                    "Run `evidence verify` to see what changed.");
        }
        return hashes.SelectMany(h => h).ToArray();
    }

    private IQueryable<NodeHash> HashRange(int tileLevel, long first, int width)
    {
        var level = tileLevel * TileAddress.Height;
        return db.MerkleNodes.AsNoTracking()
            .Where(n => n.Level == level && n.Index >= first && n.Index < first + width)
            .OrderBy(n => n.Index).Select(n => new NodeHash(n.Index, n.Hash));
    }

    // A row missing in the middle (deleted behind our back) ends the tile there: what follows would be at the wrong place.
    private static List<byte[]> Consecutive(List<NodeHash> rows, long first) =>
        rows.TakeWhile((n, i) => n.Index == first + i && n.Hash.Length == 32).Select(n => n.Hash).ToList();

    private sealed record NodeHash(long Index, byte[] Hash);

    /// <summary>
    /// Any subtree's hash from tiles (RFC 6962 over tlog-tiles): a perfect subtree of tree level l is 2^(l mod 8) consecutive
    /// hashes of the tile at level l/8, hashed up; anything else splits into perfect subtrees as <see cref="MerkleTree"/> does.
    /// Each tile is read once per proof, so a root or a proof costs a few tile reads (about two per tile level) whatever the
    /// size: three tile levels reach 16,777,216 leaves.
    /// </summary>
    public static MerkleTree.SubtreeHash Subtrees(Func<int, long, IReadOnlyList<byte[]>> readTile)
    {
        var tiles = new Dictionary<(int, long), IReadOnlyList<byte[]>>();
        return MerkleTree.FromPerfectSubtrees((level, index) =>
        {
            var tileLevel = level / TileAddress.Height;
            var below = level % TileAddress.Height;
            var first = index << below; // the first hash of tree level 8·tileLevel under this subtree
            var key = (tileLevel, first / TileAddress.FullWidth);
            if (!tiles.TryGetValue(key, out var tile))
            {
                tile = readTile(tileLevel, key.Item2);
                tiles[key] = tile;
            }
            var offset = (int)(first % TileAddress.FullWidth);
            var count = 1 << below;
            if (offset + count > tile.Count)
            {
                throw new InvalidOperationException($"The ledger has no subtree hash at level {level}, index {index}.");
            }
            var hashes = new byte[count][];
            for (var i = 0; i < count; i++)
            {
                hashes[i] = tile[offset + i];
            }
            for (; count > 1; count /= 2)
            {
                for (var i = 0; i < count / 2; i++)
                {
                    hashes[i] = MerkleTree.NodeHash(hashes[2 * i], hashes[2 * i + 1]);
                }
            }
            return hashes[0];
        });
    }
}
