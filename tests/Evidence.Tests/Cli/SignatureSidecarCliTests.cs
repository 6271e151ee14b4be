using System.Text;
using System.Text.Json;
using Evidence.Provenance;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Cli;

/// <summary>
/// `ingest FOLDER` with detached signatures beside the files, as ProofMode hands them over: X.asc and X.sig are recorded
/// as X's signatures and not as items, a pubkey.asc verifies but is not trusted, a configured key (EVIDENCE_OPENPGP_KEYS)
/// is, and no file is ever lost (a lone or oversized .asc is an item of its own).
/// </summary>
public sealed class SignatureSidecarCliTests : IDisposable
{
    private static readonly byte[] Photo = File.ReadAllBytes(Path.Combine(Repo.Root, "tests/Evidence.Tests/TestData/provenance/P1000827.jpg"));
    private readonly TestHome home = new();
    private string Home => Path.Combine(home.Path, "home");

    public void Dispose() => home.Dispose();

    private string Folder(string name, byte[] bytes) => home.File(Path.Combine("handover", name), bytes);

    private async Task<JsonElement> JsonAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var (exit, stdout, stderr) = await Run.CliWithEnvironmentAsync(Home, environment, [.. args, "--json"]);
        Assert.True(exit == 0, $"{string.Join(" ", args)}: exit {exit}: {stderr}");
        return JsonDocument.Parse(stdout).RootElement;
    }

    private static JsonElement ByName(JsonElement items, string name) =>
        items.EnumerateArray().Single(i => i.GetProperty("originalName").GetString() == name);

    [Fact]
    public async Task IngestFolder_SidecarsAreRecordedWithTheirFileAndNothingIsLost()
    {
        var signer = BcSigner.Ed25519;
        var oddName = "фото\u202Egpj.exe 1.jpg"; // Cyrillic and a right-to-left override, as hostile names go
        var altered = (byte[])Photo.Clone();
        altered[500] ^= 1;
        Folder("photo.jpg", Photo);
        Folder("photo.jpg.asc", signer.Sign(Photo));
        Folder("binary.jpg", Photo[..5000]);
        Folder("binary.jpg.sig", signer.Sign(Photo[..5000], armored: false));
        Folder("altered.jpg", altered);
        Folder("altered.jpg.asc", signer.Sign(Photo));
        Folder("garbage.jpg", Photo[..4000]);
        Folder("garbage.jpg.asc", "not a signature\n"u8.ToArray());
        Folder("huge.jpg", Photo[..3000]);
        Folder("huge.jpg.asc", new byte[OpenPgpVerifier.MaxSidecarBytes + 10]);
        Folder(oddName, Photo[..2000]);
        Folder(oddName + ".asc", signer.Sign(Photo[..2000]));
        Folder("lone.jpg.asc", signer.Sign(Photo));
        Folder("pubkey.asc", signer.ArmoredPublicKey());
        Folder("sub/photo.jpg.asc", signer.Sign(Photo)); // beside no photo.jpg in its own folder
        Folder("photo.jpg.asc.asc", signer.Sign(signer.Sign(Photo))); // a signature of a consumed sidecar stays an item

        var ingested = await JsonAsync(new Dictionary<string, string>(), "ingest", Path.Combine(home.Path, "handover"), "--collector", "Olena K.");

        var names = ingested.EnumerateArray().Select(i => i.GetProperty("originalName").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { "altered.jpg", "binary.jpg", "garbage.jpg", "huge.jpg", "huge.jpg.asc", "lone.jpg.asc", "photo.jpg", "photo.jpg.asc", "photo.jpg.asc.asc", "pubkey.asc", oddName }
            .Order(StringComparer.Ordinal), names);
        // photo.jpg.asc above is the one in sub/, which has no photo.jpg beside it.
        string State(string name) => ByName(ingested, name).GetProperty("signatures")[0].GetProperty("state").GetString()!;
        Assert.Equal(SignatureStates.Valid, State("photo.jpg"));
        Assert.Equal(SignatureStates.Valid, State("binary.jpg"));
        Assert.Equal(SignatureStates.Invalid, State("altered.jpg"));
        Assert.Equal(SignatureStates.Unreadable, State("garbage.jpg"));
        Assert.Equal(SignatureStates.Unreadable, State("huge.jpg"));
        Assert.Equal(SignatureStates.Valid, State(oddName));
        Assert.Equal(0, ByName(ingested, "lone.jpg.asc").GetProperty("signatures").GetArrayLength());
        Assert.Equal("binary.jpg.sig", ByName(ingested, "binary.jpg").GetProperty("signatures")[0].GetProperty("sidecar").GetString());

        // show --json: provenance {c2pa, exif, signatures, warnings}; the folder's key verifies, untrusted.
        var shown = await JsonAsync(new Dictionary<string, string>(), "show", ByName(ingested, "photo.jpg").GetProperty("id").GetString()!);
        var provenance = shown.GetProperty("provenance");
        Assert.Equal(["c2pa", "exif", "signatures", "warnings"], provenance.EnumerateObject().Select(p => p.Name));
        var signature = provenance.GetProperty("signatures")[0];
        Assert.Equal("openpgp", signature.GetProperty("kind").GetString());
        Assert.False(signature.GetProperty("trusted").GetBoolean());
        Assert.Equal("with the evidence", signature.GetProperty("keySource").GetString());
        Assert.Equal(signer.UserId, signature.GetProperty("userId").GetString());
        Assert.StartsWith("-----BEGIN PGP SIGNATURE-----", signature.GetProperty("armored").GetString());
        var alteredShown = await JsonAsync(new Dictionary<string, string>(), "show", ByName(ingested, "altered.jpg").GetProperty("id").GetString()!);
        Assert.Contains(alteredShown.GetProperty("provenance").GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("does not verify"));

        var text = await Run.CliAsync(Home, "show", ByName(ingested, "altered.jpg").GetProperty("id").GetString()!);
        Assert.Contains("signature altered.jpg.asc: invalid, key " + signer.KeyId, text.Out);
        Assert.Contains("warning: its signature altered.jpg.asc", text.Out);

        Assert.Equal(0, (await Run.CliAsync(Home, "verify")).Exit);
    }

    [Fact]
    public async Task IngestFolder_ConfiguredKey_IsTrusted()
    {
        var signer = BcSigner.Rsa;
        Folder("photo.jpg", Photo);
        Folder("photo.jpg.asc", signer.Sign(Photo));
        var keys = home.File("keys/trusted.asc", signer.ArmoredPublicKey());

        var ingested = await JsonAsync(new Dictionary<string, string> { ["EVIDENCE_OPENPGP_KEYS"] = keys }, "ingest", Path.Combine(home.Path, "handover"), "--collector", "Olena K.");

        var signature = Assert.Single(ingested.EnumerateArray()).GetProperty("signatures")[0];
        Assert.Equal(SignatureStates.Valid, signature.GetProperty("state").GetString());
        Assert.True(signature.GetProperty("trusted").GetBoolean());
    }

    [Fact]
    public async Task IngestFolder_NoKeyAnywhere_SaysNoKeyAndTheKeyId()
    {
        Folder("photo.jpg", Photo);
        Folder("photo.jpg.asc", BcSigner.OtherRsa.Sign(Photo));

        var ingested = await JsonAsync(new Dictionary<string, string>(), "ingest", Path.Combine(home.Path, "handover"), "--collector", "Olena K.");

        var item = Assert.Single(ingested.EnumerateArray());
        Assert.Equal(SignatureStates.NoKey, item.GetProperty("signatures")[0].GetProperty("state").GetString());
        var shown = await JsonAsync(new Dictionary<string, string>(), "show", item.GetProperty("id").GetString()!);
        Assert.Equal(BcSigner.OtherRsa.KeyId, shown.GetProperty("provenance").GetProperty("signatures")[0].GetProperty("keyId").GetString());
    }

    [Fact]
    public async Task IngestOneFile_WithSignatureOption_RecordsIt()
    {
        var file = home.File("one/photo.jpg", Photo);
        var signature = home.File("elsewhere/sig.asc", BcSigner.Ed25519.Sign(Photo));
        var key = home.File("elsewhere/key.asc", BcSigner.Ed25519.ArmoredPublicKey());

        var (exit, stdout, stderr) = await Run.CliAsync(Home, "ingest", file, "--collector", "Olena K.", "--signature", signature, "--signer-key", key);

        Assert.True(exit == 0, stderr);
        Assert.Contains("signature sig.asc: valid", stdout);
    }

    [Fact]
    public async Task IngestFolder_WithSignatureOption_IsUsage()
    {
        Folder("photo.jpg", Photo);

        var (exit, _, stderr) = await Run.CliAsync(Home, "ingest", Path.Combine(home.Path, "handover"), "--collector", "Olena K.", "--signature", "x.asc");

        Assert.Equal(2, exit);
        Assert.Contains("--signature needs exactly one file", stderr);
    }

    [Fact]
    public async Task IngestFolder_MisconfiguredKeys_RefusesWithTheReasonAndRecordsNothing()
    {
        Folder("photo.jpg", Photo);
        Folder("photo.jpg.asc", BcSigner.Rsa.Sign(Photo));
        var notKeys = home.File("keys/readme.txt", Encoding.UTF8.GetBytes("keys go here"));

        var (exit, _, stderr) = await Run.CliWithEnvironmentAsync(Home, new Dictionary<string, string> { ["EVIDENCE_OPENPGP_KEYS"] = notKeys },
            "ingest", Path.Combine(home.Path, "handover"), "--collector", "Olena K.");

        Assert.Equal(2, exit);
        Assert.Contains("EVIDENCE_OPENPGP_KEYS", stderr);
    }
}
