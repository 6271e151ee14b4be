using System.Text;
using Evidence.Provenance;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Org.BouncyCastle.Bcpg;

namespace Evidence.Tests.Provenance;

/// <summary>
/// Detached OpenPGP signatures (issue 17, item 3) against real keys and real signatures, made by BouncyCastle and, as
/// the independent implementation, by GnuPG; then against tampered bytes and hostile sidecars.
/// </summary>
public sealed class OpenPgpVerifierTests : IDisposable
{
    private static readonly byte[] Photo = File.ReadAllBytes(Path.Combine(Repo.Root, "tests/Evidence.Tests/TestData/provenance/P1000827.jpg"));
    private readonly TestHome home = new();

    public void Dispose() => home.Dispose();

    private OpenPgpKeys Configured(params BcSigner[] signers)
    {
        var folder = Path.Combine(home.Path, "trusted-keys");
        foreach (var signer in signers)
        {
            home.File(Path.Combine("trusted-keys", signer.KeyId + ".asc"), signer.ArmoredPublicKey());
        }
        return OpenPgpKeys.Configured(folder);
    }

    private static IReadOnlyList<SignatureVerdict> Verify(byte[] sidecar, byte[] content, OpenPgpKeys keys, string name = "photo.jpg.asc") =>
        OpenPgpVerifier.Verify(name, sidecar, new MemoryStream(content), keys);

    [Fact]
    public void Verify_RsaSignatureByConfiguredKey_IsValidAndTrusted()
    {
        var signer = BcSigner.Rsa;

        var verdict = Assert.Single(Verify(signer.Sign(Photo), Photo, Configured(signer)));

        Assert.Equal("openpgp", verdict.Kind);
        Assert.Equal(SignatureStates.Valid, verdict.State);
        Assert.True(verdict.Trusted);
        Assert.Equal("configured", verdict.KeySource);
        Assert.Equal(signer.KeyId, verdict.KeyId);
        Assert.Equal(signer.Fingerprint, verdict.Fingerprint);
        Assert.Equal(signer.UserId, verdict.UserId);
        Assert.Equal("2024-03-02T10:00:00Z", verdict.CreatedAt);
        Assert.Equal("SHA256", verdict.HashAlgorithm);
        Assert.Equal("photo.jpg.asc", verdict.Sidecar);
        Assert.StartsWith("-----BEGIN PGP SIGNATURE-----", verdict.Armored);
        Assert.Null(verdict.Reason);
    }

    [Fact]
    public void Verify_KeyThatCameWithTheEvidence_VerifiesButIsNotTrusted()
    {
        var signer = BcSigner.Ed25519;
        var keys = OpenPgpKeys.None.WithEvidenceKeys([signer.ArmoredPublicKey()]);

        var verdict = Assert.Single(Verify(signer.Sign(Photo), Photo, keys));

        Assert.Equal(SignatureStates.Valid, verdict.State);
        Assert.False(verdict.Trusted);
        Assert.Equal("with the evidence", verdict.KeySource);
        Assert.Equal(signer.UserId, verdict.UserId);
        // The key that checked it is kept, so that the check can be repeated with exactly that key.
        Assert.StartsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----", verdict.PublicKey);
        var again = OpenPgpKeys.None.WithEvidenceKeys([Encoding.ASCII.GetBytes(verdict.PublicKey!)]);
        Assert.Equal(SignatureStates.Valid, Assert.Single(Verify(signer.Sign(Photo), Photo, again)).State);
    }

    [Fact]
    public void Verify_KeyBothConfiguredAndWithTheEvidence_IsTrusted()
    {
        var signer = BcSigner.Rsa;
        var keys = Configured(signer).WithEvidenceKeys([signer.ArmoredPublicKey()]);

        var verdict = Assert.Single(Verify(signer.Sign(Photo), Photo, keys));

        Assert.Equal(SignatureStates.Valid, verdict.State);
        Assert.True(verdict.Trusted);
    }

    [Fact]
    public void Verify_FileAlteredAfterSigning_IsInvalid()
    {
        var signer = BcSigner.Rsa;
        var signature = signer.Sign(Photo);
        var altered = (byte[])Photo.Clone();
        altered[altered.Length / 2] ^= 0x01;

        var verdict = Assert.Single(Verify(signature, altered, Configured(signer)));

        Assert.Equal(SignatureStates.Invalid, verdict.State);
        Assert.False(verdict.Trusted);
        Assert.Contains("changed after it was signed", verdict.Reason);
    }

    [Fact]
    public void Verify_SignatureByAnotherKey_IsNoKeyAndNamesTheKeyId()
    {
        var verdict = Assert.Single(Verify(BcSigner.OtherRsa.Sign(Photo), Photo, Configured(BcSigner.Rsa)));

        Assert.Equal(SignatureStates.NoKey, verdict.State);
        Assert.Equal(BcSigner.OtherRsa.KeyId, verdict.KeyId);
        Assert.Null(verdict.Fingerprint);
        Assert.Null(verdict.PublicKey);
        Assert.False(verdict.Trusted);
        Assert.Equal("2024-03-02T10:00:00Z", verdict.CreatedAt);
    }

    [Fact]
    public void Verify_BinarySignature_IsValidAndKeptArmored()
    {
        var signer = BcSigner.Ed25519;
        var binary = signer.Sign(Photo, armored: false);

        var verdict = Assert.Single(Verify(binary, Photo, Configured(signer), "photo.jpg.sig"));

        Assert.Equal(SignatureStates.Valid, verdict.State);
        Assert.Equal("photo.jpg.sig", verdict.Sidecar);
        Assert.StartsWith("-----BEGIN PGP SIGNATURE-----", verdict.Armored);
        Assert.DoesNotContain("Version:", verdict.Armored);
        // The armor keeps exactly the bytes: removing it gives the .sig again, which still verifies.
        var kept = Encoding.ASCII.GetBytes(verdict.Armored!);
        Assert.Equal(SignatureStates.Valid, Assert.Single(Verify(kept, Photo, Configured(signer))).State);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(binary)), verdict.SidecarSha256);
    }

    [Fact]
    public void Verify_Sha1Signature_IsValidAndSaysSha1()
    {
        var signer = BcSigner.Rsa;

        var verdict = Assert.Single(Verify(signer.Sign(Photo, hash: HashAlgorithmTag.Sha1), Photo, Configured(signer)));

        Assert.Equal(SignatureStates.Valid, verdict.State);
        Assert.Equal("SHA1", verdict.HashAlgorithm);
    }

    [Theory]
    [InlineData("not a signature at all\n")]
    [InlineData("-----BEGIN PGP SIGNATURE-----\n\nAAAA!!!!\n-----END PGP SIGNATURE-----\n")]
    [InlineData("")]
    public void Verify_GarbageSidecar_IsUnreadableAndKept(string text)
    {
        var garbage = Encoding.ASCII.GetBytes(text);

        var verdict = Assert.Single(Verify(garbage, Photo, Configured(BcSigner.Rsa)));

        Assert.Equal(SignatureStates.Unreadable, verdict.State);
        Assert.False(string.IsNullOrEmpty(verdict.Reason));
        Assert.NotNull(verdict.Armored);
        Assert.NotNull(verdict.SidecarSha256);
    }

    [Fact]
    public void Verify_RandomBinarySidecar_IsUnreadable()
    {
        var random = new byte[4096];
        new Random(17).NextBytes(random);

        var verdict = Assert.Single(Verify(random, Photo, Configured(BcSigner.Rsa), "photo.jpg.sig"));

        Assert.Equal(SignatureStates.Unreadable, verdict.State);
    }

    [Fact]
    public void Verify_TruncatedSignature_IsUnreadable()
    {
        var binary = BcSigner.Rsa.Sign(Photo, armored: false);

        var verdicts = Verify(binary[..(binary.Length / 2)], Photo, Configured(BcSigner.Rsa), "photo.jpg.sig");

        Assert.All(verdicts, v => Assert.Equal(SignatureStates.Unreadable, v.State));
    }

    [Fact]
    public void Verify_PacketClaimingTwoGigabytes_IsUnreadableQuickly()
    {
        // A new-format signature packet (tag 2) whose five-octet length says 2 GiB, then a few bytes: a reader that
        // believed the length would allocate it.
        byte[] hostile = [0xC2, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0x04, 0x00, 0x01, 0x08];

        var started = System.Diagnostics.Stopwatch.StartNew();
        var verdict = Assert.Single(Verify(hostile, Photo, Configured(BcSigner.Rsa), "photo.jpg.sig"));

        Assert.Equal(SignatureStates.Unreadable, verdict.State);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Verify_HugeSidecar_IsNotReadAndNotKept()
    {
        var huge = new byte[OpenPgpVerifier.MaxSidecarBytes + 1];

        var verdict = Assert.Single(Verify(huge, Photo, Configured(BcSigner.Rsa)));

        Assert.Equal(SignatureStates.Unreadable, verdict.State);
        Assert.Null(verdict.Armored);
        Assert.Contains("larger than any detached signature", verdict.Reason);
    }

    [Fact]
    public void Verify_ManySignaturesInOneSidecar_ChecksABoundedNumber()
    {
        var signer = BcSigner.Ed25519;
        var many = Enumerable.Range(0, 10).SelectMany(_ => signer.Sign(Photo, armored: false)).ToArray();

        var verdicts = Verify(many, Photo, Configured(signer), "photo.jpg.sig");

        Assert.Equal(OpenPgpVerifier.MaxSignaturesPerSidecar, verdicts.Count(v => v.State == SignatureStates.Valid));
        Assert.Contains(verdicts, v => v.State == SignatureStates.Unreadable && v.Reason!.Contains("more than"));
    }

    [Fact]
    public void Verify_PublicKeyInsteadOfSignature_IsUnreadable()
    {
        var verdict = Assert.Single(Verify(BcSigner.Rsa.ArmoredPublicKey(), Photo, Configured(BcSigner.Rsa)));

        Assert.Equal(SignatureStates.Unreadable, verdict.State);
        Assert.Contains("not a detached signature", verdict.Reason);
    }

    [Fact]
    public void Configured_MissingPath_IsAnErrorOfTheInstallation()
    {
        var e = Assert.Throws<InvalidRequestException>(() => OpenPgpKeys.Configured(Path.Combine(home.Path, "nowhere")));
        Assert.Contains("EVIDENCE_OPENPGP_KEYS", e.Message);
    }

    [Fact]
    public void Configured_FileThatIsNotAKey_IsAnErrorOfTheInstallation()
    {
        var path = home.File("keys.asc", Encoding.ASCII.GetBytes("hello"));

        Assert.Throws<InvalidRequestException>(() => OpenPgpKeys.Configured(path));
    }

    [Fact]
    public void Configured_OneFileOfSeveralKeys_TrustsEach()
    {
        var path = home.File("keys.asc", [.. BcSigner.Rsa.ArmoredPublicKey(), .. BcSigner.Ed25519.ArmoredPublicKey()]);
        var keys = OpenPgpKeys.Configured(path);

        Assert.True(Assert.Single(Verify(BcSigner.Ed25519.Sign(Photo), Photo, keys)).Trusted);
        Assert.True(Assert.Single(Verify(BcSigner.Rsa.Sign(Photo), Photo, keys)).Trusted);
    }

    [Theory]
    [InlineData("rsa2048", true)]
    [InlineData("ed25519", true)]
    [InlineData("ed25519", false)]
    public async Task Verify_SignatureMadeByGpg_IsValid(string algorithm, bool armored)
    {
        await using var gpg = await GpgSigner.CreateAsync(algorithm);
        var file = home.File("gpg/photo.jpg", Photo);
        var signature = file + (armored ? ".asc" : ".sig");
        await gpg.SignAsync(file, signature, armored);
        var keyFile = home.File("gpg-keys/pubkey.asc", await gpg.ArmoredPublicKeyAsync());

        var verdict = Assert.Single(Verify(await File.ReadAllBytesAsync(signature), Photo, OpenPgpKeys.Configured(keyFile), Path.GetFileName(signature)));

        Assert.Equal(SignatureStates.Valid, verdict.State);
        Assert.True(verdict.Trusted);
        Assert.Equal(gpg.UserId, verdict.UserId);
        var altered = (byte[])Photo.Clone();
        altered[^3] ^= 0x40;
        Assert.Equal(SignatureStates.Invalid, Assert.Single(Verify(await File.ReadAllBytesAsync(signature), altered, OpenPgpKeys.Configured(keyFile))).State);
    }

    [Fact]
    public async Task Armored_BinarySignatureByGpg_GpgStillVerifiesWhatWasKept()
    {
        // What a court does later: take the armored signature from the item's provenance and check it with its own tool.
        await using var gpg = await GpgSigner.CreateAsync("ed25519");
        var file = home.File("gpg/photo.jpg", Photo);
        await gpg.SignAsync(file, file + ".sig", armored: false);

        var verdict = Assert.Single(Verify(await File.ReadAllBytesAsync(file + ".sig"), Photo, OpenPgpKeys.None, "photo.jpg.sig"));
        var kept = home.File("court/photo.jpg.asc", Encoding.ASCII.GetBytes(verdict.Armored!));

        Assert.Equal(SignatureStates.NoKey, verdict.State);
        Assert.True(await gpg.VerifiesAsync(file, kept));
    }

    [Fact]
    public async Task Verify_TextModeSignatureByGpg_IsValidOverTheFileAsStored()
    {
        // gpg --textmode signs the text with its line endings made CRLF (a canonical-text signature, type 0x01); the file
        // keeps its LF endings, so a checker that hashed the bytes as they are would call an untouched file altered.
        await using var gpg = await GpgSigner.CreateAsync("ed25519");
        var text = "Свідчення свідка\nавтобус виїхав о 6 ранку\n"u8.ToArray();
        var file = home.File("gpg/testimony.txt", text);
        await gpg.GpgAsync("--textmode", "--armor", "--output", file + ".asc", "--detach-sign", file);
        var keys = OpenPgpKeys.None.WithEvidenceKeys([await gpg.ArmoredPublicKeyAsync()]);

        var verdict = Assert.Single(Verify(await File.ReadAllBytesAsync(file + ".asc"), text, keys, "testimony.txt.asc"));

        Assert.Equal(SignatureStates.Valid, verdict.State);
        var changed = "Свідчення свідка\nавтобус виїхав о 7 ранку\n"u8.ToArray();
        Assert.Equal(SignatureStates.Invalid, Assert.Single(Verify(await File.ReadAllBytesAsync(file + ".asc"), changed, keys)).State);
    }
}
