using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Evidence.Referrals;

namespace Evidence.Tests.Referrals;

/// <summary>
/// The package's SHA-256 is computed while the zip is written, from what each seal makes final (PackageFile). It must be
/// the SHA-256 of the finished file whatever the entries are (none, empty, small, exactly the gathering buffer, larger,
/// several mebibytes), and a writer that goes back below a seal must fail rather than leave a wrong hash recorded.
/// </summary>
public sealed class PackageFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("package-file-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task HashAsync_NothingWritten_HashOfTheEmptyFile()
    {
        using var file = File.Open(Path.Combine(folder, "empty.zip"), FileMode.CreateNew, FileAccess.ReadWrite);
        using var output = new PackageFile(file.SafeFileHandle);

        Assert.Equal(SHA256.HashData([]), await output.HashAsync());
        Assert.Equal(0, output.Length);
    }

    [Theory]
    [InlineData(new[] { 0 })]
    [InlineData(new[] { 1, 2, 3 })]
    [InlineData(new[] { 65536, 65535, 65537 })]
    [InlineData(new[] { 5 << 20, 0, 17, 3 << 20 })]
    public async Task HashAsync_ZipOfEntriesSealedOneByOne_HashOfTheFinishedFile(int[] sizes)
    {
        var path = Path.Combine(folder, "package.zip");
        byte[] hash;
        using (var file = File.Open(path, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            using var output = new PackageFile(file.SafeFileHandle);
            using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true, Encoding.UTF8))
            {
                for (var i = 0; i < sizes.Length; i++)
                {
                    var entry = zip.CreateEntry($"bag/data/{i}.bin", i % 2 == 0 ? CompressionLevel.NoCompression : CompressionLevel.Optimal);
                    await using (var stream = entry.Open())
                    {
                        await stream.WriteAsync(RandomNumberGenerator.GetBytes(sizes[i]));
                    }
                    output.Seal();
                }
            }
            hash = await output.HashAsync();
            Assert.Equal(file.Length, output.Length);
        }

        Assert.Equal(SHA256.HashData(File.ReadAllBytes(path)), hash);
        // And the zip is one that every standard reader takes: the strict reader finds nothing to report.
        var findings = new List<Evidence.Custody.Finding>();
        using var strict = StrictZip.Read(path, findings.Add);
        Assert.Empty(findings);
        Assert.Equal(sizes.Length, strict!.Entries.Count);
    }

    [Fact]
    public async Task Write_BelowTheSeal_RefusedAndTheHashIsNeverGiven()
    {
        using var file = File.Open(Path.Combine(folder, "rewritten.zip"), FileMode.CreateNew, FileAccess.ReadWrite);
        using var output = new PackageFile(file.SafeFileHandle);
        output.Write("first entry, hashed"u8);
        output.Seal();

        output.Position = 3;
        Assert.Throws<InvalidOperationException>(() => output.Write("X"u8));
        // Sealing away from the end (after going back) is refused too, so a half-patched file is never hashed.
        Assert.Throws<InvalidOperationException>(output.Seal);
        output.Position = output.Length;
        output.Write(" second"u8);

        Assert.Equal(SHA256.HashData("first entry, hashed second"u8), await output.HashAsync());
    }

    [Fact]
    public void Dispose_WithoutHashing_StopsTheHashingThreadBeforeTheFileCloses()
    {
        using var file = File.Open(Path.Combine(folder, "failed.zip"), FileMode.CreateNew, FileAccess.ReadWrite);
        var output = new PackageFile(file.SafeFileHandle);
        output.Write(new byte[3 << 20]);
        output.Seal();

        output.Dispose(); // a build that failed here: returns, and the file can be closed and removed

        Assert.Equal(3 << 20, file.Length);
    }

    /// <summary>
    /// Encrypted to a recipient, the zip is scratch: on disk only under a key of this process, never readable, while the
    /// envelope gets exactly the zip's bytes, in order, whatever the writer went back over (each entry's header); openssl
    /// opens the envelope to bytes whose SHA-256 is the one computed on the way.
    /// </summary>
    [Theory]
    [InlineData(new[] { 1, 70_000 })]
    [InlineData(new[] { 3 << 20, 0, 65536 })]
    public async Task HashAsync_EncryptedToARecipient_ScratchNeverHoldsTheZip_AndTheEnvelopeOpensToIt(int[] sizes)
    {
        var marker = Encoding.ASCII.GetBytes("MARKER-in-every-entry-7d1e");
        var recipient = await Fixtures.RecipientKey.CreateAsync(folder, "office");
        var certificate = Evidence.Crypto.RecipientCertificate.Read(recipient.Certificate, DateTimeOffset.UtcNow);
        var p7m = Path.Combine(folder, "package.zip.p7m");
        byte[] hash;
        byte[] scratchBytes;
        using (var envelopeFile = File.Open(p7m, FileMode.CreateNew, FileAccess.Write))
        using (var scratch = File.Open(Path.Combine(folder, "scratch"), FileMode.CreateNew, FileAccess.ReadWrite))
        {
            using var envelope = Evidence.Crypto.CmsEnvelope.Open(envelopeFile, certificate);
            using (var output = new PackageFile(scratch.SafeFileHandle, envelope))
            {
                using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true, Encoding.UTF8))
                {
                    for (var i = 0; i < sizes.Length; i++)
                    {
                        var entry = zip.CreateEntry($"bag/data/{i}.txt", CompressionLevel.NoCompression);
                        await using (var stream = entry.Open())
                        {
                            await stream.WriteAsync(marker);
                            await stream.WriteAsync(new byte[sizes[i]]);
                            await stream.WriteAsync(marker);
                        }
                        output.Seal();
                    }
                }
                hash = await output.HashAsync();
            }
            envelope.Finish();
            // Read through the open handle: what is on disk while the package is being built.
            scratchBytes = new byte[scratch.Length];
            Assert.Equal(scratchBytes.Length, RandomAccess.Read(scratch.SafeFileHandle, scratchBytes, 0));
        }

        Assert.Equal(-1, scratchBytes.AsSpan().IndexOf(marker));
        Assert.Equal(-1, scratchBytes.AsSpan().IndexOf("bag/data/0.txt"u8)); // not even the zip's own headers
        Assert.Equal(-1, File.ReadAllBytes(p7m).AsSpan().IndexOf(marker));
        var zipPath = await recipient.OpenAsync(p7m);
        var opened = File.ReadAllBytes(zipPath);
        Assert.Equal(scratchBytes.Length, opened.Length);
        Assert.Equal(hash, SHA256.HashData(opened));
        var findings = new List<Evidence.Custody.Finding>();
        using (StrictZip.Read(zipPath, findings.Add))
        {
            Assert.Empty(findings);
        }
    }
}
