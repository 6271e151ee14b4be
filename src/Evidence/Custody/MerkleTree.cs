using System.Security.Cryptography;

namespace Evidence.Custody;

/// <summary>
/// The RFC 6962 (RFC 9162 §2.1) Merkle tree over the custody log: leaf hash SHA-256(0x00 || leaf),
/// node hash SHA-256(0x01 || left || right), a tree of n leaves split at the largest power of two
/// smaller than n. Roots, inclusion proofs and consistency proofs, and their verification, written to
/// follow the RFC's definitions line by line so that an expert witness can compare them.
/// </summary>
public static class MerkleTree
{
    public static byte[] LeafHash(ReadOnlySpan<byte> leaf)
    {
        Span<byte> input = leaf.Length < 4096 ? stackalloc byte[leaf.Length + 1] : new byte[leaf.Length + 1];
        input[0] = 0x00;
        leaf.CopyTo(input[1..]);
        return SHA256.HashData(input);
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> input = stackalloc byte[65];
        input[0] = 0x01;
        left.CopyTo(input[1..]);
        right.CopyTo(input[33..]);
        return SHA256.HashData(input);
    }

    /// <summary>MTH(D[n]) over leaf hashes; the hash of the empty string for an empty tree.</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leafHashes) => Root(leafHashes.Count, Over(leafHashes));

    public static byte[] Root(long size, SubtreeHash subtree) => size == 0 ? SHA256.HashData([]) : subtree(0, size);

    /// <summary>MTH of the leaves [start, start + count): the tree's only input, so that the proofs below can run
    /// over leaf hashes in memory (<see cref="Over"/>) or over stored subtree hashes (<see cref="FromPerfectSubtrees"/>).</summary>
    public delegate byte[] SubtreeHash(long start, long count);

    /// <summary>Computes every subtree from the leaf hashes: for tests and for verify, which rebuilds the whole tree anyway.</summary>
    public static SubtreeHash Over(IReadOnlyList<byte[]> leafHashes)
    {
        byte[] Subtree(long start, long n) => n == 1 ? leafHashes[(int)start] : NodeHash(Subtree(start, SplitPoint(n)), Subtree(start + SplitPoint(n), n - SplitPoint(n)));
        return Subtree;
    }

    /// <summary>
    /// Builds any subtree from stored hashes of perfect subtrees (2^level leaves starting at index * 2^level):
    /// at most two lookups per level, so a proof never needs the whole tree in memory.
    /// </summary>
    public static SubtreeHash FromPerfectSubtrees(Func<int, long, byte[]> perfect)
    {
        byte[] Subtree(long start, long n)
        {
            if ((n & (n - 1)) == 0 && start % n == 0)
            {
                return perfect(System.Numerics.BitOperations.Log2((ulong)n), start / n);
            }
            var k = SplitPoint(n);
            return NodeHash(Subtree(start, k), Subtree(start + k, n - k));
        }
        return Subtree;
    }

    /// <summary>PATH(m, D[n]): the audit path of leaf <paramref name="index"/> in the tree of the first <paramref name="size"/> leaves.</summary>
    public static List<byte[]> InclusionProof(IReadOnlyList<byte[]> leafHashes, long index, long size)
    {
        if (size > leafHashes.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"The log has {leafHashes.Count} leaves, not {size}.");
        }
        return InclusionProof(index, size, Over(leafHashes));
    }

    public static List<byte[]> InclusionProof(long index, long size, SubtreeHash subtree)
    {
        if (index < 0 || index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Leaf {index} is not in a tree of {size} leaves.");
        }
        var proof = new List<byte[]>();
        Path(index, 0, size);
        return proof;

        void Path(long m, long start, long n)
        {
            if (n == 1)
            {
                return;
            }
            var k = SplitPoint(n);
            if (m < k)
            {
                Path(m, start, k);
                proof.Add(subtree(start + k, n - k));
            }
            else
            {
                Path(m - k, start + k, n - k);
                proof.Add(subtree(start, k));
            }
        }
    }

    /// <summary>PROOF(m, D[n]): proves that the tree of the first m leaves is a prefix of the tree of n leaves.</summary>
    public static List<byte[]> ConsistencyProof(IReadOnlyList<byte[]> leafHashes, long from, long to)
    {
        if (to > leafHashes.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(to), $"The log has {leafHashes.Count} leaves, not {to}.");
        }
        return ConsistencyProof(from, to, Over(leafHashes));
    }

    public static List<byte[]> ConsistencyProof(long from, long to, SubtreeHash subtree)
    {
        if (from < 1 || from > to)
        {
            throw new ArgumentOutOfRangeException(nameof(from), $"No consistency proof from {from} to {to} leaves.");
        }
        var proof = new List<byte[]>();
        if (from < to)
        {
            SubProof(from, 0, to, true);
        }
        return proof;

        void SubProof(long m, long start, long n, bool completeSubtree)
        {
            if (m == n)
            {
                if (!completeSubtree)
                {
                    proof.Add(subtree(start, n));
                }
                return;
            }
            var k = SplitPoint(n);
            if (m <= k)
            {
                SubProof(m, start, k, completeSubtree);
                proof.Add(subtree(start + k, n - k));
            }
            else
            {
                SubProof(m - k, start + k, n - k, false);
                proof.Add(subtree(start, k));
            }
        }
    }

    /// <summary>RFC 9162 §2.1.3.2: recomputes the root from a leaf hash and its audit path.</summary>
    public static bool VerifyInclusion(ReadOnlySpan<byte> leafHash, long index, long size, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        if (index < 0 || index >= size)
        {
            return false;
        }
        var fn = index;
        var sn = size - 1;
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                ShiftUntilOddOrZero(ref fn, ref sn);
            }
            else
            {
                r = NodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.AsSpan().SequenceEqual(root);
    }

    /// <summary>RFC 9162 §2.1.4.2: checks that the first tree is a prefix of the second.</summary>
    public static bool VerifyConsistency(long from, long to, ReadOnlySpan<byte> fromRoot, ReadOnlySpan<byte> toRoot, IReadOnlyList<byte[]> proof)
    {
        if (from < 1 || from > to)
        {
            return false;
        }
        if (from == to)
        {
            return proof.Count == 0 && fromRoot.SequenceEqual(toRoot);
        }
        if (proof.Count == 0)
        {
            return false;
        }
        var path = new List<byte[]>(proof);
        // When the old size is a power of two, its root is the first node of the path.
        if ((from & (from - 1)) == 0)
        {
            path.Insert(0, fromRoot.ToArray());
        }
        var fn = from - 1;
        var sn = to - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        var fr = path[0];
        var sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                ShiftUntilOddOrZero(ref fn, ref sn);
            }
            else
            {
                sr = NodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && fr.AsSpan().SequenceEqual(fromRoot) && sr.AsSpan().SequenceEqual(toRoot);
    }

    /// <summary>RFC 9162: "right-shift both fn and sn equally until either LSB(fn) is set or fn is 0".</summary>
    private static void ShiftUntilOddOrZero(ref long fn, ref long sn)
    {
        while ((fn & 1) == 0 && fn != 0)
        {
            fn >>= 1;
            sn >>= 1;
        }
    }

    /// <summary>
    /// The perfect subtrees a tree of <paramref name="size"/> leaves is made of, left to right, as (level, index): one per set bit
    /// of the size, largest first. They are all an append needs of the tree, and folded from the right they give its root.
    /// </summary>
    public static List<(int Level, long Index)> RightEdge(long size)
    {
        var edge = new List<(int, long)>();
        var start = 0L;
        for (var level = 62; level >= 0; level--)
        {
            if ((size & (1L << level)) != 0)
            {
                edge.Add((level, start >> level));
                start += 1L << level;
            }
        }
        return edge;
    }

    /// <summary>The largest power of two smaller than n (n &gt; 1).</summary>
    internal static long SplitPoint(long n)
    {
        var k = 1L;
        while (k << 1 < n)
        {
            k <<= 1;
        }
        return k;
    }

}
