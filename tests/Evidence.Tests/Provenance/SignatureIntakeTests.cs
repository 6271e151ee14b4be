using Evidence.Custody;
using Evidence.Ingest;
using Evidence.Provenance;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Evidence.Viewing;

namespace Evidence.Tests.Provenance;

/// <summary>
/// Detached signatures checked at intake (issue 17, item 3): against the bytes that were hashed, with the keys configured
/// then, recorded in the provenance the <c>Ingested</c> event binds, and shown by <c>show</c>; the file is evidence
/// whatever its signature says.
/// </summary>
public sealed class SignatureIntakeTests : IAsyncLifetime
{
    private static readonly byte[] Photo = File.ReadAllBytes(Path.Combine(Repo.Root, "tests/Evidence.Tests/TestData/provenance/P1000827.jpg"));
    private readonly TestHome keys = new();
    private Slice slice = null!;

    public async Task InitializeAsync()
    {
        // The installation trusts one key (EVIDENCE_OPENPGP_KEYS as a folder).
        var trusted = keys.File("trusted/olena.asc", BcSigner.Rsa.ArmoredPublicKey());
        slice = await Slice.StartAsync(s => s with { OpenPgpKeys = Path.GetDirectoryName(trusted) });
    }

    public async Task DisposeAsync()
    {
        await slice.DisposeAsync();
        keys.Dispose();
    }

    private async Task<(IngestedEvidence Ingested, EvidenceDetail Shown)> IngestAsync(byte[] content, byte[] signature, string sidecar = "photo.jpg.asc", string[]? keys = null, string? capturedAt = null)
    {
        var file = slice.File("photo.jpg", content);
        var signatureFile = slice.File(sidecar, signature);
        var ingested = await slice.SendAsync(new IngestEvidence(file, "Olena K.", CapturedAt: capturedAt) { Signatures = [signatureFile], SignerKeys = keys ?? [] });
        return (ingested, await slice.SendAsync(new GetEvidence(ingested.Id)));
    }

    [Fact]
    public async Task Ingest_SignedByConfiguredKey_RecordsAValidTrustedSignature()
    {
        var (ingested, shown) = await IngestAsync(Photo, BcSigner.Rsa.Sign(Photo));

        var signature = Assert.Single(shown.Provenance!.Signatures);
        Assert.Equal(SignatureStates.Valid, signature.State);
        Assert.True(signature.Trusted);
        Assert.Equal(BcSigner.Rsa.Fingerprint, signature.Fingerprint);
        Assert.Equal(new IngestedSignature("photo.jpg.asc", SignatureStates.Valid, true), Assert.Single(ingested.Signatures));
        Assert.Empty(shown.Provenance.Warnings);
        // What was read is bound to the Ingested event by its hash: the ledger still verifies, and re-derives it.
        Assert.True((await slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor")).Clean);
    }

    [Fact]
    public async Task Ingest_KeyThatCameWithTheFile_VerifiesButIsNotTrusted()
    {
        var keyFile = slice.File("pubkey.asc", BcSigner.Ed25519.ArmoredPublicKey());

        var (_, shown) = await IngestAsync(Photo, BcSigner.Ed25519.Sign(Photo), keys: [keyFile]);

        var signature = Assert.Single(shown.Provenance!.Signatures);
        Assert.Equal(SignatureStates.Valid, signature.State);
        Assert.False(signature.Trusted);
        Assert.Equal("with the evidence", signature.KeySource);
    }

    [Fact]
    public async Task Ingest_FileChangedAfterSigning_IsStillEvidenceWithAWarning()
    {
        var signature = BcSigner.Rsa.Sign(Photo);
        var changed = (byte[])Photo.Clone();
        changed[1000] ^= 0xFF;

        var (_, shown) = await IngestAsync(changed, signature);

        Assert.Equal(SignatureStates.Invalid, Assert.Single(shown.Provenance!.Signatures).State);
        Assert.Contains(shown.Provenance.Warnings, w => w.Contains("photo.jpg.asc") && w.Contains("does not verify"));
        Assert.Equal(1, await slice.CountEvidenceAsync());
    }

    [Fact]
    public async Task Ingest_SignedLongBeforeTheStatedCapture_Warns()
    {
        // Signed 2024-03-02, stated as captured a month later: a file cannot be signed before it exists.
        var (_, shown) = await IngestAsync(Photo, BcSigner.Rsa.Sign(Photo), capturedAt: "2024-04-02T10:00:00Z");

        Assert.Contains(shown.Provenance!.Warnings, w => w.Contains("more than a day before it was captured"));
    }

    [Fact]
    public async Task Ingest_SignedLongBeforeTheFileSaysItWasCaptured_Warns()
    {
        // P1000827.jpg says it was taken 2019-06-07; a signature dated 2019-01-01 predates the photo.
        var (_, shown) = await IngestAsync(Photo, BcSigner.Rsa.Sign(Photo, at: new DateTime(2019, 1, 1, 0, 0, 0, DateTimeKind.Utc)));

        Assert.Contains(shown.Provenance!.Warnings, w => w.Contains("before the file says it was captured (2019-06-07T14:56:19)"));
    }

    [Fact]
    public async Task Ingest_SignedAfterCapture_DoesNotWarn()
    {
        // Signed 2024-03-02, stated as captured the day before: ordinary (the photo's own 2019 date is another warning).
        var (_, shown) = await IngestAsync(Photo, BcSigner.Rsa.Sign(Photo), capturedAt: "2024-03-01");

        Assert.DoesNotContain(shown.Provenance!.Warnings, w => w.Contains("signature"));
    }

    [Fact]
    public async Task Ingest_GarbageSignature_IsStillEvidenceAndTheSidecarIsKept()
    {
        var (_, shown) = await IngestAsync(Photo, "this is not a signature"u8.ToArray());

        var signature = Assert.Single(shown.Provenance!.Signatures);
        Assert.Equal(SignatureStates.Unreadable, signature.State);
        Assert.NotNull(signature.Armored);
        Assert.Equal(1, await slice.CountEvidenceAsync());
    }

    [Fact]
    public async Task Ingest_SignatureOfATextFile_IsCheckedToo()
    {
        var testimony = "Свідчення: автобус виїхав о 6 ранку.\n"u8.ToArray();
        var file = slice.File("testimony.txt", testimony);
        var sidecar = slice.File("testimony.txt.sig", BcSigner.Rsa.Sign(testimony, armored: false));

        var ingested = await slice.SendAsync(new IngestEvidence(file, "Olena K.") { Signatures = [sidecar] });

        Assert.Equal(SignatureStates.Valid, Assert.Single(ingested.Signatures).State);
    }

    [Fact]
    public async Task Ingest_MissingSignatureFile_IsRefusedBeforeAnythingIsRecorded()
    {
        var file = slice.File("photo.jpg", Photo);

        await Assert.ThrowsAsync<InvalidRequestException>(() =>
            slice.SendAsync(new IngestEvidence(file, "Olena K.") { Signatures = [file + ".asc"] }));

        Assert.Equal(0, await slice.CountEvidenceAsync());
    }

    [Fact]
    public async Task Ingest_WithoutSignatures_RecordsAnEmptyList()
    {
        var ingested = await slice.SendAsync(new IngestEvidence(slice.File("photo.jpg", Photo), "Olena K."));

        Assert.Empty(ingested.Signatures);
        Assert.Empty((await slice.SendAsync(new GetEvidence(ingested.Id))).Provenance!.Signatures);
    }

    [Fact]
    public void FromJson_ProvenanceStoredBeforeSignatures_ReadsWithNone()
    {
        const string before = """{"exif":{"state":"absent","capturedAt":null,"latitude":null,"longitude":null,"make":null,"model":null,"software":null,"reason":null},"c2pa":{"state":"absent","failures":[],"signer":null,"claimGenerator":null,"actions":[],"trusted":false,"reason":null}}""";

        var provenance = FileProvenance.FromJson(before)!;

        Assert.Null(provenance.Signatures);
        Assert.Equal(C2paStates.Absent, provenance.C2pa!.State);
        Assert.Empty(provenance.Warnings(null, null));
    }
}
