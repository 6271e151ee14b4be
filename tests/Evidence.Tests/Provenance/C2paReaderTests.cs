using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Evidence.Provenance;
using Evidence.Tests.Fixtures;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Evidence.Tests.Provenance;

/// <summary>
/// The C2PA reader against real files from the reference implementation's test suite (with that implementation's own
/// verdicts beside them), then against hostile files made from them in the test.
/// </summary>
public sealed class C2paReaderTests
{
    private static readonly string Folder = Path.Combine(Repo.Root, "tests", "Evidence.Tests", "TestData", "provenance");

    /// <summary>The type UUID of a C2PA manifest store superbox (C2PA 2.1 §11.1): "c2pa" then the ISO suffix.</summary>
    private static readonly byte[] StoreUuid = [0x63, 0x32, 0x70, 0x61, 0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    [Theory]
    [InlineData("C.jpg", "C.c2pa-rs.json")]
    [InlineData("CA.jpg", "CA.c2pa-rs.json")]
    [InlineData("XCA.jpg", "XCA.c2pa-rs.json")]
    public void Read_ReferenceFile_GivesTheReferenceVerdict(string file, string verdictFile)
    {
        using var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, verdictFile)));
        var root = reference.RootElement;
        var active = root.GetProperty("manifests").GetProperty(root.GetProperty("active_manifest").GetString()!);
        var expectedFailures = root.GetProperty("validation_results").GetProperty("activeManifest").GetProperty("failure")
            .EnumerateArray().Select(f => f.GetProperty("code").GetString()!).ToList();
        var expectedActions = active.GetProperty("assertions").EnumerateArray()
            .Where(a => a.GetProperty("label").GetString()!.StartsWith("c2pa.actions", StringComparison.Ordinal))
            .SelectMany(a => a.GetProperty("data").GetProperty("actions").EnumerateArray())
            .Select(a => a.GetProperty("action").GetString()!)
            .ToList();

        var verdict = C2paReader.Read(Path.Combine(Folder, file));

        Assert.Equal(root.GetProperty("validation_state").GetString()!.ToLowerInvariant(), verdict.State);
        Assert.Equal(expectedFailures, verdict.Failures);
        Assert.StartsWith("CN=" + active.GetProperty("signature_info").GetProperty("common_name").GetString() + ",", verdict.Signer);
        Assert.Contains("O=" + active.GetProperty("signature_info").GetProperty("issuer").GetString(), verdict.Signer);
        Assert.Equal(active.GetProperty("claim_generator").GetString(), verdict.ClaimGenerator);
        Assert.Equal(expectedActions, verdict.Actions);
        Assert.False(verdict.Trusted);
        Assert.Null(verdict.Reason);
    }

    [Fact]
    public void Read_ReferenceFiles_MatchWhatTheirVerdictsSay()
    {
        // The theory above reads its expectations from the JSON; this pins them, so a changed JSON file cannot make
        // the reader's answers drift unnoticed.
        Assert.Equal(C2paStates.Valid, C2paReader.Read(Path.Combine(Folder, "C.jpg")).State);
        Assert.Equal(["c2pa.created"], C2paReader.Read(Path.Combine(Folder, "C.jpg")).Actions);
        Assert.Equal(["c2pa.opened", "c2pa.color_adjustments"], C2paReader.Read(Path.Combine(Folder, "CA.jpg")).Actions);
        var tampered = C2paReader.Read(Path.Combine(Folder, "XCA.jpg"));
        Assert.Equal(C2paStates.Invalid, tampered.State);
        Assert.Equal([C2paFailures.DataHashMismatch], tampered.Failures);
    }

    [Theory]
    [InlineData("no_manifest.jpg")]
    [InlineData("P1000827.jpg")]
    public void Read_FileWithoutManifest_IsAbsent(string file)
    {
        var verdict = C2paReader.Read(Path.Combine(Folder, file));

        Assert.Equal(C2paStates.Absent, verdict.State);
        Assert.Empty(verdict.Failures);
        Assert.Null(verdict.Signer);
    }

    [Fact]
    public void Read_SuiteBadSignatureCase_FindsTheClaimSignatureMismatch()
    {
        // E-sig-CA.jpg is CA.jpg with 6 bytes changed inside its manifest store (no verdict is published for it).
        // What we find: the changed bytes lie in the claim's CBOR, turning its claim_generator "make_test_images/..."
        // into "make_test_xxxxxx/...". The claim still parses, but it is no longer what was signed, so the claim
        // signature does not verify. Every hashed URI and the data hash still match: the claim is neither an assertion
        // nor part of the hashed file bytes (the whole store is excluded from the data hash).
        var original = File.ReadAllBytes(Path.Combine(Folder, "CA.jpg"));
        var changed = File.ReadAllBytes(Path.Combine(Folder, "E-sig-CA.jpg"));
        var differing = Enumerable.Range(0, original.Length).Where(i => original[i] != changed[i]).ToList();
        var (claimStart, claimEnd) = ContentBoxAfterLabel(original, "c2pa.claim");
        Assert.Equal(6, differing.Count);
        Assert.All(differing, i => Assert.InRange(i, claimStart + 8, claimEnd - 1));

        var verdict = C2paReader.Read(Path.Combine(Folder, "E-sig-CA.jpg"));

        Assert.Equal(C2paStates.Invalid, verdict.State);
        Assert.Equal([C2paFailures.ClaimSignatureMismatch], verdict.Failures);
        Assert.StartsWith("CN=C2PA Signer,", verdict.Signer);
        // The reader reports what the claim says, altered; the verdict is what tells a reader not to rely on it.
        Assert.Equal("make_test_xxxxxx/0.33.1 c2pa-rs/0.33.1", verdict.ClaimGenerator);
    }

    [Fact]
    public void Read_OneSignatureByteFlipped_ClaimSignatureMismatch()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "C.jpg"));
        var (_, end) = ContentBoxAfterLabel(bytes, "c2pa.signature");
        // The signature is the last element of the COSE_Sign1 array, so the box's last byte is a signature byte.
        bytes[end - 1] ^= 0x01;

        var verdict = Read(bytes);

        Assert.Equal(C2paStates.Invalid, verdict.State);
        Assert.Equal([C2paFailures.ClaimSignatureMismatch], verdict.Failures);
    }

    [Theory]
    [InlineData(-7)]
    [InlineData(-8)]
    public void Read_ClaimResignedByAnotherKey_ValidAndNamesThatSigner(long algorithm)
    {
        // Anyone can sign anyone's claim: C.jpg's own claim, signed again with a fresh key (ES256 or EdDSA) and put back
        // in place of its signature, is "valid" and names the new signer. This is why validity is not trust.
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "C.jpg"));
        var (claimStart, claimEnd) = ContentBoxAfterLabel(bytes, "c2pa.claim");
        var (signatureStart, signatureEnd) = ContentBoxAfterLabel(bytes, "c2pa.signature");
        var claim = bytes[(claimStart + 8)..claimEnd];
        var cose = algorithm == -7 ? SignEs256(claim, signatureEnd - signatureStart - 8) : SignEd25519(claim, signatureEnd - signatureStart - 8);
        cose.CopyTo(bytes, signatureStart + 8);

        var verdict = Read(bytes);

        Assert.Equal(C2paStates.Valid, verdict.State);
        Assert.Empty(verdict.Failures);
        Assert.Equal("CN=Someone Else, O=Not The Photographer", verdict.Signer);
        Assert.Equal("make_test_images/0.33.1 c2pa-rs/0.33.1", verdict.ClaimGenerator);
        Assert.False(verdict.Trusted);
        // Valid, and still not trusted where the real signer's root is: the new signer does not chain to it.
        var withRoots = C2paReader.Read(new MemoryStream(bytes), C2paTrustAnchors.Load(Path.Combine(Folder, "trust", "c2pa-rs-test-root-bundle.pem")), DateTimeOffset.UtcNow);
        Assert.Equal(C2paStates.Valid, withRoots.State);
        Assert.False(withRoots.Trusted);
        Assert.StartsWith("untrusted signer:", withRoots.TrustReason);

        // And one changed byte of that new signature is caught the same way.
        bytes[signatureEnd - 1] ^= 0x01;
        Assert.Equal([C2paFailures.ClaimSignatureMismatch], Read(bytes).Failures);
    }

    [Fact]
    public void Read_ClaimCborCorrupted_ClaimInvalidAndSignatureMismatch()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "C.jpg"));
        var (start, _) = ContentBoxAfterLabel(bytes, "c2pa.claim");
        // 0x1C is an integer with a reserved length code: malformed CBOR at the claim's first byte.
        bytes[start + 8] = 0x1C;

        var verdict = Read(bytes);

        Assert.Equal(C2paStates.Invalid, verdict.State);
        Assert.Equal([C2paFailures.ClaimSignatureMismatch, C2paFailures.ClaimCborInvalid], verdict.Failures);
    }

    [Fact]
    public void Read_AssertionByteChanged_HashedUriMismatch()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "C.jpg"));
        var (start, _) = ContentBoxAfterLabel(bytes, "stds.schema-org.CreativeWork");
        var json = Encoding.ASCII.GetString(bytes, start + 8, 200);
        var doe = json.IndexOf("John Doe", StringComparison.Ordinal);
        Assert.True(doe >= 0, "the CreativeWork assertion names its author");
        bytes[start + 8 + doe] = (byte)'X';

        var verdict = Read(bytes);

        Assert.Equal(C2paStates.Invalid, verdict.State);
        Assert.Equal([C2paFailures.AssertionHashedUriMismatch], verdict.Failures);
    }

    [Fact]
    public void Read_ImageByteChanged_DataHashMismatch()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "C.jpg"));
        bytes[^100] ^= 0x01;

        var verdict = Read(bytes);

        Assert.Equal(C2paStates.Invalid, verdict.State);
        Assert.Equal([C2paFailures.DataHashMismatch], verdict.Failures);
    }

    [Fact]
    public void Read_TruncatedInsideTheManifest_Unreadable()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "CA.jpg"));
        var (start, _) = ContentBoxAfterLabel(bytes, "c2pa.claim");

        var verdict = Read(bytes[..start]);

        Assert.Equal(C2paStates.Unreadable, verdict.State);
        Assert.Contains("past the end of the file", verdict.Reason);
    }

    [Fact]
    public void Read_TruncatedInsideTheImage_DataHashMismatch()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "C.jpg"));

        var verdict = Read(bytes[..(bytes.Length - 1000)]);

        Assert.Equal(C2paStates.Invalid, verdict.State);
        Assert.Equal([C2paFailures.DataHashMismatch], verdict.Failures);
    }

    [Fact]
    public void Read_BoxLengthPastTheEnd_Unreadable()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "C.jpg"));
        var (start, _) = ContentBoxAfterLabel(bytes, "c2pa.claim");
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(start), 0x00FF_FFFF);

        var verdict = Read(bytes);

        Assert.Equal(C2paStates.Unreadable, verdict.State);
        Assert.Contains("declares 16777215 bytes", verdict.Reason);
    }

    [Fact]
    public void Read_StoreDeclaring100MegabytesInJpeg_Unreadable()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "C.jpg"));
        var first = FirstStorePacket(bytes);
        // The manifest store superbox's LBox, right after the APP11 marker, length, CI, En and Z.
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(first + 4 + 8), 100_000_000);

        var verdict = Read(bytes);

        Assert.Equal(C2paStates.Unreadable, verdict.State);
        Assert.Contains("declares 100000000 bytes", verdict.Reason);
    }

    [Fact]
    public void Read_PngChunkDeclaring100Megabytes_Unreadable()
    {
        var png = Png(("caBX", new byte[64]));
        // Declare 100 MB for the caBX chunk, which holds 64 bytes.
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(8 + 25), 100_000_000);

        var verdict = Read(png);

        Assert.Equal(C2paStates.Unreadable, verdict.State);
        Assert.Contains("past the end of the file", verdict.Reason);
    }

    [Fact]
    public void Read_PngStoreOverTheCap_UnreadableWithoutParsingIt()
    {
        var png = Png(("caBX", new byte[ManifestStoreLocator.MaxStoreBytes + 1]));

        var verdict = Read(png);

        Assert.Equal(C2paStates.Unreadable, verdict.State);
        Assert.Contains("more than 16777216 is not read", verdict.Reason);
    }

    [Fact]
    public void Read_ManifestStoreMovedIntoPng_SignatureHoldsButDataHashDoesNot()
    {
        // The real store of C.jpg, put into a PNG: the claim and its assertions are intact, the file is not the one signed.
        var store = StoreOf(File.ReadAllBytes(Path.Combine(Folder, "C.jpg")));
        var png = Png(("caBX", store));

        var verdict = Read(png);

        Assert.Equal(C2paStates.Invalid, verdict.State);
        Assert.Equal([C2paFailures.DataHashMismatch], verdict.Failures);
        Assert.StartsWith("CN=C2PA Signer,", verdict.Signer);
        Assert.Equal(["c2pa.created"], verdict.Actions);
    }

    [Fact]
    public void Read_ManifestStoreMovedIntoAnotherJpeg_DataHashMismatch()
    {
        var store = StoreOf(File.ReadAllBytes(Path.Combine(Folder, "C.jpg")));

        var verdict = Read(JpegWithStore(File.ReadAllBytes(Path.Combine(Folder, "no_manifest.jpg")), store));

        Assert.Equal(C2paStates.Invalid, verdict.State);
        Assert.Equal([C2paFailures.DataHashMismatch], verdict.Failures);
    }

    [Fact]
    public void Read_TenThousandNestedBoxes_Unreadable()
    {
        const int levels = 10_000;
        var description = Description(StoreUuid, "c2pa");
        var level = 8 + description.Length;
        var store = new byte[levels * level];
        for (var i = 0; i < levels; i++)
        {
            var at = i * level;
            BinaryPrimitives.WriteUInt32BigEndian(store.AsSpan(at), (uint)((levels - i) * level));
            Encoding.ASCII.GetBytes("jumb").CopyTo(store, at + 4);
            description.CopyTo(store, at + 8);
        }

        var verdict = Read(JpegWithStore(File.ReadAllBytes(Path.Combine(Folder, "no_manifest.jpg")), store));

        Assert.Equal(C2paStates.Unreadable, verdict.State);
        Assert.Contains("nested deeper than 32", verdict.Reason);
    }

    [Fact]
    public void Read_TwentyThousandSiblingBoxes_Unreadable()
    {
        const int boxes = 20_000;
        var description = Description(StoreUuid, "c2pa");
        var store = new byte[8 + description.Length + boxes * 8];
        BinaryPrimitives.WriteUInt32BigEndian(store, (uint)store.Length);
        Encoding.ASCII.GetBytes("jumb").CopyTo(store, 4);
        description.CopyTo(store, 8);
        for (var i = 0; i < boxes; i++)
        {
            var at = 8 + description.Length + i * 8;
            BinaryPrimitives.WriteUInt32BigEndian(store.AsSpan(at), 8);
            Encoding.ASCII.GetBytes("free").CopyTo(store, at + 4);
        }

        var verdict = Read(JpegWithStore(File.ReadAllBytes(Path.Combine(Folder, "no_manifest.jpg")), store));

        Assert.Equal(C2paStates.Unreadable, verdict.State);
        Assert.Contains("more than 10000 JUMBF boxes", verdict.Reason);
    }

    [Fact]
    public void Read_EveryTruncationOfTheManifest_NeverThrows()
    {
        // Cut the file at many points through the manifest store and the image: each must give a verdict, not an exception.
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "C.jpg"));
        var states = new HashSet<string>();
        for (var cut = 0; cut < bytes.Length; cut += 997)
        {
            states.Add(Read(bytes[..cut]).State);
        }
        Assert.Contains(C2paStates.Unreadable, states);
        Assert.Contains(C2paStates.Invalid, states);
    }

    [Fact]
    public void Read_NotAnImage_Unreadable()
    {
        var verdict = Read(Encoding.UTF8.GetBytes("not a picture"));

        Assert.Equal(C2paStates.Unreadable, verdict.State);
        Assert.Contains("not a JPEG or PNG", verdict.Reason);
    }

    [Fact]
    public void Read_Cancelled_Throws()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => C2paReader.Read(Path.Combine(Folder, "C.jpg"), ct: cancelled.Token));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Read_ClaimResignedThroughOurOwnCa_TrustedOnlyWhenTheIntermediateIsACa(bool intermediateIsCa, bool trusted)
    {
        // A chain of our own: root -> intermediate -> signer, x5chain = [signer, intermediate], the root configured.
        var valid = (From: new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), To: new DateTimeOffset(2040, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("CN=Newsroom Root, O=Test Newsroom", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var root = rootRequest.CreateSelfSigned(valid.From, valid.To);
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediateRequest = new CertificateRequest("CN=Newsroom Signing CA, O=Test Newsroom", intermediateKey, HashAlgorithmName.SHA256);
        if (intermediateIsCa)
        {
            intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        }
        using var intermediate = intermediateRequest.Create(root, valid.From, valid.To, [2]).CopyWithPrivateKey(intermediateKey);
        using var signerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // Issued by the intermediate's name and key directly: .NET itself refuses to issue from a certificate that is not a CA.
        using var signer = new CertificateRequest("CN=Photographer, O=Test Newsroom", signerKey, HashAlgorithmName.SHA256)
            .Create(intermediate.SubjectName, X509SignatureGenerator.CreateForECDsa(intermediateKey), valid.From, valid.To, [3]);
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "C.jpg"));
        var (claimStart, claimEnd) = ContentBoxAfterLabel(bytes, "c2pa.claim");
        var (signatureStart, signatureEnd) = ContentBoxAfterLabel(bytes, "c2pa.signature");
        var claim = bytes[(claimStart + 8)..claimEnd];
        CoseSign1(-7, [signer.RawData, intermediate.RawData], claim, signatureEnd - signatureStart - 8, toBeSigned => signerKey.SignData(toBeSigned, HashAlgorithmName.SHA256))
            .CopyTo(bytes, signatureStart + 8);
        var anchors = Path.Combine(Path.GetTempPath(), $"newsroom-root-{Guid.NewGuid():N}.pem");
        File.WriteAllText(anchors, root.ExportCertificatePem());
        try
        {
            var verdict = C2paReader.Read(new MemoryStream(bytes), C2paTrustAnchors.Load(anchors), new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero));

            Assert.Equal(C2paStates.Valid, verdict.State);
            Assert.Equal("CN=Photographer, O=Test Newsroom", verdict.Signer);
            Assert.Equal(trusted, verdict.Trusted);
            Assert.Contains(trusted ? "CN=Newsroom Root" : "is not a CA certificate", verdict.TrustReason);
        }
        finally
        {
            File.Delete(anchors);
        }
    }

    private static byte[] SignEs256(byte[] claim, int size)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Someone Else, O=Not The Photographer", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // .NET signs ECDSA as IEEE P1363 (r||s), the form COSE uses (RFC 9053 §2.1).
        return CoseSign1(-7, certificate.RawData, claim, size, toBeSigned => key.SignData(toBeSigned, HashAlgorithmName.SHA256));
    }

    private static byte[] SignEd25519(byte[] claim, int size)
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var keys = generator.GenerateKeyPair();
        var certificateGenerator = new X509V3CertificateGenerator();
        var name = new X509Name("O=Not The Photographer, CN=Someone Else");
        certificateGenerator.SetSerialNumber(BigInteger.One);
        certificateGenerator.SetIssuerDN(name);
        certificateGenerator.SetSubjectDN(name);
        certificateGenerator.SetNotBefore(DateTime.UtcNow.AddDays(-1));
        certificateGenerator.SetNotAfter(DateTime.UtcNow.AddDays(1));
        certificateGenerator.SetPublicKey(keys.Public);
        var certificate = certificateGenerator.Generate(new Asn1SignatureFactory("Ed25519", keys.Private));
        return CoseSign1(-8, certificate.GetEncoded(), claim, size, toBeSigned =>
        {
            var signer = new Ed25519Signer();
            signer.Init(true, keys.Private);
            signer.BlockUpdate(toBeSigned, 0, toBeSigned.Length);
            return signer.GenerateSignature();
        });
    }

    /// <summary>
    /// A tagged COSE_Sign1 with a detached payload (RFC 9052 §4.2), written here independently of the reader, padded
    /// (unprotected "pad", as C2PA signers do) to exactly <paramref name="size"/> bytes so it fits the original box.
    /// </summary>
    private static byte[] CoseSign1(long algorithm, byte[] certificate, byte[] claim, int size, Func<byte[], byte[]> sign) =>
        CoseSign1(algorithm, [certificate], claim, size, sign);

    /// <summary>As above, with an x5chain of several certificates (the signer's first) as a CBOR array (RFC 9360).</summary>
    private static byte[] CoseSign1(long algorithm, IReadOnlyList<byte[]> chain, byte[] claim, int size, Func<byte[], byte[]> sign)
    {
        var header = new CborWriter();
        header.WriteStartMap(2);
        header.WriteInt64(1);
        header.WriteInt64(algorithm);
        header.WriteInt64(33);
        if (chain.Count == 1)
        {
            header.WriteByteString(chain[0]);
        }
        else
        {
            header.WriteStartArray(chain.Count);
            foreach (var certificate in chain)
            {
                header.WriteByteString(certificate);
            }
            header.WriteEndArray();
        }
        header.WriteEndMap();
        var protectedHeader = header.Encode();

        var structure = new CborWriter();
        structure.WriteStartArray(4);
        structure.WriteTextString("Signature1");
        structure.WriteByteString(protectedHeader);
        structure.WriteByteString([]);
        structure.WriteByteString(claim);
        structure.WriteEndArray();
        var signature = sign(structure.Encode());

        for (var pad = size; pad >= 0; pad--)
        {
            var cose = new CborWriter();
            cose.WriteTag((CborTag)18);
            cose.WriteStartArray(4);
            cose.WriteByteString(protectedHeader);
            cose.WriteStartMap(1);
            cose.WriteTextString("pad");
            cose.WriteByteString(new byte[pad]);
            cose.WriteEndMap();
            cose.WriteNull();
            cose.WriteByteString(signature);
            cose.WriteEndArray();
            var encoded = cose.Encode();
            if (encoded.Length == size)
            {
                return encoded;
            }
        }
        throw new InvalidOperationException("the signature does not fit the original box");
    }

    private static C2paVerdict Read(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return C2paReader.Read(stream);
    }

    /// <summary>
    /// Where the first content box after the superbox labelled <paramref name="label"/> lies in the file: its start (at
    /// its LBox) and end. Found by the label's bytes, independently of the reader under test.
    /// </summary>
    private static (int Start, int End) ContentBoxAfterLabel(byte[] file, string label)
    {
        var needle = Encoding.ASCII.GetBytes(label + "\0");
        var at = file.AsSpan().IndexOf(needle);
        Assert.True(at >= 0, $"the file holds a box labelled {label}");
        // The label follows the jumd header (8), UUID (16) and toggles (1); the description box ends where its LBox says.
        var jumdStart = at - 25;
        Assert.Equal("jumd", Encoding.ASCII.GetString(file, jumdStart + 4, 4));
        var contentStart = jumdStart + (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(jumdStart));
        var contentEnd = contentStart + (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(contentStart));
        return (contentStart, contentEnd);
    }

    /// <summary>Offset of the APP11 marker of the first packet of the C2PA manifest store.</summary>
    private static int FirstStorePacket(byte[] jpeg)
    {
        foreach (var (offset, content) in App11Segments(jpeg))
        {
            if (content.Length > 28 && Encoding.ASCII.GetString(content, 24, 4) == "c2pa" && BinaryPrimitives.ReadUInt32BigEndian(content.AsSpan(4)) == 1)
            {
                return offset;
            }
        }
        throw new InvalidOperationException("no C2PA APP11 segment");
    }

    /// <summary>The manifest store of a JPEG: its APP11 packets' boxes concatenated, the repeated headers dropped.</summary>
    private static byte[] StoreOf(byte[] jpeg)
    {
        var store = new List<byte>();
        foreach (var (_, content) in App11Segments(jpeg))
        {
            var sequence = BinaryPrimitives.ReadUInt32BigEndian(content.AsSpan(4));
            store.AddRange(content.Skip(sequence == 1 ? 8 : 16));
        }
        return [.. store];
    }

    private static IEnumerable<(int Offset, byte[] Content)> App11Segments(byte[] jpeg)
    {
        var at = 2;
        while (at + 4 <= jpeg.Length && jpeg[at] == 0xFF && jpeg[at + 1] != 0xDA)
        {
            var length = BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(at + 2));
            if (jpeg[at + 1] == 0xEB)
            {
                yield return (at, jpeg[(at + 4)..(at + 2 + length)]);
            }
            at += 2 + length;
        }
    }

    /// <summary>
    /// A JPEG with <paramref name="store"/> embedded as APP11 JUMBF packets right after SOI (C2PA 2.1 Appendix A):
    /// CI "JP", En 1, Z from 1; every packet after the first repeats the superbox's LBox and TBox.
    /// </summary>
    private static byte[] JpegWithStore(byte[] jpeg, byte[] store)
    {
        const int room = 65_000;
        var output = new MemoryStream();
        output.Write(jpeg, 0, 2);
        uint sequence = 1;
        for (var at = 0; at < store.Length; sequence++)
        {
            var repeated = sequence == 1 ? [] : store[..8];
            var take = Math.Min(room, store.Length - at);
            var segment = new byte[2 + 2 + 8 + repeated.Length + take];
            segment[0] = 0xFF;
            segment[1] = 0xEB;
            BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(segment.Length - 2));
            segment[4] = (byte)'J';
            segment[5] = (byte)'P';
            BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(6), 1);
            BinaryPrimitives.WriteUInt32BigEndian(segment.AsSpan(8), sequence);
            repeated.CopyTo(segment, 12);
            Array.Copy(store, at, segment, 12 + repeated.Length, take);
            output.Write(segment);
            at += take;
        }
        output.Write(jpeg, 2, jpeg.Length - 2);
        return output.ToArray();
    }

    /// <summary>A JUMBF description box: type UUID, toggles "requestable, label present", the label.</summary>
    private static byte[] Description(byte[] uuid, string label)
    {
        var labelBytes = Encoding.UTF8.GetBytes(label + "\0");
        var box = new byte[8 + 16 + 1 + labelBytes.Length];
        BinaryPrimitives.WriteUInt32BigEndian(box, (uint)box.Length);
        Encoding.ASCII.GetBytes("jumd").CopyTo(box, 4);
        uuid.CopyTo(box, 8);
        box[24] = 0x03;
        labelBytes.CopyTo(box, 25);
        return box;
    }

    /// <summary>A minimal PNG: signature, a 1x1 IHDR, the given chunks, IEND (CRCs are not checked by the reader, left zero).</summary>
    private static byte[] Png(params (string Type, byte[] Data)[] chunks)
    {
        var output = new MemoryStream();
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        void Chunk(string type, byte[] data)
        {
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
            output.Write(length);
            output.Write(Encoding.ASCII.GetBytes(type));
            output.Write(data);
            output.Write(new byte[4]);
        }
        Chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        foreach (var (type, data) in chunks)
        {
            Chunk(type, data);
        }
        Chunk("IEND", []);
        return output.ToArray();
    }
}
