using System.Security.Cryptography;
using System.Text.Json;
using Evidence.Custody;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Custody;

/// <summary>The Merkle tree against the Certificate Transparency test vectors, then every index and size pair.</summary>
public sealed class MerkleTreeTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "tests", "Evidence.Tests", "TestData", "rfc6962-vectors.json"))).RootElement;

    private static readonly List<byte[]> VectorLeafHashes =
        Vectors.GetProperty("leaves").EnumerateArray().Select(l => MerkleTree.LeafHash(Convert.FromHexString(l.GetString()!))).ToList();

    private static List<byte[]> Hex(JsonElement array) => array.EnumerateArray().Select(p => Convert.FromHexString(p.GetString()!)).ToList();

    [Fact]
    public void Root_MatchesEveryPublishedRoot()
    {
        Assert.Equal(Vectors.GetProperty("emptyRoot").GetString(), Convert.ToHexStringLower(MerkleTree.Root([])));
        var roots = Vectors.GetProperty("roots").EnumerateArray().Select(r => r.GetString()).ToList();
        for (var n = 1; n <= roots.Count; n++)
        {
            Assert.Equal(roots[n - 1], Convert.ToHexStringLower(MerkleTree.Root(VectorLeafHashes.Take(n).ToList())));
        }
    }

    [Fact]
    public void InclusionProof_MatchesThePublishedProofsAndVerifies()
    {
        foreach (var vector in Vectors.GetProperty("inclusionProofs").EnumerateArray())
        {
            var (index, size) = (vector.GetProperty("index").GetInt64(), vector.GetProperty("size").GetInt64());
            var expected = Hex(vector.GetProperty("proof"));
            var proof = MerkleTree.InclusionProof(VectorLeafHashes, index, size);
            Assert.Equal(expected, proof);
            var root = MerkleTree.Root(VectorLeafHashes.Take((int)size).ToList());
            Assert.True(MerkleTree.VerifyInclusion(VectorLeafHashes[(int)index], index, size, expected, root));
        }
    }

    [Fact]
    public void ConsistencyProof_MatchesThePublishedProofsAndVerifies()
    {
        foreach (var vector in Vectors.GetProperty("consistencyProofs").EnumerateArray())
        {
            var (from, to) = (vector.GetProperty("from").GetInt64(), vector.GetProperty("to").GetInt64());
            var expected = Hex(vector.GetProperty("proof"));
            Assert.Equal(expected, MerkleTree.ConsistencyProof(VectorLeafHashes, from, to));
            Assert.True(MerkleTree.VerifyConsistency(from, to,
                MerkleTree.Root(VectorLeafHashes.Take((int)from).ToList()), MerkleTree.Root(VectorLeafHashes.Take((int)to).ToList()), expected));
        }
    }

    [Fact]
    public void InclusionProof_EveryIndexOfEverySizeUpTo130_VerifiesAndATamperedProofDoesNot()
    {
        var leaves = Enumerable.Range(0, 130).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i))).ToList();
        for (var size = 1; size <= leaves.Count; size++)
        {
            var root = MerkleTree.Root(leaves.Take(size).ToList());
            for (var index = 0; index < size; index++)
            {
                var proof = MerkleTree.InclusionProof(leaves, index, size);
                Assert.True(MerkleTree.VerifyInclusion(leaves[index], index, size, proof, root));
                Assert.True(size == 1 || !MerkleTree.VerifyInclusion(leaves[(index + 1) % size], index, size, proof, root), $"other leaf {index} {size}");
                if (proof.Count > 0)
                {
                    var tampered = proof.Select(p => p.ToArray()).ToList();
                    tampered[index % tampered.Count][0] ^= 1;
                    Assert.False(MerkleTree.VerifyInclusion(leaves[index], index, size, tampered, root), $"tampered {index} {size}");
                    Assert.False(MerkleTree.VerifyInclusion(leaves[index], index, size, proof.Take(proof.Count - 1).ToList(), root), $"short {index} {size}");
                }
            }
        }
    }

    [Fact]
    public void ConsistencyProof_EveryPairOfSizesUpTo130_VerifiesAndATamperedProofDoesNot()
    {
        var leaves = Enumerable.Range(0, 130).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i))).ToList();
        var roots = Enumerable.Range(0, leaves.Count + 1).Select(n => MerkleTree.Root(leaves.Take(n).ToList())).ToList();
        for (var to = 1; to <= leaves.Count; to++)
        {
            for (var from = 1; from <= to; from++)
            {
                var proof = MerkleTree.ConsistencyProof(leaves, from, to);
                Assert.True(MerkleTree.VerifyConsistency(from, to, roots[from], roots[to], proof));
                if (proof.Count > 0)
                {
                    var tampered = proof.Select(p => p.ToArray()).ToList();
                    tampered[^1][5] ^= 0x80;
                    Assert.False(MerkleTree.VerifyConsistency(from, to, roots[from], roots[to], tampered));
                    var forkedOldRoot = roots[from].ToArray();
                    forkedOldRoot[0] ^= 1;
                    Assert.False(MerkleTree.VerifyConsistency(from, to, forkedOldRoot, roots[to], proof));
                }
            }
        }
    }

    [Fact]
    public void LeafHash_IsSha256OfZeroByteAndLeaf()
    {
        Assert.Equal(SHA256.HashData([0x00, 0x41]), MerkleTree.LeafHash("A"u8));
        Assert.Equal(SHA256.HashData(new byte[5001]), MerkleTree.LeafHash(new byte[5000]));
    }
}
