using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Evidence.Ingest;
using Evidence.Provenance;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Evidence.Viewing;

namespace Evidence.Tests.Provenance;

/// <summary>
/// Trust in a C2PA signer (issue 17, item 3): <c>trusted</c> only for a valid manifest whose x5chain leads, signature by
/// signature, to a configured anchor. The anchors are the reference implementation's own test roots
/// (TestData/provenance/trust, from c2pa-rs), which issued the test files' signers.
/// </summary>
public sealed class C2paTrustTests : IDisposable
{
    private static readonly string Folder = Path.Combine(Repo.Root, "tests", "Evidence.Tests", "TestData", "provenance");
    private static readonly string Bundle = Path.Combine(Folder, "trust", "c2pa-rs-test-root-bundle.pem");

    // Inside every test certificate's validity (the signers' run 2022-06-10 to 2030-08-26).
    private static readonly DateTimeOffset During = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);
    private readonly TestHome home = new();

    public void Dispose() => home.Dispose();

    private static C2paVerdict Read(string file, C2paTrustAnchors anchors, DateTimeOffset? at = null) =>
        C2paReader.Read(Path.Combine(Folder, file), anchors, at ?? During);

    /// <summary>A self-signed CA of our own, written as a PEM bundle; by default with the very name of the c2pa-rs test root.</summary>
    private string UnrelatedCa(string name = "C=US, ST=CA, L=Somewhere, O=C2PA Test Root CA, OU=FOR TESTING_ONLY, CN=Root CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = request.CreateSelfSigned(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2040, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return home.File("unrelated-ca.pem", System.Text.Encoding.ASCII.GetBytes(ca.ExportCertificatePem()));
    }

    [Theory]
    [InlineData("C.jpg")]
    [InlineData("CA.jpg")]
    public void Read_ValidFileWithItsRootConfigured_IsTrusted(string file)
    {
        var verdict = Read(file, C2paTrustAnchors.Load(Bundle));

        Assert.Equal(C2paStates.Valid, verdict.State);
        Assert.True(verdict.Trusted);
        Assert.Contains("CN=Root CA", verdict.TrustReason);
    }

    [Theory]
    [InlineData("C.jpg")]
    [InlineData("CA.jpg")]
    public void Read_ValidFileWithoutAnchors_IsUntrustedSigner(string file)
    {
        var verdict = Read(file, C2paTrustAnchors.None);

        Assert.Equal(C2paStates.Valid, verdict.State);
        Assert.False(verdict.Trusted);
        Assert.StartsWith("untrusted signer: no C2PA trust anchors", verdict.TrustReason);
    }

    [Fact]
    public void Read_UnrelatedCaWithTheSameName_IsUntrustedSigner()
    {
        // Same subject as the real root, another key: trust follows signatures, not names.
        var verdict = Read("C.jpg", C2paTrustAnchors.Load(UnrelatedCa()));

        Assert.Equal(C2paStates.Valid, verdict.State);
        Assert.False(verdict.Trusted);
        Assert.StartsWith("untrusted signer:", verdict.TrustReason);
        Assert.Contains("not a configured trust anchor", verdict.TrustReason);
    }

    [Fact]
    public void Read_UnrelatedCa_IsUntrustedSigner()
    {
        var verdict = Read("CA.jpg", C2paTrustAnchors.Load(UnrelatedCa("CN=Some Newsroom CA, O=Elsewhere")));

        Assert.False(verdict.Trusted);
        Assert.StartsWith("untrusted signer:", verdict.TrustReason);
    }

    [Theory]
    [InlineData("XCA.jpg")]
    [InlineData("E-sig-CA.jpg")]
    public void Read_InvalidFile_IsNeverTrusted(string file)
    {
        var verdict = Read(file, C2paTrustAnchors.Load(Bundle));

        Assert.Equal(C2paStates.Invalid, verdict.State);
        Assert.False(verdict.Trusted);
        Assert.Null(verdict.TrustReason);
    }

    [Fact]
    public void Read_AfterTheSignerExpired_IsUntrustedSigner()
    {
        var verdict = Read("C.jpg", C2paTrustAnchors.Load(Bundle), new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(C2paStates.Valid, verdict.State);
        Assert.False(verdict.Trusted);
        Assert.Contains("is not valid at 2031-01-01", verdict.TrustReason);
    }

    [Fact]
    public void Read_FileWithoutManifest_IsAbsentAndUntrusted()
    {
        var verdict = Read("no_manifest.jpg", C2paTrustAnchors.Load(Bundle));

        Assert.Equal(C2paStates.Absent, verdict.State);
        Assert.False(verdict.Trusted);
    }

    [Fact]
    public void Load_MissingOrEmptyBundle_IsAnErrorOfTheInstallation()
    {
        Assert.Throws<InvalidRequestException>(() => C2paTrustAnchors.Load(Path.Combine(home.Path, "nowhere.pem")));
        Assert.Throws<InvalidRequestException>(() => C2paTrustAnchors.Load(home.File("empty.pem", "no certificates here\n"u8.ToArray())));
    }

    [Fact]
    public async Task Ingest_WithAnchorsConfigured_RecordsTheTrustDecidedAtIntake()
    {
        await using var trusting = await Slice.StartAsync(s => s with { C2paTrustAnchors = Bundle });
        await using var plain = await Slice.StartAsync();
        var photo = trusting.File("C.jpg", await File.ReadAllBytesAsync(Path.Combine(Folder, "C.jpg")));

        var trusted = (await trusting.SendAsync(new GetEvidence((await trusting.SendAsync(new IngestEvidence(photo, "Olena K."))).Id))).Provenance!.C2pa!;
        var untrusted = (await plain.SendAsync(new GetEvidence((await plain.SendAsync(new IngestEvidence(photo, "Olena K."))).Id))).Provenance!.C2pa!;

        Assert.True(trusted.Trusted);
        Assert.False(untrusted.Trusted);
        Assert.StartsWith("untrusted signer", untrusted.TrustReason);
    }
}
