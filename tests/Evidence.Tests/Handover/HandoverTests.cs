using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Evidence.Crypto;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Referrals;

namespace Evidence.Tests.Handover;

/// <summary>
/// Field intake handed to the office by two people (issue 20, item 4), through the real command line on two real homes: a
/// field laptop's and the office's, each with its own ledger key. The bundle goes field → office, the receipt office →
/// field; every refusal leaves both ledgers, the blob stores and the receipt folder as they were.
/// </summary>
public sealed class HandoverTests : IDisposable
{
    private const string Olena = "Olena K.";
    private const string Petro = "Petro S.";

    private readonly TestHome home = new();

    private string Field => Path.Combine(home.Path, "field");
    private string Office => Path.Combine(home.Path, "office");
    private string Impostor => Path.Combine(home.Path, "impostor");

    public void Dispose() => home.Dispose();

    // Each home signs under its own name, as installations do (EVIDENCE_LEDGER_NAME).
    private Task<(int Exit, string Out, string Err)> CliAsync(string evidenceHome, string actor, params string[] args) =>
        Run.CliWithEnvironmentAsync(evidenceHome, new Dictionary<string, string> { ["EVIDENCE_LEDGER_NAME"] = Path.GetFileName(evidenceHome) + ".example/ledger" },
            ["--as", actor, .. args]);

    private async Task<JsonElement> JsonAsync(string evidenceHome, string actor, params string[] args)
    {
        var (exit, stdout, stderr) = await CliAsync(evidenceHome, actor, [.. args, "--json"]);
        Assert.True(exit == 0, $"{string.Join(" ", args)}: exit {exit}: {stderr}");
        return JsonDocument.Parse(stdout).RootElement;
    }

    private async Task<string> KeyAsync(string evidenceHome) => (await CliAsync(evidenceHome, "auditor", "log", "key")).Out.Trim();

    /// <summary>Every leaf of a home's ledger, in order.</summary>
    private async Task<List<string>> LeavesAsync(string evidenceHome) =>
        (await CliAsync(evidenceHome, "auditor", "log", "events")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static string LeafHash(string leaf) => Convert.ToHexStringLower(SHA256.HashData([0x00, .. Encoding.UTF8.GetBytes(leaf)]));

    /// <summary>A field laptop's work: a testimony stated strictly confidential with its place, a photo, and a translation of the testimony.</summary>
    private async Task<(string Testimony, string Photo, string Translation)> CollectInTheFieldAsync(string fieldHome = "")
    {
        fieldHome = fieldHome.Length == 0 ? Field : fieldHome;
        var testimony = (await JsonAsync(fieldHome, Olena, "ingest", home.File($"{Guid.NewGuid():N}/свідчення.txt", "Свідчення W-017: автобус поїхав о 08:30."u8.ToArray()),
            "--collector", Olena, "--source", "interview in Kherson", "--captured-at", "2022-11-14", "--place", "Kherson, school 27", "--coordinates", "46.6354,32.6169",
            "--language", "uk", "--consent", "given", "--confidentiality", "strictly-confidential"))[0].GetProperty("id").GetString()!;
        var photo = (await JsonAsync(fieldHome, Olena, "ingest", home.File($"{Guid.NewGuid():N}/bus.png", [0x89, .. "PNG\r\n\u001a\n"u8.ToArray(), .. RandomNumberGenerator.GetBytes(3000)]),
            "--collector", Olena))[0].GetProperty("id").GetString()!;
        var translation = (await JsonAsync(fieldHome, Olena, "derive", testimony, home.File($"{Guid.NewGuid():N}/statement-en.txt", "Statement W-017: the bus left at 08:30."u8.ToArray()),
            "--kind", "translation", "--language", "en", "--collector", "Translator T."))[0].GetProperty("id").GetString()!;
        return (testimony, photo, translation);
    }

    private string? officeCertificate;

    /// <summary>The office's handover certificate, made once on the office's home by its admin, as the field takes it.</summary>
    private async Task<string> OfficeCertificateAsync()
    {
        if (officeCertificate is null)
        {
            var path = Path.Combine(home.Path, "office-handover.pem");
            await JsonAsync(Office, "admin", "handover", "certificate", "--out", path);
            officeCertificate = path;
        }
        return officeCertificate;
    }

    /// <summary>The export options of a bundle encrypted to the office, as the field exports by default.</summary>
    private async Task<string[]> ToOfficeAsync() => ToCertificate(await OfficeCertificateAsync());

    /// <summary>Export options encrypting to <paramref name="certificate"/>, with its fingerprint as the office would read it out.</summary>
    private static string[] ToCertificate(string certificate) => ["--encrypt-to", certificate, "--fingerprint", FingerprintOf(certificate)];

    /// <summary>A certificate's SHA-256 fingerprint computed by .NET from the file, not by the code under test.</summary>
    private static string FingerprintOf(string certificate)
    {
        using var x509 = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(certificate));
        return Convert.ToHexStringLower(x509.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
    }

    /// <summary>
    /// Exports a bundle and returns the file written: encrypted to the office (NAME.p7m), or a readable zip when
    /// <paramref name="inClear"/> (the tests that alter a bundle's zip, which the office's checks must catch whatever carried it).
    /// </summary>
    private async Task<string> ExportAsync(string fieldHome, string name, string to = Petro, bool inClear = false)
    {
        var bundle = Path.Combine(home.Path, name);
        string[] how = inClear ? ["--in-clear"] : await ToOfficeAsync();
        return (await JsonAsync(fieldHome, Olena, ["handover", "export", "--to", to, "--out", bundle, .. how])).GetProperty("path").GetString()!;
    }

    [Fact]
    public async Task Handover_FieldToOfficeAndReceiptBack_BothLedgersVerifyAndEachProvesItsHalf()
    {
        var (testimony, photo, translation) = await CollectInTheFieldAsync();
        var fieldKey = await KeyAsync(Field);
        var officeKey = await KeyAsync(Office);
        var bundle = Path.Combine(home.Path, "bundle.zip.p7m");

        var exported = await JsonAsync(Field, Olena, ["handover", "export", "--to", Petro, "--out", Path.Combine(home.Path, "bundle.zip"), .. await ToOfficeAsync()]);
        var received = await JsonAsync(Office, Petro, "handover", "import", bundle, "--key", fieldKey, "--received-by", Petro);
        var receipt = received.GetProperty("receipt").GetString()!;
        var confirmed = await JsonAsync(Field, Olena, "handover", "confirm", receipt, "--key", officeKey);

        // The export: the whole bundle by its hash, three items, for Petro; the bytes on disk are the ones named.
        Assert.Equal(["handover", "path", "sha256", "items", "bytes", "to", "encrypted"], exported.EnumerateObject().Select(p => p.Name));
        Assert.Equal(bundle, exported.GetProperty("path").GetString());
        var bundleSha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(bundle)));
        Assert.Equal((bundleSha256, 3, Petro), (exported.GetProperty("sha256").GetString(), exported.GetProperty("items").GetInt32(), exported.GetProperty("to").GetString()));
        Assert.Equal(bundleSha256, received.GetProperty("bundle").GetString());
        Assert.Equal(Path.Combine(home.Path, "bundle.zip.receipt.txt"), receipt);
        Assert.Equal((Olena, Petro), (received.GetProperty("handedOverBy").GetString(), received.GetProperty("receivedBy").GetString()));
        Assert.Equal((3, Petro), (confirmed.GetProperty("items").GetInt32(), confirmed.GetProperty("receivedBy").GetString()));

        // Both ledgers verify clean after it.
        Assert.Equal(0, (await CliAsync(Field, "auditor", "verify")).Exit);
        Assert.Equal(0, (await CliAsync(Office, "auditor", "verify")).Exit);

        // What travelled is encrypted to the office: no byte of the testimony readable in it, and OpenSSL, sharing no code with
        // Evidence, opens it with the office's handover key into exactly the zip the export hashed.
        var officeHandoverKey = new RecipientKey(await OfficeCertificateAsync(), Path.Combine(Office, "keys", "handover-rsa3072-key.pem"));
        var encrypted = exported.GetProperty("encrypted");
        Assert.Equal(await officeHandoverKey.FingerprintAsync(), encrypted.GetProperty("certificate").GetString());
        Assert.Equal("CMS EnvelopedData, AES-256-CBC, RSAES-OAEP SHA-256", encrypted.GetProperty("algorithms").GetString());
        Assert.Equal(-1, File.ReadAllBytes(bundle).AsSpan().IndexOf("автобус поїхав"u8));
        var opened = await officeHandoverKey.OpenAsync(bundle);
        Assert.Equal(encrypted.GetProperty("zipSha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(opened))));
        Assert.Equal(3 + 6, PackageZip.Read(opened).Count);
        File.Delete(opened);
        // No copy of the zip, readable or scrambled, stays at the office after the import.
        Assert.Empty(Directory.Exists(Path.Combine(Office, "packages")) ? Directory.GetFiles(Path.Combine(Office, "packages")) : []);
        // Both ledgers say how it travelled: to which certificate, how, and the zip inside by its hash.
        foreach (var leaf in (await LeavesAsync(Field)).Concat(await LeavesAsync(Office)).Select(l => JsonDocument.Parse(l).RootElement)
                     .Where(l => l.GetProperty("action").GetString() is "HandoverExported" or "Received"))
        {
            var said = JsonSerializer.Deserialize<Dictionary<string, string>>(leaf.GetProperty("details").GetRawText())!;
            Assert.Equal((encrypted.GetProperty("algorithms").GetString(), encrypted.GetProperty("certificate").GetString(), encrypted.GetProperty("zipSha256").GetString(), bundleSha256),
                (said["encryption"], said["encryptedTo"], said["zipSha256"], said["bundle"]));
        }

        // The office: each item ingested anew, with what the field stated about it, and received with its field history: the leaf
        // hash of every field event of the item and the field checkpoint, which the field ledger can prove to anyone.
        var fieldLeaves = await LeavesAsync(Field);
        var items = received.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("fieldId").GetString()!, i => i.GetProperty("id").GetString()!);
        Assert.Equal([testimony, photo, translation], items.Keys);
        var checkpoint = await JsonAsync(Field, "auditor", "log", "checkpoint");
        foreach (var (fieldId, officeId) in items)
        {
            var shown = await JsonAsync(Office, Petro, "show", officeId);
            var receivedEvent = shown.GetProperty("custody").EnumerateArray().Single(e => e.GetProperty("action").GetString() == "Received");
            var details = receivedEvent.GetProperty("details");
            var expectedLeaves = fieldLeaves.Where(l => JsonDocument.Parse(l).RootElement.GetProperty("evidence").GetString() == fieldId
                                                        && JsonDocument.Parse(l).RootElement.GetProperty("action").GetString() != "HandedOver"
                                                        && JsonDocument.Parse(l).RootElement.GetProperty("action").GetString() != "HandoverExported")
                .Select(l => $"{JsonDocument.Parse(l).RootElement.GetProperty("index").GetInt64()}:{LeafHash(l)}");
            Assert.Equal(string.Join(' ', expectedLeaves), details.GetProperty("fieldLeaves").GetString());
            Assert.Equal((fieldKey, fieldId, bundleSha256, Olena, Petro),
                (details.GetProperty("fieldKey").GetString(), details.GetProperty("fieldEvidence").GetString(), details.GetProperty("bundle").GetString(),
                    details.GetProperty("handedOverBy").GetString(), details.GetProperty("receivedBy").GetString()));
            // The checkpoint the bundle carried is a prefix of the field's ledger: its root is the field root at that size.
            var size = long.Parse(details.GetProperty("fieldCheckpoint").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            var consistency = await JsonAsync(Field, "auditor", "log", "consistency", "--from", size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--to", checkpoint.GetProperty("size").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(details.GetProperty("fieldRoot").GetString(), consistency.GetProperty("oldRoot").GetString());
            Assert.Equal(["Ingested", "Received"], shown.GetProperty("custody").EnumerateArray().Select(e => e.GetProperty("action").GetString()).Take(2));
            Assert.Equal(Petro, receivedEvent.GetProperty("actor").GetString());
        }
        var officeTestimony = await JsonAsync(Office, Petro, "show", items[testimony]);
        Assert.Equal(("свідчення.txt", Olena, "interview in Kherson", "2022-11-14"), (officeTestimony.GetProperty("originalName").GetString(),
            officeTestimony.GetProperty("collector").GetString(), officeTestimony.GetProperty("source").GetString(), officeTestimony.GetProperty("capturedAt").GetString()));
        Assert.Equal(("Kherson, school 27", 46.6354, 32.6169, "strictly-confidential", "given"), (officeTestimony.GetProperty("place").GetString(),
            officeTestimony.GetProperty("latitude").GetDouble(), officeTestimony.GetProperty("longitude").GetDouble(),
            officeTestimony.GetProperty("confidentiality").GetString(), officeTestimony.GetProperty("consent").GetString()));
        // The translation names the office's own item for the testimony it was made from.
        var officeTranslation = await JsonAsync(Office, Petro, "show", items[translation]);
        Assert.Equal(("derived", items[testimony], "translation"), (officeTranslation.GetProperty("generation").GetString(),
            officeTranslation.GetProperty("derivedFrom").GetString(), officeTranslation.GetProperty("derivedKind").GetString()));

        // The receipt: a signed note by the office key, listing the bundle and every item, which the field checked.
        var receiptText = await File.ReadAllTextAsync(receipt);
        Assert.True(NoteVerifier.Parse(officeKey).Verify(receiptText, out var body));
        Assert.Contains($"bundle {bundleSha256}\n", body, StringComparison.Ordinal);
        Assert.Contains($"handed-over-by {Olena}\nreceived-by {Petro}\n", body, StringComparison.Ordinal);
        foreach (var (fieldId, officeId) in items)
        {
            Assert.Matches($"item {fieldId} [0-9a-f]{{64}} {officeId}\n", body);
        }

        // The field: exported by Olena to Petro, then handed over to him on his office's signed word, naming its receipt.
        var fieldShown = await JsonAsync(Field, Olena, "show", testimony);
        var actions = fieldShown.GetProperty("custody").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(["HandoverExported", "HandedOver"], actions.TakeLast(2));
        var exportedEvent = fieldShown.GetProperty("custody").EnumerateArray().Single(e => e.GetProperty("action").GetString() == "HandoverExported");
        Assert.Equal((Olena, Petro, bundleSha256), (exportedEvent.GetProperty("actor").GetString(), exportedEvent.GetProperty("details").GetProperty("to").GetString(),
            exportedEvent.GetProperty("details").GetProperty("bundle").GetString()));
        var handedOver = fieldShown.GetProperty("custody").EnumerateArray().Single(e => e.GetProperty("action").GetString() == "HandedOver").GetProperty("details");
        Assert.Equal((Petro, officeKey, items[testimony], Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(receipt)))),
            (handedOver.GetProperty("receivedBy").GetString(), handedOver.GetProperty("officeKey").GetString(), handedOver.GetProperty("officeEvidence").GetString(),
                handedOver.GetProperty("receiptSha256").GetString()));

        // Handed over, so not offered again; a second confirmation of the same receipt is refused.
        var again = await CliAsync(Field, Olena, ["handover", "export", "--to", Petro, "--out", Path.Combine(home.Path, "again.zip"), .. await ToOfficeAsync()]);
        Assert.Equal(2, again.Exit);
        Assert.Contains("handed over already", again.Err, StringComparison.Ordinal);
        var before = (await LeavesAsync(Field)).Count;
        var twice = await CliAsync(Field, Olena, "handover", "confirm", receipt, "--key", officeKey);
        Assert.Equal(2, twice.Exit);
        Assert.Contains("was confirmed here already", twice.Err, StringComparison.Ordinal);
        Assert.Equal(before, (await LeavesAsync(Field)).Count);
    }

    /// <summary>What a refused import must leave: no event, no item, no blob, nothing staged, no receipt.</summary>
    private async Task AssertImportRefusedAsync(string bundle, string expected, string? key = null, string receivedBy = Petro, string? receipt = null)
    {
        var leaves = (await LeavesAsync(Office)).Count;
        var blobs = Directory.Exists(Path.Combine(Office, "blobs")) ? Directory.GetFiles(Path.Combine(Office, "blobs"), "*", SearchOption.AllDirectories).Length : 0;
        receipt ??= Path.ChangeExtension(bundle, ".receipt.txt");
        var (exit, _, stderr) = await CliAsync(Office, Petro, "handover", "import", bundle, "--key", key ?? await KeyAsync(Field), "--received-by", receivedBy,
            "--receipt", receipt);
        Assert.True(exit == 2, $"exit {exit}: {stderr}");
        Assert.True(stderr.Contains(expected, StringComparison.Ordinal), $"expected '{expected}' in: {stderr}");
        Assert.Contains("nothing was recorded", stderr, StringComparison.Ordinal);
        Assert.Equal(leaves, (await LeavesAsync(Office)).Count);
        Assert.Equal(blobs, Directory.Exists(Path.Combine(Office, "blobs")) ? Directory.GetFiles(Path.Combine(Office, "blobs"), "*", SearchOption.AllDirectories).Length : 0);
        Assert.False(File.Exists(receipt));
        Assert.Empty(Directory.GetFiles(home.Path, "*.partial-*"));
    }

    private static string Entry(string bundle, string file) => PackageZip.Read(bundle).Keys.Single(k => k.EndsWith("/" + file, StringComparison.Ordinal));

    [Fact]
    public async Task Import_OneAlteredItemByte_RefusedWhole_NothingRecorded()
    {
        var (_, _, translation) = await CollectInTheFieldAsync();
        var bundle = await ExportAsync(Field, "bundle.zip", inClear: true);
        // The last item read is the one altered: the two before it were staged, and must go with the rest.
        var altered = PackageZip.Rewrite(bundle, Path.Combine(home.Path, "altered.zip"), (name, bytes) =>
        {
            if (name.EndsWith("/items/" + translation, StringComparison.Ordinal))
            {
                bytes[^1] ^= 0x01;
            }
            return bytes;
        });

        await AssertImportRefusedAsync(altered, "is not the bytes its field Ingested event recorded");
        // The office ledger is untouched and still verifies; the honest bundle is still accepted.
        Assert.Equal(0, (await CliAsync(Office, "auditor", "verify")).Exit);
        Assert.Equal(0, (await CliAsync(Office, Petro, "handover", "import", bundle, "--key", await KeyAsync(Field), "--received-by", Petro)).Exit);
    }

    [Fact]
    public async Task Import_MissingProofRemovedEventOrEditedManifest_RefusedWhole_NothingRecorded()
    {
        await CollectInTheFieldAsync();
        var bundle = await ExportAsync(Field, "bundle.zip", inClear: true);
        var proofs = Entry(bundle, "proofs.jsonl");
        var events = Entry(bundle, "events.jsonl");
        var manifest = Entry(bundle, "handover.json");

        var missingProof = PackageZip.Rewrite(bundle, Path.Combine(home.Path, "missing-proof.zip"), (name, bytes) =>
            name == proofs ? DropLine(bytes, 2) : bytes);
        var removedEvent = PackageZip.Rewrite(bundle, Path.Combine(home.Path, "removed-event.zip"), (name, bytes) =>
            name == proofs || name == events ? DropLine(bytes, 1) : bytes);
        // One hash of the first audit path changed: the path no longer leads to the checkpoint's root.
        var wrongProof = PackageZip.Rewrite(bundle, Path.Combine(home.Path, "wrong-proof.zip"), (name, bytes) =>
            name == proofs ? Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(Encoding.UTF8.GetString(bytes), "\"proof\":\\[\"(.)",
                m => "\"proof\":[\"" + (m.Groups[1].Value == "0" ? "1" : "0"), System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(5))) : bytes);
        var edited = PackageZip.Rewrite(bundle, Path.Combine(home.Path, "edited.zip"), (name, bytes) =>
            name == manifest ? Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace(Petro, "Mallory", StringComparison.Ordinal)) : bytes);
        var empty = PackageZip.Write(Path.Combine(home.Path, "empty.zip"), []);
        var notAZip = home.File("not-a-zip.zip", "just text"u8.ToArray());

        await AssertImportRefusedAsync(missingProof, "proofs, one per event");
        await AssertImportRefusedAsync(removedEvent, "in events.jsonl; found no such event");
        await AssertImportRefusedAsync(wrongProof, "found one that does not lead there");
        await AssertImportRefusedAsync(edited, "handover.json: expected a signature by the pinned field key");
        await AssertImportRefusedAsync(empty, "expected a handover bundle; found no files");
        await AssertImportRefusedAsync(notAZip, "a readable zip file");
    }

    private static byte[] DropLine(byte[] bytes, int line)
    {
        var lines = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        lines.RemoveAt(line);
        return Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));
    }

    [Fact]
    public async Task Import_BundleSignedByAnotherKey_RefusedWhole_NothingRecorded()
    {
        await CollectInTheFieldAsync();
        await CollectInTheFieldAsync(Impostor);
        var fieldKey = await KeyAsync(Field);
        var forged = await ExportAsync(Impostor, "forged.zip");
        var honest = await ExportAsync(Field, "honest.zip", inClear: true);
        // The honest bundle with the impostor's key put in: the key no longer is the one pinned.
        var impostorKey = Encoding.UTF8.GetBytes(await KeyAsync(Impostor) + "\n");
        var swappedKey = PackageZip.Rewrite(honest, Path.Combine(home.Path, "swapped-key.zip"), (name, bytes) =>
            name.EndsWith("/field-key.txt", StringComparison.Ordinal) ? impostorKey : bytes);

        await AssertImportRefusedAsync(forged, $"field-key.txt: expected the pinned field key {fieldKey}", fieldKey);
        await AssertImportRefusedAsync(forged, "checkpoint.txt: expected a checkpoint signed by the pinned field key", fieldKey);
        await AssertImportRefusedAsync(swappedKey, "field-key.txt: expected the pinned field key", fieldKey);
        // Pinning the office's own key, or no key at all, is refused before anything is read.
        await AssertImportRefusedAsync(honest, "this home's own ledger key", await KeyAsync(Office));
        await AssertImportRefusedAsync(honest, "is not a signed-note verifier key", "not a key");
    }

    [Fact]
    public async Task Import_SamePersonOrAnotherRecipient_Refused_AndExportToOneselfRefused()
    {
        await CollectInTheFieldAsync();
        var bundle = await ExportAsync(Field, "bundle.zip");

        // The exporter's own name, however it is typed, cannot receive the bundle.
        await AssertImportRefusedAsync(bundle, "A handover takes two people", receivedBy: "  olena   k. ");
        await AssertImportRefusedAsync(bundle, $"was handed over to {Petro}, not to Mallory", receivedBy: "Mallory");
        var self = await CliAsync(Field, Olena, ["handover", "export", "--to", "OLENA K.", "--out", Path.Combine(home.Path, "self.zip"), .. await ToOfficeAsync()]);
        Assert.Equal(2, self.Exit);
        Assert.Contains("cannot hand evidence over to themselves", self.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(home.Path, "self.zip.p7m")));
        var blank = await CliAsync(Field, Olena, "handover", "export", "--to", " ", "--out", Path.Combine(home.Path, "blank.zip"), "--in-clear");
        Assert.Equal(2, blank.Exit);
        Assert.Contains("the recipient (--to) is required", blank.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_Twice_RefusedWithTheFirstReceiptNamed_AndAReExportOfTheSameItemsRefused()
    {
        await CollectInTheFieldAsync();
        var fieldKey = await KeyAsync(Field);
        var bundle = await ExportAsync(Field, "bundle.zip");
        // Not confirmed yet, so the next export offers the same items again, in a bundle of its own.
        var second = await ExportAsync(Field, "second.zip");
        Assert.Equal(0, (await CliAsync(Office, Petro, "handover", "import", bundle, "--key", fieldKey, "--received-by", Petro)).Exit);

        // The same receipt file is never overwritten; another receipt name gets as far as the ledger, which refuses it.
        var sameReceipt = await CliAsync(Office, Petro, "handover", "import", bundle, "--key", fieldKey, "--received-by", Petro);
        Assert.Equal(2, sameReceipt.Exit);
        Assert.Contains("bundle.zip.receipt.txt already exists", sameReceipt.Err, StringComparison.Ordinal);
        await AssertImportRefusedAsync(bundle, "This bundle was received here already", fieldKey, receipt: Path.Combine(home.Path, "again.receipt.txt"));
        await AssertImportRefusedAsync(second, "was received here already, from handover", fieldKey);
    }

    [Fact]
    public async Task Import_PathTraversalDuplicateOrForeignNames_RefusedWhole_NothingWritten()
    {
        var (testimony, _, _) = await CollectInTheFieldAsync();
        var bundle = await ExportAsync(Field, "bundle.zip", inClear: true);
        var root = PackageZip.Root(bundle);
        var item = Entry(bundle, "items/" + testimony);

        var hostile = new Dictionary<string, (string Name, byte[] Bytes)>
        {
            ["dotdot"] = ($"{root}/../../evil.txt", "planted"u8.ToArray()),
            ["absolute"] = ("/tmp/evil-" + Guid.NewGuid().ToString("N"), "planted"u8.ToArray()),
            ["backslash"] = ($"{root}\\..\\evil.txt", "planted"u8.ToArray()),
            ["duplicate"] = (item, "other bytes under the same name"u8.ToArray()),
            ["case"] = ($"{root}/items/{testimony.ToUpperInvariant()}", "other bytes"u8.ToArray()),
            ["foreign"] = ($"{root}/README.txt", "not part of the format"u8.ToArray()),
            ["second root"] = ($"handover-other/{Path.GetFileName(item)}", "x"u8.ToArray()),
            // Bytes the field never signed for, under a name the format has.
            ["unlisted item"] = ($"{root}/items/{Guid.NewGuid()}", "planted evidence"u8.ToArray()),
        };
        foreach (var (kind, extra) in hostile)
        {
            var zip = PackageZip.Rewrite(bundle, Path.Combine(home.Path, $"hostile-{kind.Replace(' ', '-')}.zip"), (_, bytes) => bytes, extra);
            await AssertImportRefusedAsync(zip, kind == "unlisted item" ? "found one it does not list" : "was refused whole");
        }
        Assert.False(File.Exists(Path.Combine(home.Path, "evil.txt")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(home.Path)!, "evil.txt")));
    }

    [Fact]
    public async Task Confirm_ReceiptForAnotherBundleOrSignedByAnotherKeyOrAltered_Refused_NothingRecorded()
    {
        await CollectInTheFieldAsync();
        await CollectInTheFieldAsync(Impostor);
        var officeKey = await KeyAsync(Office);
        var bundle = await ExportAsync(Field, "bundle.zip");
        var received = await JsonAsync(Office, Petro, "handover", "import", bundle, "--key", await KeyAsync(Field), "--received-by", Petro);
        var receipt = received.GetProperty("receipt").GetString()!;
        // A second field home's bundle, received by the same office: a genuine receipt, but for another home's bundle.
        var otherBundle = await ExportAsync(Impostor, "other.zip");
        var otherReceipt = (await JsonAsync(Office, Petro, "handover", "import", otherBundle, "--key", await KeyAsync(Impostor), "--received-by", Petro))
            .GetProperty("receipt").GetString()!;
        // The office's own key signing a receipt for a bundle this home never exported (same items, another bundle hash).
        var text = await File.ReadAllTextAsync(receipt);
        Assert.True(NoteVerifier.Parse(officeKey).Verify(text, out var body));
        var officeSigner = NoteSigner.LoadOrCreate(Path.Combine(Office, "keys", "ledger-ed25519.pem"), "office.example/ledger");
        var forBundle = body.Split('\n')[2];
        var anotherBundle = home.File("another-bundle.txt", Encoding.UTF8.GetBytes(officeSigner.Sign(body.Replace(forBundle, "bundle " + new string('a', 64), StringComparison.Ordinal))));
        var lessItems = home.File("less-items.txt", Encoding.UTF8.GetBytes(officeSigner.Sign(string.Concat(body.Split('\n', StringSplitOptions.RemoveEmptyEntries).SkipLast(1).Select(l => l + "\n")))));
        var altered = home.File("altered.txt", Encoding.UTF8.GetBytes(text.Replace("received-by Petro S.", "received-by Petro Z.", StringComparison.Ordinal)));
        var notAReceipt = home.File("checkpoint-as-receipt.txt", Encoding.UTF8.GetBytes((await JsonAsync(Office, "auditor", "log", "checkpoint")).GetProperty("text").GetString()!));

        var leaves = (await LeavesAsync(Field)).Count;
        var refusals = new (string Receipt, string Key, string Expected)[]
        {
            (anotherBundle, officeKey, "This home exported no bundle with SHA-256 aaaa"),
            (otherReceipt, officeKey, "is for a bundle from another field home"),
            (lessItems, officeKey, "does not list exactly the items bundle"),
            (receipt, await KeyAsync(Impostor), "is not signed by the pinned office key"),
            (receipt, await KeyAsync(Field), "is not signed by the pinned office key"),
            (altered, officeKey, "is not signed by the pinned office key"),
            (notAReceipt, officeKey, "is not a handover receipt"),
            (home.File("empty.txt", []), officeKey, "is not signed by the pinned office key"),
        };
        foreach (var (file, key, expected) in refusals)
        {
            var (exit, _, stderr) = await CliAsync(Field, Olena, "handover", "confirm", file, "--key", key);
            Assert.True(exit == 2, $"{expected}: exit {exit}: {stderr}");
            Assert.Contains(expected, stderr, StringComparison.Ordinal);
            Assert.Contains("nothing was recorded", stderr, StringComparison.Ordinal);
        }
        Assert.Equal(leaves, (await LeavesAsync(Field)).Count);
        // The genuine receipt still confirms.
        Assert.Equal(0, (await CliAsync(Field, Olena, "handover", "confirm", receipt, "--key", officeKey)).Exit);
        Assert.Equal(0, (await CliAsync(Field, "auditor", "verify")).Exit);
    }

    [Fact]
    public async Task Export_NamedItemsOnly_ImportedIntoACase_WithTheReceiptWhereAsked_TheRestWaits()
    {
        var (testimony, photo, translation) = await CollectInTheFieldAsync();
        var caseId = (await JsonAsync(Office, Petro, "case", "add", "--title", "Kherson school 27")).GetProperty("id").GetString()!;
        var bundle = Path.Combine(home.Path, "photo.zip");
        var toOffice = await ToOfficeAsync();
        var receipt = Path.Combine(home.Path, "receipts", "photo-receipt.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(receipt)!);

        // A translation without its original would name an item the office does not have: refused until the original travels.
        var orphan = Path.Combine(home.Path, "orphan.zip");
        orphan = (await JsonAsync(Field, Olena, ["handover", "export", "--to", Petro, "--out", orphan, "--evidence", translation, .. toOffice])).GetProperty("path").GetString()!;
        await AssertImportRefusedAsync(orphan, $"was made from field item {testimony}, which is neither earlier in this bundle nor received here before");
        var unknown = await CliAsync(Field, Olena, ["handover", "export", "--to", Petro, "--out", bundle, "--evidence", Guid.NewGuid().ToString(), .. toOffice]);
        var exported = await JsonAsync(Field, Olena, ["handover", "export", "--to", Petro, "--out", bundle, "--evidence", photo, .. toOffice]);
        bundle = exported.GetProperty("path").GetString()!;
        var received = await JsonAsync(Office, Petro, "handover", "import", bundle, "--key", await KeyAsync(Field), "--received-by", Petro,
            "--case", caseId, "--receipt", receipt);
        await JsonAsync(Field, Olena, "handover", "confirm", receipt, "--key", await KeyAsync(Office));
        // The testimony and its translation wait for the next export; the translation's original comes with it.
        var rest = await JsonAsync(Field, Olena, ["handover", "export", "--to", Petro, "--out", Path.Combine(home.Path, "rest.zip"), .. toOffice]);
        var handedOverAgain = await CliAsync(Field, Olena, ["handover", "export", "--to", Petro, "--out", Path.Combine(home.Path, "again.zip"), "--evidence", photo, .. toOffice]);

        Assert.Equal(2, unknown.Exit);
        Assert.Contains("No evidence item waiting to be handed over is", unknown.Err, StringComparison.Ordinal);
        Assert.Equal(1, exported.GetProperty("items").GetInt32());
        Assert.Equal(receipt, received.GetProperty("receipt").GetString());
        Assert.True(File.Exists(receipt));
        var item = Assert.Single(received.GetProperty("items").EnumerateArray());
        Assert.Equal(photo, item.GetProperty("fieldId").GetString());
        var ingested = (await JsonAsync(Office, Petro, "show", item.GetProperty("id").GetString()!)).GetProperty("custody").EnumerateArray()
            .Single(e => e.GetProperty("action").GetString() == "Ingested");
        Assert.Equal(caseId, ingested.GetProperty("details").GetProperty("case").GetString());
        Assert.Equal(2, rest.GetProperty("items").GetInt32());
        Assert.Equal(2, handedOverAgain.Exit);
        Assert.Contains("a confirmed receipt has handed it over already", handedOverAgain.Err, StringComparison.Ordinal);
        var restReceived = await JsonAsync(Office, Petro, "handover", "import", rest.GetProperty("path").GetString()!, "--key", await KeyAsync(Field), "--received-by", Petro);
        Assert.Equal([testimony, translation], restReceived.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("fieldId").GetString()));
        Assert.Equal(0, (await CliAsync(Office, "auditor", "verify")).Exit);
    }

    [Fact]
    public async Task Handover_BadUsage_ExitTwo()
    {
        var missingKey = await CliAsync(Office, Petro, "handover", "import", Path.Combine(home.Path, "bundle.zip"), "--received-by", Petro);
        var noBundle = await CliAsync(Office, Petro, "handover", "import", Path.Combine(home.Path, "none.zip"), "--key", "k", "--received-by", Petro);
        var unknown = await CliAsync(Office, Petro, "handover", "send");
        var nothing = await CliAsync(Field, Olena, "handover", "export", "--to", Petro, "--out", Path.Combine(home.Path, "nothing.zip"), "--in-clear");

        Assert.Equal((2, 2, 2, 2), (missingKey.Exit, noBundle.Exit, unknown.Exit, nothing.Exit));
        Assert.Contains("--key is required", missingKey.Err, StringComparison.Ordinal);
        Assert.Contains("none.zip does not exist", noBundle.Err, StringComparison.Ordinal);
        Assert.Contains("usage: evidence handover certificate", unknown.Err, StringComparison.Ordinal);
        Assert.Contains("there is no evidence to hand over", nothing.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(home.Path, "nothing.zip")));
    }

    /// <summary>The export's events of a field home, as leaves.</summary>
    private async Task<List<JsonElement>> ExportEventsAsync(string fieldHome) =>
        (await LeavesAsync(fieldHome)).Select(l => JsonDocument.Parse(l).RootElement).Where(l => l.GetProperty("action").GetString() == "HandoverExported").ToList();

    [Fact]
    public async Task Export_NeitherEncryptToNorInClear_Refused_AndInClearIsSaidAndRecorded()
    {
        await CollectInTheFieldAsync();
        var recipientKeys = Path.Combine(home.Path, "recipient-keys");
        var ec = await RecipientKey.CreateAsync(recipientKeys, "ec-office", "P-256", "keyAgreement");
        var signing = await RecipientKey.CreateAsync(recipientKeys, "signing-only", "rsa", "digitalSignature");
        var leaves = (await LeavesAsync(Field)).Count;

        var refusals = new (string[] Options, string Expected)[]
        {
            ([], "A handover bundle travels encrypted to the office: give the office's handover certificate (--encrypt-to CERT.pem"),
            (["--in-clear", .. await ToOfficeAsync()], "--encrypt-to and --in-clear exclude each other"),
            (["--encrypt-to", await OfficeCertificateAsync()], "--fingerprint is required with --encrypt-to"),
            (["--encrypt-to", ec.Certificate, "--fingerprint", new string('0', 64)], "has an EC P-256 key; an office's handover certificate has an RSA key"),
            (["--encrypt-to", signing.Certificate, "--fingerprint", new string('0', 64)], "is not for encryption"),
            (["--encrypt-to", Path.Combine(Office, "keys", "handover-rsa3072-key.pem"), "--fingerprint", new string('0', 64)], "holds a private key, not a certificate"),
            (["--encrypt-to", home.File("empty.pem", []), "--fingerprint", new string('0', 64)], "holds no certificate"),
            (["--encrypt-to", Path.Combine(home.Path, "none.pem"), "--fingerprint", new string('0', 64)], "cannot be read"),
        };
        foreach (var (options, expected) in refusals)
        {
            var (exit, _, stderr) = await CliAsync(Field, Olena, ["handover", "export", "--to", Petro, "--out", Path.Combine(home.Path, "refused.zip"), .. options]);
            Assert.True(exit == 2, $"{expected}: exit {exit}: {stderr}");
            Assert.Contains(expected, stderr, StringComparison.Ordinal);
        }
        Assert.Equal(leaves, (await LeavesAsync(Field)).Count);
        Assert.Empty(Directory.GetFiles(home.Path, "refused*"));

        // Asked for in so many words, the bundle is written in clear: the output says so, and every event records it.
        var (code, stdout, _) = await CliAsync(Field, Olena, "handover", "export", "--to", Petro, "--out", Path.Combine(home.Path, "clear.zip"), "--in-clear");
        Assert.Equal(0, code);
        Assert.Contains("IN CLEAR (--in-clear)", stdout, StringComparison.Ordinal);
        Assert.Equal(3, PackageZip.Read(Path.Combine(home.Path, "clear.zip")).Keys.Count(k => k.Contains("/items/", StringComparison.Ordinal)));
        var exported = await ExportEventsAsync(Field);
        Assert.Equal(3, exported.Count);
        Assert.All(exported, e => Assert.Equal("none: in clear (--in-clear)", e.GetProperty("details").GetProperty("encryption").GetString()));
        Assert.All(exported, e => Assert.False(e.GetProperty("details").TryGetProperty("encryptedTo", out _)));
        // The office takes it, saying it travelled in clear, and its Received events record that too.
        var (imported, importOut, importErr) = await CliAsync(Office, Petro, "handover", "import", Path.Combine(home.Path, "clear.zip"), "--key", await KeyAsync(Field), "--received-by", Petro);
        Assert.True(imported == 0, importErr);
        Assert.Contains("(travelled in clear)", importOut, StringComparison.Ordinal);
        Assert.All((await LeavesAsync(Office)).Select(l => JsonDocument.Parse(l).RootElement).Where(l => l.GetProperty("action").GetString() == "Received"),
            e => Assert.Equal("none: in clear (--in-clear)", e.GetProperty("details").GetProperty("encryption").GetString()));
    }

    [Fact]
    public async Task HandoverCertificate_MadeOnce_OwnerOnly_SameFingerprintEveryTime_AndItsCopyNeverOverwritten()
    {
        var first = await JsonAsync(Office, "admin", "handover", "certificate");
        var second = await JsonAsync(Office, "admin", "handover", "certificate", "--out", Path.Combine(home.Path, "copy.pem"));
        var again = await CliAsync(Office, "admin", "handover", "certificate", "--out", Path.Combine(home.Path, "copy.pem"));
        var investigator = await CliAsync(Office, Petro, "handover", "certificate", "--role", "investigator");

        Assert.Equal(first.GetProperty("fingerprint").GetString(), second.GetProperty("fingerprint").GetString());
        Assert.Equal("RSA 3072", first.GetProperty("key").GetString());
        Assert.Equal(Path.Combine(Office, "keys", "handover-certificate.pem"), first.GetProperty("path").GetString());
        var copy = new RecipientKey(Path.Combine(home.Path, "copy.pem"), Path.Combine(Office, "keys", "handover-rsa3072-key.pem"));
        Assert.Equal(first.GetProperty("fingerprint").GetString(), await copy.FingerprintAsync());
        Assert.Equal(2, again.Exit);
        Assert.Contains("copy.pem already exists", again.Err, StringComparison.Ordinal);
        Assert.Equal(2, investigator.Exit);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Office, "keys", "handover-rsa3072-key.pem")));
        }
    }

    [Fact]
    public async Task Import_EncryptedToAnotherCertificateOrWithoutAHandoverKey_Refused_NothingRecorded_AndOpenSslOpensItWithThatKey()
    {
        await CollectInTheFieldAsync();
        var other = Path.Combine(home.Path, "other-office");
        await JsonAsync(other, "admin", "handover", "certificate", "--out", Path.Combine(home.Path, "other-office.pem"));
        var forOther = (await JsonAsync(Field, Olena, ["handover", "export", "--to", Petro, "--out", Path.Combine(home.Path, "for-other.zip"),
            .. ToCertificate(Path.Combine(home.Path, "other-office.pem"))])).GetProperty("path").GetString()!;
        // A certificate made by OpenSSL, as any office could: the bundle is a standard envelope its key opens.
        var openssl = await RecipientKey.CreateAsync(Path.Combine(home.Path, "recipient-keys"), "openssl-office", "rsa", "keyEncipherment", 3072);
        var forOpenSsl = (await JsonAsync(Field, Olena, ["handover", "export", "--to", Petro, "--out", Path.Combine(home.Path, "for-openssl.zip"),
            .. ToCertificate(openssl.Certificate)])).GetProperty("path").GetString()!;
        await OfficeCertificateAsync();

        await AssertImportRefusedAsync(forOther, "is encrypted to another certificate, not to this office's handover certificate");
        await AssertImportRefusedAsync(forOpenSsl, "is encrypted to another certificate");
        Assert.Equal(0, (await openssl.DecryptAsync(forOpenSsl, Path.Combine(home.Path, "opened.zip"))).Exit);
        Assert.NotEmpty(PackageZip.Read(Path.Combine(home.Path, "opened.zip")));
        // A home that never made a handover key cannot open any encrypted bundle, and says why.
        var bare = Path.Combine(home.Path, "bare");
        var (exit, _, stderr) = await CliAsync(bare, Petro, "handover", "import", forOther, "--key", await KeyAsync(Field), "--received-by", Petro);
        Assert.Equal(2, exit);
        Assert.Contains("this home has no handover key to open it with; nothing was recorded", stderr, StringComparison.Ordinal);
        // The home it was made for takes it.
        Assert.Equal(0, (await CliAsync(other, Petro, "handover", "import", forOther, "--key", await KeyAsync(Field), "--received-by", Petro)).Exit);
    }

    [Fact]
    public async Task Import_DamagedEnvelope_RefusedWhole_NothingRecordedNothingLeftBehind()
    {
        await CollectInTheFieldAsync();
        var bundle = await ExportAsync(Field, "bundle.zip");
        var bytes = await File.ReadAllBytesAsync(bundle);
        var damaged = new Dictionary<string, byte[]>
        {
            ["empty"] = [],
            ["one byte"] = [0x30],
            ["truncated"] = bytes[..(bytes.Length / 2)],
            ["last byte cut"] = bytes[..^1],
            ["trailing bytes"] = [.. bytes, .. "appended"u8.ToArray()],
            ["not cms"] = [0x30, .. RandomNumberGenerator.GetBytes(5000)],
            ["wrapped key"] = Flipped(bytes, 200), // inside the RSA-OAEP wrapped content key
        };
        // AES-CBC carries no integrity of its own: one flipped ciphertext byte garbles a block and flips a byte of the next, and
        // the zip's own checks (headers, CRC-32, the signed manifest, each item's SHA-256) must catch it wherever it lands.
        for (var at = bytes.Length / 2; at < bytes.Length; at += Math.Max(1, bytes.Length / 16))
        {
            damaged[$"flipped at {at}"] = Flipped(bytes, at);
        }
        damaged["flipped last"] = Flipped(bytes, bytes.Length - 20);
        foreach (var (kind, content) in damaged)
        {
            var file = home.File($"damaged-{kind.Replace(' ', '-')}.zip.p7m", content);
            await AssertImportRefusedAsync(file, "nothing was recorded");
            Assert.Empty(Directory.Exists(Path.Combine(Office, "packages")) ? Directory.GetFiles(Path.Combine(Office, "packages")) : []);
        }
        // The undamaged bundle is still taken.
        Assert.Equal(0, (await CliAsync(Office, Petro, "handover", "import", bundle, "--key", await KeyAsync(Field), "--received-by", Petro)).Exit);
        Assert.Equal(0, (await CliAsync(Office, "auditor", "verify")).Exit);

        static byte[] Flipped(byte[] bytes, int at)
        {
            var copy = bytes.ToArray();
            copy[at] ^= 0x20;
            return copy;
        }
    }

    [Fact]
    public async Task Import_FieldKeyRotatedAfterTheOfficePinnedIt_FollowsTheBundlesChain_AndAnItemReceivedBeforeTheRotationStaysReceived()
    {
        var (testimony, _, _) = await CollectInTheFieldAsync();
        var pinnedFieldKey = await KeyAsync(Field);
        var first = await ExportAsync(Field, "first.zip");
        Assert.Equal(0, (await CliAsync(Office, Petro, "handover", "import", first, "--key", pinnedFieldKey, "--received-by", Petro)).Exit);
        // The field rotates its key twice before the next handover, and collects more.
        await JsonAsync(Field, "admin", "log", "rotate-key");
        await JsonAsync(Field, "admin", "log", "rotate-key");
        var newFieldKey = await KeyAsync(Field);
        Assert.NotEqual(pinnedFieldKey, newFieldKey);

        // Not confirmed yet, the next export offers the first items again: received before under the old key, they are refused.
        var again = await ExportAsync(Field, "again.zip");
        await AssertImportRefusedAsync(again, "was received here already, from handover", pinnedFieldKey);
        // Once the first receipt is confirmed, the new items alone travel, signed by the new key, and the office follows the
        // rotations the bundle carries from the key it pinned.
        await JsonAsync(Field, Olena, "handover", "confirm", Path.Combine(home.Path, "first.zip.receipt.txt"), "--key", await KeyAsync(Office));
        await JsonAsync(Field, Olena, "derive", testimony, home.File("later/statement-de.txt", "Aussage W-017."u8.ToArray()), "--kind", "translation", "--language", "de",
            "--collector", "Translator T.");
        var later = await ExportAsync(Field, "later.zip");
        var received = await JsonAsync(Office, Petro, "handover", "import", later, "--key", pinnedFieldKey, "--received-by", Petro);
        Assert.Single(received.GetProperty("items").EnumerateArray());
        var officeItem = received.GetProperty("items")[0].GetProperty("id").GetString()!;
        var receivedEvent = (await JsonAsync(Office, Petro, "show", officeItem)).GetProperty("custody").EnumerateArray().Single(e => e.GetProperty("action").GetString() == "Received");
        Assert.Equal(newFieldKey, receivedEvent.GetProperty("details").GetProperty("fieldKey").GetString());
        // The receipt names the key that signed the bundle; the field confirms it.
        await JsonAsync(Field, Olena, "handover", "confirm", received.GetProperty("receipt").GetString()!, "--key", await KeyAsync(Office));
        Assert.Equal(0, (await CliAsync(Field, "auditor", "verify", "--key", pinnedFieldKey)).Exit);
        Assert.Equal(0, (await CliAsync(Office, "auditor", "verify")).Exit);
    }

    [Fact]
    public async Task Import_BundleOfAnotherHomeWithAForgedOrForeignRotationChain_RefusedWhole_NothingRecorded()
    {
        await CollectInTheFieldAsync();
        await CollectInTheFieldAsync(Impostor);
        var pinnedFieldKey = await KeyAsync(Field);
        await JsonAsync(Field, "admin", "log", "rotate-key");
        await JsonAsync(Impostor, "admin", "log", "rotate-key");
        var honest = await ExportAsync(Field, "honest.zip", inClear: true);
        var impostor = await ExportAsync(Impostor, "impostor.zip", inClear: true);
        var fieldRotations = PackageZip.Read(honest).Single(e => e.Key.EndsWith("/key-rotations.jsonl", StringComparison.Ordinal)).Value;

        // The impostor's own chain starts at its own first key, not at the pinned one.
        await AssertImportRefusedAsync(impostor, "key-rotations.jsonl: expected rotations that lead from the pinned field key", pinnedFieldKey);
        // The field's genuine chain put into the impostor's bundle leads to the field's new key, which signed nothing in it.
        var borrowed = PackageZip.Rewrite(impostor, Path.Combine(home.Path, "borrowed-chain.zip"), (name, bytes) =>
            name.EndsWith("/key-rotations.jsonl", StringComparison.Ordinal) ? fieldRotations : bytes);
        await AssertImportRefusedAsync(borrowed, "its checkpoint is of the log 'field.example/ledger', not 'impostor.example/ledger'", pinnedFieldKey);
        // A twin home that signs under the field's very log name: the field's rotations are not in the tree its checkpoint signs.
        var twin = Path.Combine(home.Path, "twin", "field");
        await CollectInTheFieldAsync(twin);
        var twinBundle = PackageZip.Rewrite(await ExportAsync(twin, "twin.zip", inClear: true), Path.Combine(home.Path, "twin-borrowed.zip"), (name, bytes) => bytes,
            ($"{PackageZip.Root(Path.Combine(home.Path, "twin.zip"))}/key-rotations.jsonl", fieldRotations));
        await AssertImportRefusedAsync(twinBundle, "does not extend the rotation's checkpoint", pinnedFieldKey);
        // The honest bundle with its chain removed, or cut to nothing, or garbled: the new key alone is not the pinned one.
        var root = PackageZip.Root(honest);
        var noChain = PackageZip.Rewrite(honest, Path.Combine(home.Path, "no-chain.zip"), (name, bytes) =>
            name == $"{root}/key-rotations.jsonl" ? null : bytes);
        var garbled = PackageZip.Rewrite(honest, Path.Combine(home.Path, "garbled-chain.zip"), (name, bytes) =>
            name.EndsWith("/key-rotations.jsonl", StringComparison.Ordinal) ? "{not json\n"u8.ToArray() : bytes);
        await AssertImportRefusedAsync(noChain, $"field-key.txt: expected the pinned field key {pinnedFieldKey}", pinnedFieldKey);
        await AssertImportRefusedAsync(garbled, "key-rotations.jsonl: expected key rotations, one JSON object a line", pinnedFieldKey);
        // The honest bundle itself is taken.
        Assert.Equal(0, (await CliAsync(Office, Petro, "handover", "import", honest, "--key", pinnedFieldKey, "--received-by", Petro)).Exit);
    }

    [Fact]
    public async Task Confirm_OfficeKeyRotatedAfterTheFieldPinnedIt_TheReceiptCarriesTheChain_AndAForgedOneIsRefused()
    {
        await CollectInTheFieldAsync();
        await CollectInTheFieldAsync(Impostor);
        var pinnedOfficeKey = await KeyAsync(Office);
        await JsonAsync(Office, "admin", "log", "rotate-key");
        var newOfficeKey = await KeyAsync(Office);
        var bundle = await ExportAsync(Field, "bundle.zip");
        var receipt = (await JsonAsync(Office, Petro, "handover", "import", bundle, "--key", await KeyAsync(Field), "--received-by", Petro)).GetProperty("receipt").GetString()!;
        var text = await File.ReadAllTextAsync(receipt);
        Assert.Contains("\noffice-checkpoint ", text, StringComparison.Ordinal);
        Assert.Contains("\noffice-key-rotation {", text, StringComparison.Ordinal);

        // The same body signed by another key: the rotations lead to the office's new key, which did not sign it.
        Assert.True(NoteVerifier.Parse(newOfficeKey).Verify(text, out var body));
        var impostorSigner = NoteSigner.LoadOrCreate(Path.Combine(Impostor, "keys", "ledger-ed25519.pem"), "office.example/ledger");
        var forged = home.File("forged-receipt.txt", Encoding.UTF8.GetBytes(impostorSigner.Sign(body)));
        // The office checkpoint line removed: the receipt is no longer one the format has.
        var lines = body.Split('\n').ToList();
        var withoutCheckpoint = home.File("without-checkpoint.txt", Encoding.UTF8.GetBytes(impostorSigner.Sign(string.Join('\n', lines.Where(l => !l.StartsWith("office-checkpoint ", StringComparison.Ordinal))))));
        var leaves = (await LeavesAsync(Field)).Count;
        foreach (var (file, expected) in new[] { (forged, "is not signed by the pinned office key"), (withoutCheckpoint, "is not signed by the pinned office key") })
        {
            var (exit, _, stderr) = await CliAsync(Field, Olena, "handover", "confirm", file, "--key", pinnedOfficeKey);
            Assert.True(exit == 2, $"{expected}: exit {exit}: {stderr}");
            Assert.Contains(expected, stderr, StringComparison.Ordinal);
        }
        Assert.Equal(leaves, (await LeavesAsync(Field)).Count);

        // The genuine receipt confirms against the key the field pinned, and the event names the key that signed it.
        await JsonAsync(Field, Olena, "handover", "confirm", receipt, "--key", pinnedOfficeKey);
        var handedOver = (await LeavesAsync(Field)).Select(l => JsonDocument.Parse(l).RootElement).First(l => l.GetProperty("action").GetString() == "HandedOver");
        Assert.Equal(newOfficeKey, handedOver.GetProperty("details").GetProperty("officeKey").GetString());
        Assert.Equal(0, (await CliAsync(Field, "auditor", "verify")).Exit);
    }
}
