using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs.Specialized;
using Evidence.Crypto;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Storage;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Storage;

/// <summary>
/// Issue 20 (protected custody), the last two places evidence waited in clear: the chunks of an upload in progress, in the
/// folder store's staging and in the Azure container (real Azurite, whose own data folder is searched, uncommitted blocks
/// included), and the packages the web app keeps in the home's package folder. A marker in the evidence is found nowhere,
/// while resumption, completion and downloads give exactly the bytes that were sent and recorded.
/// </summary>
public sealed class SealedUploadsAndPackagesTests
{
    private const int ChunkSize = 4 << 20;
    private static readonly byte[] Marker = "MARKER-child-testimony-5b1e07"u8.ToArray();

    /// <summary>Every file under <paramref name="folder"/> that holds any of <paramref name="needles"/>.</summary>
    private static List<string> FilesHolding(string folder, params byte[][] needles) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => File.ReadAllBytes(f) is var bytes && needles.Any(n => bytes.AsSpan().IndexOf(n) >= 0))
            .ToList();

    /// <summary>A photo-like file: bytes no text extraction reads, the marker repeated through it.</summary>
    private static byte[] Photo(int size)
    {
        var bytes = new byte[size];
        for (var at = 0; at < size; at += Marker.Length)
        {
            Marker.AsSpan(0, Math.Min(Marker.Length, size - at)).CopyTo(bytes.AsSpan(at));
        }
        bytes[0] = 0xFF;
        bytes[1] = 0xD8;
        return bytes;
    }

    /// <summary>
    /// An upload left half-done (chunks 0 and 2 of 3 sent, through `evidence serve` over real HTTP): neither the file's bytes
    /// nor its name or source are anywhere in the home, nor in Azurite's data; the server still says which chunks it holds,
    /// and the resumed upload completes to the sender's SHA-256, its content the original bytes.
    /// </summary>
    [Theory]
    [InlineData("folder")]
    [InlineData("azurite")]
    public async Task UploadLeftHalfDone_HoldsNoMarker_AndResumesToTheOriginalBytes(string store)
    {
        using var home = new TestHome();
        await using var azurite = store == "azurite" ? await AzuriteServer.StartNewAsync() : null;
        var container = "c" + Guid.NewGuid().ToString("N");
        Dictionary<string, string> environment = azurite is null ? [] : new() { ["EVIDENCE_AZURE_BLOB"] = azurite.ConnectionString, ["EVIDENCE_AZURE_CONTAINER"] = container };
        var token = await ServeProcess.AddUserAsync(home.Path, environment, "olena", "investigator");
        await using var server = await ServeProcess.StartAsync(home.Path, environment);
        using var client = server.Client(token);
        var bytes = Photo(2 * ChunkSize + 1234);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var nameMarker = "MARKER-name-of-a-child-40c2"u8.ToArray();
        var sourceMarker = "MARKER-source-of-a-child-9d17"u8.ToArray();
        ByteArrayContent Chunk(int i) => new(bytes[(i * ChunkSize)..Math.Min(bytes.Length, (i + 1) * ChunkSize)]);

        using var begun = await client.PostAsJsonAsync("/api/uploads", new
        {
            fileName = Encoding.UTF8.GetString(nameMarker) + ".jpg", size = bytes.Length, collector = "Olena K.", source = Encoding.UTF8.GetString(sourceMarker), sha256,
        });
        var id = await WebScenario.IdOf(begun);
        (await client.PutAsync($"/api/uploads/{id}/chunks/2", Chunk(2))).EnsureSuccessStatusCode();
        (await client.PutAsync($"/api/uploads/{id}/chunks/0", Chunk(0))).EnsureSuccessStatusCode();
        var halfDone = await client.GetFromJsonAsync<JsonElement>($"/api/uploads/{id}");

        Assert.Equal([0, 2], halfDone.GetProperty("received").EnumerateArray().Select(i => i.GetInt32()));
        Assert.Equal([1], halfDone.GetProperty("missing").EnumerateArray().Select(i => i.GetInt32()));
        var header = BlobEnvelope.HeaderLength(KeyEncryptionKeyFile.LoadOrCreate(Path.Combine(home.Path, "keys", "blobs-kek-aes256.key")));
        long Stored(int plaintext) => BlobEnvelope.StoredLength(EncryptedUploadArea.PlaceLength + plaintext, header);
        if (azurite is null)
        {
            // The chunks are there, each an envelope the length of its sealed bytes: what is searched below is what is kept.
            var folder = Path.Combine(home.Path, "blobs", "staging", "uploads", id.ToString("N"));
            Assert.Equal(["0.part", "2.part", "upload.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(Stored(ChunkSize), new FileInfo(Path.Combine(folder, "0.part")).Length);
            Assert.Equal(Stored(1234), new FileInfo(Path.Combine(folder, "2.part")).Length);
            Assert.All(Directory.GetFiles(folder), f => Assert.True(File.ReadAllBytes(f).AsSpan().StartsWith(BlobEnvelope.Signature), f));
        }
        else
        {
            var blobs = new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, container);
            var content = blobs.GetBlockBlobClient($"staging/uploads/{id:N}/content");
            var blocks = (await content.GetBlockListAsync(Azure.Storage.Blobs.Models.BlockListTypes.Uncommitted)).Value.UncommittedBlocks;
            Assert.Equal([Stored(1234), Stored(ChunkSize)], blocks.Select(b => b.SizeLong).Order());
            var manifest = (await blobs.GetBlobClient($"staging/uploads/{id:N}/upload.json").DownloadContentAsync()).Value.Content.ToArray();
            Assert.True(manifest.AsSpan().StartsWith(BlobEnvelope.Signature));
            Assert.Empty(FilesHolding(azurite.DataFolder, Marker, nameMarker, sourceMarker));
            // The search sees what Azurite keeps: a blob stored in clear is found in its data folder.
            var control = "MARKER-control-in-clear-e8a1"u8.ToArray();
            await blobs.GetBlobClient("control").UploadAsync(BinaryData.FromBytes(control));
            Assert.NotEmpty(FilesHolding(azurite.DataFolder, control));
        }
        Assert.Empty(FilesHolding(home.Path, Marker, nameMarker, sourceMarker));

        (await client.PutAsync($"/api/uploads/{id}/chunks/1", Chunk(1))).EnsureSuccessStatusCode();
        using var completed = await client.PostAsync($"/api/uploads/{id}/complete", null);
        var recorded = await completed.Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(completed.IsSuccessStatusCode, recorded.ToString());
        Assert.Equal(sha256, recorded.GetProperty("sha256").GetString());
        Assert.Equal(bytes.Length, recorded.GetProperty("size").GetInt64());
        Assert.Equal(bytes, await client.GetByteArrayAsync($"/api/evidence/{recorded.GetProperty("id").GetGuid()}/content"));
        Assert.Empty(FilesHolding(home.Path, Marker));
        if (azurite is not null)
        {
            Assert.Empty(FilesHolding(azurite.DataFolder, Marker));
        }
        var verify = await ServeProcess.CliAsync(home.Path, environment, "--role", "auditor", "verify", "--json");
        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
    }

    /// <summary>The row of a package the web app built: its file name in the package folder.</summary>
    private static async Task<ReferralPackage> PackageRowAsync(WebScenario scenario, Guid id)
    {
        await using var scope = scenario.Server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<EvidenceDbContext>().ReferralPackages.AsNoTracking().SingleAsync(p => p.Id == id);
    }

    private static async Task<List<CustodyEvent>> EventsAsync(WebScenario scenario)
    {
        await using var scope = scenario.Server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<EvidenceDbContext>().CustodyEvents.AsNoTracking().OrderBy(e => e.Sequence).ToListAsync();
    }

    private static async Task<(WebScenario Scenario, HttpClient Prosecutor)> StartWithMarkedItemAsync()
    {
        var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        var item = (await WebScenario.UploadAsync(investigator, "photo.jpg", Photo(300_000)))[0].GetProperty("id").GetGuid();
        (await investigator.PostAsJsonAsync($"/api/evidence/{item}/tags", new { incidentId = scenario.Incident, elements = new[] { "8(2)(a)(vii)-1:1" } })).EnsureSuccessStatusCode();
        return (scenario, scenario.Server.Client(scenario.IccProsecutor));
    }

    private static async Task<JsonElement> BuildAsync(HttpClient prosecutor, WebScenario scenario)
    {
        using var response = await prosecutor.PostAsJsonAsync("/api/packages", new { incidentId = scenario.Incident, recipient = "Icc" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body;
    }

    /// <summary>
    /// Packages built through the web app, a zip and one encrypted to the office's registered certificate: each file in the
    /// package folder is an envelope, the marker is nowhere in the home, and each download serves exactly the bytes its
    /// PackageBuilt event recorded, named again by its Transferred event. The same package exported with `package --out`
    /// outside the home is a zip anyone can read, marker and all: the export stays as delivered.
    /// </summary>
    [Fact]
    public async Task PackagesBuiltThroughTheWeb_AreSealedInThePackageFolder_AndDownloadAsRecorded()
    {
        var (scenario, prosecutor) = await StartWithMarkedItemAsync();
        await using var _ = scenario;
        using var __ = prosecutor;
        var home = scenario.Server.Settings.Home;
        var built = await BuildAsync(prosecutor, scenario);
        var id = built.GetProperty("id").GetGuid();
        var office = await RecipientKey.CreateAsync(Path.Combine(scenario.Server.Home.Path, "icc-keys"), "icc", "P-256", "keyAgreement");
        Assert.Equal(0, (await Run.CliAsync(home, "recipient", "certificate", "icc", office.Certificate)).Exit);
        var encrypted = await BuildAsync(prosecutor, scenario);
        var encryptedId = encrypted.GetProperty("id").GetGuid();

        foreach (var package in new[] { id, encryptedId, scenario.Package })
        {
            var file = Path.Combine(scenario.Server.Settings.PackageFolder, (await PackageRowAsync(scenario, package)).FileName);
            Assert.True((await File.ReadAllBytesAsync(file)).AsSpan().StartsWith(BlobEnvelope.Signature), file);
        }
        Assert.Empty(FilesHolding(home, Marker));

        using var download = await prosecutor.GetAsync($"/api/packages/{id}/download");
        var zip = await download.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(built.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(zip)));
        Assert.Equal(built.GetProperty("bytes").GetInt64(), zip.Length);
        Assert.Equal(zip.Length, download.Content.Headers.ContentLength);
        using (var archive = new ZipArchive(new MemoryStream(zip)))
        {
            await using var photo = archive.Entries.Single(e => e.FullName.EndsWith("photo.jpg", StringComparison.Ordinal)).Open();
            using var copy = new MemoryStream();
            await photo.CopyToAsync(copy);
            Assert.Equal(Photo(300_000), copy.ToArray());
        }
        var transferred = (await EventsAsync(scenario)).Last();
        Assert.Equal("Transferred", transferred.Action);
        Assert.Equal(built.GetProperty("sha256").GetString(), transferred.Sha256);
        Assert.Contains($"\"package\":\"{id}\"", transferred.Details, StringComparison.Ordinal);

        using var encryptedDownload = await prosecutor.GetAsync($"/api/packages/{encryptedId}/download");
        var p7m = await encryptedDownload.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, encryptedDownload.StatusCode);
        Assert.Equal(encrypted.GetProperty("encrypted").GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(p7m)));
        Assert.Equal(encrypted.GetProperty("encrypted").GetProperty("bytes").GetInt64(), p7m.Length);
        var p7mFile = Path.Combine(scenario.Server.Home.Path, "downloaded.zip.p7m");
        await File.WriteAllBytesAsync(p7mFile, p7m);
        Assert.Equal(encrypted.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(await office.OpenAsync(p7mFile)))));

        var export = Path.Combine(scenario.Server.Home.Path, "export.zip");
        var exported = await Run.CliAsync(home, "--role", "prosecutor", "package", "--incident", scenario.Incident.ToString(), "--recipient", "icc", "--out", export);
        Assert.True(exported.Exit == 0, exported.Err);
        Assert.True((await File.ReadAllBytesAsync(export)).AsSpan().IndexOf(Marker) >= 0);
        Assert.Empty(FilesHolding(home, Marker));
        Assert.Equal(0, (await Run.CliAsync(home, "verify")).Exit);
    }

    /// <summary>
    /// A package file in the package folder that is not what its event recorded: altered, cut short, swapped for another
    /// package, sealed under another installation's key, or (from before sealing) a zip in clear that was altered. Each
    /// download is refused before a byte of it is served, with an error naming the package, and no Transferred event.
    /// </summary>
    [Fact]
    public async Task DamagedPackageFile_DownloadIsRefusedNamingIt_NothingServedNoTransferred()
    {
        var (scenario, prosecutor) = await StartWithMarkedItemAsync();
        await using var _ = scenario;
        using var __ = prosecutor;
        using var elsewhere = new TestHome();
        var otherKek = KeyEncryptionKeyFile.LoadOrCreate(Path.Combine(elsewhere.Path, "kek"));
        var other = (await PackageRowAsync(scenario, (await BuildAsync(prosecutor, scenario)).GetProperty("id").GetGuid())).FileName;
        string[] damages = ["altered", "cut short", "swapped for another package", "sealed under another key", "in clear, altered", "empty"];

        foreach (var damage in damages)
        {
            var id = (await BuildAsync(prosecutor, scenario)).GetProperty("id").GetGuid();
            var file = Path.Combine(scenario.Server.Settings.PackageFolder, (await PackageRowAsync(scenario, id)).FileName);
            var zip = await prosecutor.GetByteArrayAsync($"/api/packages/{id}/download");
            var sealedBytes = await File.ReadAllBytesAsync(file);
            byte[] damaged;
            switch (damage)
            {
                case "altered":
                    sealedBytes[sealedBytes.Length / 2] ^= 1;
                    damaged = sealedBytes;
                    break;
                case "cut short":
                    damaged = sealedBytes[..^(BlobEnvelope.ChunkSize + 16)];
                    break;
                case "swapped for another package":
                    damaged = await File.ReadAllBytesAsync(Path.Combine(scenario.Server.Settings.PackageFolder, other));
                    break;
                case "sealed under another key":
                    using (var resealed = new MemoryStream())
                    {
                        using (var sealing = new SealingStream(resealed, otherKek))
                        {
                            sealing.Write(zip);
                            sealing.Finish(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(zip)));
                        }
                        damaged = resealed.ToArray();
                    }
                    break;
                case "in clear, altered":
                    zip[zip.Length / 3] ^= 1;
                    damaged = zip;
                    break;
                default:
                    damaged = [];
                    break;
            }
            await File.WriteAllBytesAsync(file, damaged);
            var events = (await EventsAsync(scenario)).Count;

            using var refused = await prosecutor.GetAsync($"/api/packages/{id}/download");
            var body = await refused.Content.ReadAsStringAsync();

            Assert.True(refused.StatusCode == HttpStatusCode.InternalServerError, $"{damage}: {(int)refused.StatusCode} {body[..Math.Min(body.Length, 200)]}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal("damaged-evidence", problem.GetProperty("code").GetString());
            Assert.StartsWith($"Referral package {id} ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("nothing was handed over", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(events, (await EventsAsync(scenario)).Count);
        }
    }

    /// <summary>
    /// A home from before sealing: its package files in clear. They stay downloadable as recorded; `encrypt-existing` seals
    /// each in place with a PackageSealed event, after which the marker is nowhere and the download serves the same bytes.
    /// A clear file that is not the package its event recorded is left as it is and named (exit 1); running again seals
    /// nothing more.
    /// </summary>
    [Fact]
    public async Task EncryptExisting_SealsAPackageKeptInClear_WithAnEvent_AndLeavesAnAlteredOneNamed()
    {
        var (scenario, prosecutor) = await StartWithMarkedItemAsync();
        await using var _ = scenario;
        using var __ = prosecutor;
        var home = scenario.Server.Settings.Home;
        var old = await BuildAsync(prosecutor, scenario);
        var oldId = old.GetProperty("id").GetGuid();
        var altered = (await BuildAsync(prosecutor, scenario)).GetProperty("id").GetGuid();
        string FileOf(ReferralPackage package) => Path.Combine(scenario.Server.Settings.PackageFolder, package.FileName);
        var oldFile = FileOf(await PackageRowAsync(scenario, oldId));
        var alteredFile = FileOf(await PackageRowAsync(scenario, altered));
        // As an installation from before sealing holds them: the zips themselves, owner-only.
        var zip = await prosecutor.GetByteArrayAsync($"/api/packages/{oldId}/download");
        var alteredZip = await prosecutor.GetByteArrayAsync($"/api/packages/{altered}/download");
        alteredZip[100] ^= 1;
        File.Delete(oldFile);
        File.Delete(alteredFile);
        await File.WriteAllBytesAsync(oldFile, zip);
        await File.WriteAllBytesAsync(alteredFile, alteredZip);
        Assert.Equal(new[] { alteredFile, oldFile }.Order(StringComparer.Ordinal), FilesHolding(home, Marker).Order(StringComparer.Ordinal));

        Assert.Equal(zip, await prosecutor.GetByteArrayAsync($"/api/packages/{oldId}/download"));
        var (exit, stdout, stderr) = await Run.CliAsync(home, "--role", "admin", "encrypt-existing");

        Assert.True(exit == 1, stdout + stderr);
        Assert.Contains("Sealed 1 package file(s) kept in clear", stdout, StringComparison.Ordinal);
        Assert.Contains($"Left as it is: the file of referral package {altered} is not the one its PackageBuilt event recorded.", stdout, StringComparison.Ordinal);
        Assert.True((await File.ReadAllBytesAsync(oldFile)).AsSpan().StartsWith(BlobEnvelope.Signature));
        Assert.Equal(alteredZip, await File.ReadAllBytesAsync(alteredFile));
        Assert.Equal([alteredFile], FilesHolding(home, Marker));
        Assert.Equal(OwnerOnly.FilePermissions, File.GetUnixFileMode(oldFile));
        Assert.Empty(Directory.GetFiles(scenario.Server.Settings.PackageFolder, "*.partial-*"));
        var sealedEvent = Assert.Single(await EventsAsync(scenario), e => e.Action == "PackageSealed");
        Assert.Equal(old.GetProperty("sha256").GetString(), sealedEvent.Sha256);
        var details = JsonSerializer.Deserialize<Dictionary<string, string>>(sealedEvent.Details)!;
        Assert.Equal(oldId.ToString(), details["package"]);
        Assert.StartsWith("file:", details["key"], StringComparison.Ordinal);
        Assert.Equal(zip, await prosecutor.GetByteArrayAsync($"/api/packages/{oldId}/download"));

        var again = await Run.CliAsync(home, "--role", "admin", "encrypt-existing", "--json");
        var report = JsonDocument.Parse(again.Out).RootElement;
        Assert.Equal(0, report.GetProperty("packagesSealed").GetInt32());
        Assert.Equal([altered.ToString()], report.GetProperty("damagedPackages").EnumerateArray().Select(p => p.GetString()));
        Assert.Single(await EventsAsync(scenario), e => e.Action == "PackageSealed");
        // verify holds the package folder to the events: the sealed package is clean, the altered one is named.
        var verify = await Run.CliAsync(home, "verify", "--json");
        Assert.True(verify.Exit == 1, verify.Out + verify.Err);
        var finding = Assert.Single(JsonDocument.Parse(verify.Out).RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal("package", finding.GetProperty("kind").GetString());
        Assert.Equal(Path.GetFileName(alteredFile), finding.GetProperty("subject").GetString());
        Assert.EndsWith("not the package its event recorded", finding.GetProperty("found").GetString(), StringComparison.Ordinal);
    }
}
