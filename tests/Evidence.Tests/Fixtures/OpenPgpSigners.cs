using System.Text;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace Evidence.Tests.Fixtures;

/// <summary>
/// A real OpenPGP key made with BouncyCastle (RSA or Ed25519), its armored public key, and detached signatures made
/// with it: what ProofMode and similar apps write beside a photo.
/// </summary>
public sealed class BcSigner
{
    private readonly PgpKeyPair pair;

    private BcSigner(PgpKeyPair pair, PgpPublicKeyRing ring, string userId)
    {
        this.pair = pair;
        Ring = ring;
        UserId = userId;
    }

    public PgpPublicKeyRing Ring { get; }
    public string UserId { get; }
    public string KeyId => pair.KeyId.ToString("X16", System.Globalization.CultureInfo.InvariantCulture);
    public string Fingerprint => Convert.ToHexString(pair.PublicKey.GetFingerprint());

    // Keys take a moment to make; each kind is made once per test run and shared (they are public test keys).
    private static readonly Lazy<BcSigner> RsaKey = new(() => Make("rsa", "Olena Field Phone <olena@example.org>"));
    private static readonly Lazy<BcSigner> OtherRsaKey = new(() => Make("rsa", "Someone Else <else@example.org>"));
    private static readonly Lazy<BcSigner> Ed25519Key = new(() => Make("ed25519", "Ed Field Phone <ed@example.org>"));

    public static BcSigner Rsa => RsaKey.Value;
    public static BcSigner OtherRsa => OtherRsaKey.Value;
    public static BcSigner Ed25519 => Ed25519Key.Value;

    private static BcSigner Make(string kind, string userId)
    {
        var random = new SecureRandom();
        var created = new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        PgpKeyPair pair;
        if (kind == "rsa")
        {
            var generator = new RsaKeyPairGenerator();
            generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(0x10001), random, 2048, 12));
            pair = new PgpKeyPair(PublicKeyAlgorithmTag.RsaGeneral, generator.GenerateKeyPair(), created);
        }
        else
        {
            var generator = new Ed25519KeyPairGenerator();
            generator.Init(new Ed25519KeyGenerationParameters(random));
            pair = new PgpKeyPair(PublicKeyAlgorithmTag.EdDsa_Legacy, generator.GenerateKeyPair(), created);
        }
        var rings = new PgpKeyRingGenerator(PgpSignature.PositiveCertification, pair, userId, SymmetricKeyAlgorithmTag.Null,
            Array.Empty<char>(), true, null, null, random);
        return new BcSigner(pair, rings.GeneratePublicKeyRing(), userId);
    }

    /// <summary>The public key, armored, as a key file beside the evidence or in the configuration.</summary>
    public byte[] ArmoredPublicKey()
    {
        using var buffer = new MemoryStream();
        using (var armor = new ArmoredOutputStream(buffer))
        {
            Ring.Encode(armor);
        }
        return buffer.ToArray();
    }

    /// <summary>A detached signature over <paramref name="content"/>: armored (.asc) or binary (.sig).</summary>
    public byte[] Sign(byte[] content, bool armored = true, DateTime? at = null, HashAlgorithmTag hash = HashAlgorithmTag.Sha256)
    {
        var generator = new PgpSignatureGenerator(pair.PublicKey.Algorithm, hash);
        generator.InitSign(PgpSignature.BinaryDocument, pair.PrivateKey);
        var subpackets = new PgpSignatureSubpacketGenerator();
        subpackets.SetSignatureCreationTime(false, at ?? new DateTime(2024, 3, 2, 10, 0, 0, DateTimeKind.Utc));
        subpackets.SetIssuerKeyID(false, pair.KeyId);
        generator.SetHashedSubpackets(subpackets.Generate());
        generator.Update(content, 0, content.Length);
        var signature = generator.Generate();
        using var buffer = new MemoryStream();
        if (armored)
        {
            using var armor = new ArmoredOutputStream(buffer);
            signature.Encode(armor);
        }
        else
        {
            signature.Encode(buffer);
        }
        return buffer.ToArray();
    }
}

/// <summary>
/// GnuPG as the independent OpenPGP implementation: a throw-away keyring (its own home under /tmp, short enough for the
/// agent's socket path) with one key made by gpg, and detached signatures made by gpg.
/// </summary>
public sealed class GpgSigner : IAsyncDisposable
{
    private readonly string home;

    private GpgSigner(string home, string userId)
    {
        this.home = home;
        UserId = userId;
    }

    public string UserId { get; }

    /// <summary>A new gpg key of the given algorithm (gpg's names: <c>rsa2048</c>, <c>ed25519</c>).</summary>
    public static async Task<GpgSigner> CreateAsync(string algorithm)
    {
        var home = Directory.CreateTempSubdirectory("gpg-").FullName;
        File.SetUnixFileMode(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var userId = $"Gpg Field Phone {algorithm} <gpg-{algorithm}@example.org>";
        var signer = new GpgSigner(home, userId);
        await signer.GpgAsync("--quick-generate-key", userId, algorithm, "sign", "never");
        return signer;
    }

    public async Task<string> GpgAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await Run.ProcessAsync("gpg", ["--homedir", home, "--batch", "--yes", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", "", .. args]);
        Assert.True(exit == 0, $"gpg {string.Join(' ', args)}: {stderr}");
        return stdout;
    }

    /// <summary>The public key, armored, as <c>gpg --armor --export</c> writes it.</summary>
    public async Task<byte[]> ArmoredPublicKeyAsync() => Encoding.ASCII.GetBytes(await GpgAsync("--armor", "--export"));

    /// <summary>Signs <paramref name="file"/> into <paramref name="signature"/> (<c>--armor</c> for .asc, binary for .sig).</summary>
    public Task SignAsync(string file, string signature, bool armored = true) =>
        armored ? GpgAsync("--armor", "--output", signature, "--detach-sign", file) : GpgAsync("--output", signature, "--detach-sign", file);

    /// <summary>Whether gpg itself accepts the signature over the file, with this keyring.</summary>
    public async Task<bool> VerifiesAsync(string file, string signature)
    {
        var (exit, _, _) = await Run.ProcessAsync("gpg", "--homedir", home, "--batch", "--verify", signature, file);
        return exit == 0;
    }

    public async ValueTask DisposeAsync()
    {
        await Run.ProcessAsync("gpgconf", "--homedir", home, "--kill", "gpg-agent");
        try
        {
            Directory.Delete(home, recursive: true);
        }
        catch (IOException)
        {
            // The agent may still be removing its socket; a leftover temp folder must not fail a test.
        }
    }
}
