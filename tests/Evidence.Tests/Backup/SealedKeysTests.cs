using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Evidence.Backup;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Org.BouncyCastle.Crypto.Parameters;

namespace Evidence.Tests.Backup;

/// <summary>
/// keys.enc: the key folder sealed under a passphrase (Argon2id, AES-256-GCM). The KDF is checked against the reference
/// implementation's vectors; hostile files (parameters that would exhaust memory, archive entries that leave the key
/// folder, cut or altered bytes) are refused; hand-made files in the documented format open, so the format is what the
/// docs say.
/// </summary>
public sealed class SealedKeysTests : IDisposable
{
    private const string Passphrase = "Київ 2022: correct horse";
    private readonly TestHome home = new();

    public void Dispose() => home.Dispose();

    /// <summary>phc-winner-argon2 src/test.c, Argon2id v19: password "password", salt "somesalt".</summary>
    [Theory]
    [InlineData(2, 65536, 1, "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7")]
    [InlineData(2, 256, 2, "6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037")]
    public void Argon2id_ReferenceVectors(int iterations, int memoryKiB, int parallelism, string expected)
    {
        var parameters = new Argon2Parameters.Builder(Argon2Parameters.Argon2id).WithVersion(Argon2Parameters.Version13)
            .WithIterations(iterations).WithMemoryAsKB(memoryKiB).WithParallelism(parallelism).WithSalt("somesalt"u8.ToArray()).Build();

        Assert.Equal(expected, Convert.ToHexStringLower(SealedKeys.Argon2id("password"u8.ToArray(), parameters)));
    }

    [Fact]
    public void SealThenOpen_EveryKeyFile_HiddenFilesLeftOut_HeaderAsDocumented()
    {
        var folder = Path.Combine(home.Path, "keys");
        home.File("keys/ledger-ed25519.pem", "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n"u8.ToArray());
        home.File("keys/rotated/old.pem", [1, 2, 3]);
        home.File("keys/.create.lock", []);
        home.File("keys/.ledger-ed25519.pem.0123.tmp", [9]);
        File.CreateSymbolicLink(Path.Combine(folder, "organisation-key.pem"), home.File("elsewhere/organisation-key.pem", [4, 5]));

        var sealedBytes = SealedKeys.Seal(folder, Passphrase);
        var opened = SealedKeys.Open(sealedBytes, Passphrase);

        // A linked key is sealed as the file it points at: the backup holds the key, not a link to where it was.
        Assert.Equal(["ledger-ed25519.pem", "organisation-key.pem", "rotated/old.pem"], opened.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([4, 5], opened["organisation-key.pem"]);
        Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "ledger-ed25519.pem")), opened["ledger-ed25519.pem"]);
        Assert.Equal([1, 2, 3], opened["rotated/old.pem"]);
        var lines = Encoding.UTF8.GetString(sealedBytes).Split('\n', 3);
        Assert.Equal("evidence-keys v1", lines[0]);
        var header = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Equal(("argon2id", 19, 65536, 3, 4, "aes-256-gcm"), (header.GetProperty("kdf").GetString(), header.GetProperty("version").GetInt32(),
            header.GetProperty("memoryKiB").GetInt32(), header.GetProperty("iterations").GetInt32(), header.GetProperty("parallelism").GetInt32(),
            header.GetProperty("cipher").GetString()));
        Assert.Equal(16, Convert.FromBase64String(header.GetProperty("salt").GetString()!).Length);
        Assert.Equal(12, Convert.FromBase64String(header.GetProperty("nonce").GetString()!).Length);
        Assert.DoesNotContain("PRIVATE KEY", Encoding.Latin1.GetString(sealedBytes), StringComparison.Ordinal);
        // Each sealing has its own salt and nonce: the same keys never give the same file.
        Assert.NotEqual(sealedBytes, SealedKeys.Seal(folder, Passphrase));
    }

    /// <summary>A passphrase typed on one keyboard as composed letters and on another as letter plus combining mark opens the same keys.</summary>
    [Fact]
    public void Open_PassphraseInAnotherUnicodeForm_Opens()
    {
        home.File("keys/k.key", [7]);
        var sealedBytes = SealedKeys.Seal(Path.Combine(home.Path, "keys"), "Україна й Київ".Normalize(NormalizationForm.FormC));

        Assert.Equal([7], SealedKeys.Open(sealedBytes, "Україна й Київ".Normalize(NormalizationForm.FormD))["k.key"]);
    }

    [Fact]
    public void Open_WrongPassphrase_OrAlteredBytes_Refused()
    {
        home.File("keys/k.key", [7]);
        var sealedBytes = SealedKeys.Seal(Path.Combine(home.Path, "keys"), Passphrase);
        var header = Encoding.UTF8.GetString(sealedBytes).Split('\n')[1];
        byte[] fewerPasses = [.. Encoding.UTF8.GetBytes("evidence-keys v1\n" + header.Replace("\"iterations\":3", "\"iterations\":2", StringComparison.Ordinal) + "\n"),
            .. sealedBytes.AsSpan(17 + header.Length + 1)];
        var flipped = sealedBytes.ToArray();
        flipped[^20] ^= 1;

        Assert.Contains("The passphrase does not open", Assert.Throws<InvalidRequestException>(() => SealedKeys.Open(sealedBytes, Passphrase + " ")).Message, StringComparison.Ordinal);
        Assert.Contains("The passphrase does not open", Assert.Throws<InvalidRequestException>(() => SealedKeys.Open(flipped, Passphrase)).Message, StringComparison.Ordinal);
        // The parameters are the cipher's associated data: one changed, even to a weaker setting, fails as a wrong passphrase does.
        Assert.Contains("The passphrase does not open", Assert.Throws<InvalidRequestException>(() => SealedKeys.Open(fewerPasses, Passphrase)).Message, StringComparison.Ordinal);
    }

    /// <summary>The header is read before anything is authenticated: parameters beyond what Evidence writes are refused, not tried.</summary>
    [Theory]
    [InlineData("""{"kdf":"argon2id","version":19,"memoryKiB":4194304,"iterations":3,"parallelism":4,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","cipher":"aes-256-gcm","nonce":"AAAAAAAAAAAAAAAA"}""")]
    [InlineData("""{"kdf":"argon2id","version":19,"memoryKiB":65536,"iterations":1000000,"parallelism":4,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","cipher":"aes-256-gcm","nonce":"AAAAAAAAAAAAAAAA"}""")]
    [InlineData("""{"kdf":"argon2id","version":19,"memoryKiB":65536,"iterations":3,"parallelism":255,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","cipher":"aes-256-gcm","nonce":"AAAAAAAAAAAAAAAA"}""")]
    [InlineData("""{"kdf":"pbkdf2","version":19,"memoryKiB":65536,"iterations":3,"parallelism":4,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","cipher":"aes-256-gcm","nonce":"AAAAAAAAAAAAAAAA"}""")]
    [InlineData("""{"kdf":"argon2id","version":19,"memoryKiB":65536,"iterations":3,"parallelism":4,"salt":"AAAA","cipher":"aes-256-gcm","nonce":"AAAAAAAAAAAAAAAA"}""")]
    [InlineData("""{"kdf":"argon2id","version":19,"memoryKiB":65536,"iterations":3,"parallelism":4,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","cipher":"none","nonce":"AAAAAAAAAAAAAAAA"}""")]
    [InlineData("""not json""")]
    [InlineData("""null""")]
    public void Open_HostileHeader_RefusedBeforeAnyDerivation(string header)
    {
        var file = Encoding.UTF8.GetBytes($"evidence-keys v1\n{header}\n" + new string('x', 64));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var refused = Assert.Throws<InvalidRequestException>(() => SealedKeys.Open(file, Passphrase));

        Assert.Equal("The backup's keys.enc is not a sealed key folder (evidence-keys v1); nothing was written.", refused.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("evidence-keys v1")]
    [InlineData("evidence-keys v2\n{}\n")]
    [InlineData("PK\u0003\u0004 a zip, not ours")]
    public void Open_NotASealedFile_Refused(string content) =>
        Assert.Throws<InvalidRequestException>(() => SealedKeys.Open(Encoding.UTF8.GetBytes(content), Passphrase));

    [Fact]
    public void Open_CutShort_Refused()
    {
        var file = HandSealed([0], Passphrase);

        Assert.Contains("cut short", Assert.Throws<InvalidRequestException>(() => SealedKeys.Open(file[..^17], Passphrase)).Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// An archive sealed with the right passphrase (by whoever knows it) whose entries would land outside the key folder, or are
    /// no plain files: refused whole. A hand-made file in the documented format with plain entries opens.
    /// </summary>
    [Theory]
    [InlineData("../evil.pem", TarEntryType.RegularFile)]
    [InlineData("/etc/evil.pem", TarEntryType.RegularFile)]
    [InlineData("rotated/../../evil.pem", TarEntryType.RegularFile)]
    [InlineData(".hidden", TarEntryType.RegularFile)]
    [InlineData("a\\b.pem", TarEntryType.RegularFile)]
    [InlineData("link.pem", TarEntryType.SymbolicLink)]
    [InlineData("folder", TarEntryType.Directory)]
    [InlineData("ok.pem", TarEntryType.RegularFile)]
    public void Open_ArchiveEntryOutsideTheKeyFolder_Refused(string name, TarEntryType type)
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(type, name);
            if (type == TarEntryType.RegularFile)
            {
                entry.DataStream = new MemoryStream([1, 2, 3]);
            }
            if (type == TarEntryType.SymbolicLink)
            {
                entry.LinkName = "/etc/shadow";
            }
            writer.WriteEntry(entry);
        }
        var file = HandSealed(tar.ToArray(), Passphrase);

        if (name == "ok.pem")
        {
            Assert.Equal([1, 2, 3], SealedKeys.Open(file, Passphrase)["ok.pem"]);
            return;
        }
        var refused = Assert.Throws<InvalidRequestException>(() => SealedKeys.Open(file, Passphrase));
        Assert.Contains("which is not a key file; nothing was written", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>keys.enc as docs/deploy.md describes it, written without <see cref="SealedKeys.Seal"/> (small Argon2 memory, which the format allows).</summary>
    private static byte[] HandSealed(byte[] plain, string passphrase)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var head = Encoding.UTF8.GetBytes("evidence-keys v1\n" +
            $$"""{"kdf":"argon2id","version":19,"memoryKiB":64,"iterations":1,"parallelism":1,"salt":"{{Convert.ToBase64String(salt)}}","cipher":"aes-256-gcm","nonce":"{{Convert.ToBase64String(nonce)}}"}""" + "\n");
        var key = SealedKeys.Argon2id(Encoding.UTF8.GetBytes(passphrase), new Argon2Parameters.Builder(Argon2Parameters.Argon2id)
            .WithVersion(Argon2Parameters.Version13).WithMemoryAsKB(64).WithIterations(1).WithParallelism(1).WithSalt(salt).Build());
        var file = new byte[head.Length + plain.Length + 16];
        head.CopyTo(file, 0);
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(nonce, plain, file.AsSpan(head.Length, plain.Length), file.AsSpan(head.Length + plain.Length), head);
        return file;
    }
}
