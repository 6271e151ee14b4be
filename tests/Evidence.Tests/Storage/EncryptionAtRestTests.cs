using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Ingest;
using Evidence.Requests;
using Evidence.Storage;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Storage;

/// <summary>
/// Evidence bytes at rest in a home: sealed under the installation's key, handed out as collected (`content`, packages),
/// damage named by verify, and blobs from before encryption converted by `encrypt-existing`.
/// </summary>
public sealed class EncryptionAtRestTests : IDisposable
{
    private static readonly byte[] Marker = "MARKER-child-testimony-5b1e07"u8.ToArray();
    private readonly TestHome home = new();

    private string EvidenceHome => Path.Combine(home.Path, "home");

    private Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => Run.CliAsync(EvidenceHome, args);

    public void Dispose() => home.Dispose();

    /// <summary>A photo-like file: bytes no text extraction reads, the marker repeated through it.</summary>
    private static byte[] Photo() => [0xFF, 0xD8, 0xFF, .. Enumerable.Repeat(Marker, 3_000).SelectMany(m => m), 0xFF, 0xD9];

    private static List<string> FilesHolding(string folder, byte[] needle) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => File.ReadAllBytes(f).AsSpan().IndexOf(needle) >= 0)
            .ToList();

    private async Task<string> IngestAsync(string name, byte[] bytes)
    {
        var (exit, stdout, stderr) = await RunAsync("ingest", home.File(name, bytes), "--collector", "Olena K.", "--json");
        Assert.True(exit == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement[0].GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Home_HoldsTheEvidenceOnlyEncrypted_AndContentGivesTheOriginalAsAViewedEvent()
    {
        var photo = Photo();
        var id = await IngestAsync("in/photo.jpg", photo);
        File.Delete(Path.Combine(home.Path, "in", "photo.jpg"));

        Assert.Empty(FilesHolding(EvidenceHome, Marker));

        var output = Path.Combine(home.Path, "out", "photo.jpg");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var (exit, stdout, stderr) = await RunAsync("content", id, "--out", output);
        Assert.True(exit == 0, stderr);
        Assert.Equal(photo, await File.ReadAllBytesAsync(output));
        var sha256sum = (await Run.ProcessAsync("sha256sum", output)).Out.Split(' ')[0];
        Assert.Contains(sha256sum, stdout, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, ".*.part"));

        var (_, events, _) = await RunAsync("log", "events");
        var last = JsonDocument.Parse(events.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("Viewed", last.GetProperty("action").GetString());
        Assert.Equal(id, last.GetProperty("evidence").GetString(), ignoreCase: true);
        Assert.Equal(0, (await RunAsync("verify")).Exit);
    }

    /// <summary>
    /// A text document: its bytes, and the text extracted from it for search, appear nowhere in the home (database, its log,
    /// the search index). Search still finds it by an exact word of its text, not by a part of one, and by its name as before.
    /// </summary>
    [Fact]
    public async Task TextDocument_ItsTextIsSealed_AndFoundOnlyByExactWords()
    {
        var text = "Свідчення: MARKER-child-testimony-5b1e07. The bus to Taganrog left the orphanage at 08:30 with eleven children.";
        var id = await IngestAsync("in/свідчення-автобус.txt", Encoding.UTF8.GetBytes(text));
        File.Delete(Path.Combine(home.Path, "in", "свідчення-автобус.txt"));

        Assert.Empty(FilesHolding(EvidenceHome, Marker));
        Assert.Empty(FilesHolding(EvidenceHome, "orphanage"u8.ToArray()));
        Assert.Empty(FilesHolding(EvidenceHome, Encoding.UTF8.GetBytes("Свідчення")));

        async Task<List<string>> FoundAsync(string words)
        {
            var (exit, stdout, stderr) = await RunAsync("search", words, "--json");
            Assert.True(exit == 0, stderr);
            return JsonDocument.Parse(stdout).RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToList();
        }
        Assert.Equal([id], await FoundAsync("orphanage"));
        Assert.Equal([id], await FoundAsync("ORPHANAGE taganrog"));
        Assert.Equal([id], await FoundAsync("свідчення"));
        Assert.Equal([id], await FoundAsync("08:30"));
        Assert.Equal([id], await FoundAsync("автобус")); // a word of its name, kept searchable as before
        Assert.Empty(await FoundAsync("orphan*"));
        Assert.Empty(await FoundAsync("orphan"));
        Assert.Empty(await FoundAsync("orphanage minibus"));
        Assert.Equal(0, (await RunAsync("verify")).Exit);
    }

    /// <summary>A package carries the extracted text opened, as extracted, beside the item.</summary>
    [Fact]
    public async Task Package_CarriesTheTextAsExtracted()
    {
        var text = "Witness statement MARKER-child-testimony-5b1e07 about the transfer.";
        var id = await IngestAsync("in/statement.txt", Encoding.UTF8.GetBytes(text));
        var (_, incidentOut, incidentErr) = await RunAsync("incident", "add", "--title", "Transfer", "--kind", "transfer", "--from", "2022-10-14",
            "--place", "Kherson", "--article", "8(2)(a)(vii)-1");
        var incident = incidentOut.Trim();
        Assert.True(Guid.TryParse(incident, out _), incidentErr);
        Assert.Equal(0, (await RunAsync("tag", id, "--incident", incident)).Exit);
        var package = Path.Combine(home.Path, "package.zip");

        var (exit, _, stderr) = await RunAsync("--role", "prosecutor", "package", "--incident", incident, "--recipient", "icc", "--out", package);

        Assert.True(exit == 0, stderr);
        using var zip = System.IO.Compression.ZipFile.OpenRead(package);
        var textEntry = Assert.Single(zip.Entries, e => e.FullName.Contains("/data/text/", StringComparison.Ordinal));
        using var reader = new StreamReader(textEntry.Open());
        Assert.Equal(text, await reader.ReadToEndAsync());
        Assert.Empty(FilesHolding(EvidenceHome, Marker));
    }

    [Fact]
    public async Task Content_IntoAFileThatExists_IsRefusedAndTheFileIsKept()
    {
        var id = await IngestAsync("in/photo.jpg", Photo());
        var existing = home.File("out/kept.jpg", [1, 2, 3]);

        var (exit, _, stderr) = await RunAsync("content", id, "--out", existing);

        Assert.Equal(2, exit);
        Assert.Contains("already exists", stderr, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(existing));
    }

    /// <summary>Auditors verify without seeing content: asking for it is refused, and the refusal is itself recorded.</summary>
    [Fact]
    public async Task Content_AsAnAuditor_IsRefusedAndRecorded()
    {
        var id = await IngestAsync("in/photo.jpg", Photo());
        var output = Path.Combine(home.Path, "auditor.jpg");

        var (exit, _, _) = await RunAsync("--role", "auditor", "content", id, "--out", output);

        Assert.Equal(2, exit);
        Assert.False(File.Exists(output));
        var (_, events, _) = await RunAsync("log", "events");
        Assert.Equal("AccessDenied", JsonDocument.Parse(events.Trim().Split('\n')[^1]).RootElement.GetProperty("action").GetString());
    }

    /// <summary>A damaged blob never becomes a file that looks like evidence: nothing is written, and the refusal says why.</summary>
    [Fact]
    public async Task Content_OfADamagedBlob_WritesNoFile()
    {
        var photo = Photo();
        var id = await IngestAsync("in/photo.jpg", photo);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(photo));
        var path = Path.Combine(EvidenceHome, "blobs", "sha256", sha256[..2], sha256);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var stored = await File.ReadAllBytesAsync(path);
        stored[^(BlobEnvelope.BindingSize + 5)] ^= 0x40; // in the last chunk's tag
        await File.WriteAllBytesAsync(path, stored);
        var output = Path.Combine(home.Path, "damaged.jpg");

        var (exit, _, stderr) = await RunAsync("content", id, "--out", output);

        Assert.Equal(2, exit);
        Assert.Contains($"Chunk 1 of blob {sha256} does not authenticate", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(home.Path, ".damaged.jpg.*"));
    }

    /// <summary>
    /// A home from before encryption: its blobs in clear are intact but named by verify, until `encrypt-existing` seals each one
    /// with an Encrypted event. Running it again changes nothing.
    /// </summary>
    [Fact]
    public async Task EncryptExisting_SealsBlobsStoredInClear_WithAnEventEach()
    {
        var photo = Photo();
        var text = Encoding.UTF8.GetBytes("a second file, stored in clear " + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)));
        await IngestAsync("in/photo.jpg", photo);
        await IngestAsync("in/second.bin", text);
        foreach (var bytes in new[] { photo, text })
        {
            // What an installation from before encryption holds: the original bytes at their address.
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            var path = Path.Combine(EvidenceHome, "blobs", "sha256", sha256[..2], sha256);
            File.Delete(path);
            await File.WriteAllBytesAsync(path, bytes);
        }
        var before = await RunAsync("verify", "--json");
        Assert.Equal(1, before.Exit);
        Assert.Equal(2, JsonDocument.Parse(before.Out).RootElement.GetProperty("findings").EnumerateArray()
            .Count(f => f.GetProperty("found").GetString()!.Contains("stored in clear", StringComparison.Ordinal)));

        var (exit, stdout, stderr) = await RunAsync("--role", "admin", "encrypt-existing");
        Assert.True(exit == 0, stderr);
        Assert.Contains("Encrypted 2 blob(s) stored in clear", stdout, StringComparison.Ordinal);

        Assert.Empty(FilesHolding(EvidenceHome, Marker));
        var (_, events, _) = await RunAsync("log", "events");
        var encrypted = events.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.GetProperty("action").GetString() == "Encrypted").ToList();
        Assert.Equal(2, encrypted.Count);
        Assert.All(encrypted, e => Assert.StartsWith("file:", e.GetProperty("details").GetProperty("key").GetString(), StringComparison.Ordinal));
        Assert.Equal(0, (await RunAsync("verify")).Exit);
        Assert.Contains("Encrypted 0 blob(s)", (await RunAsync("--role", "admin", "encrypt-existing")).Out, StringComparison.Ordinal);
        Assert.Equal(2, (await RunAsync("--role", "investigator", "encrypt-existing")).Exit);
    }

    /// <summary>
    /// A home sealed before envelope version 2: its blobs are version 1 envelopes, which open, but would open as well under
    /// another blob's address. Verify names each; `encrypt-existing` seals each again for its address, with an Encrypted event.
    /// </summary>
    [Fact]
    public async Task EncryptExisting_SealsVersion1EnvelopesAgainForTheirAddress()
    {
        var photo = Photo();
        await IngestAsync("in/photo.jpg", photo);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(photo));
        var path = Path.Combine(EvidenceHome, "blobs", "sha256", sha256[..2], sha256);
        File.Delete(path);
        await File.WriteAllBytesAsync(path, EnvelopeVersion1.Seal(photo, KeyEncryptionKeyFile.LoadOrCreate(Path.Combine(EvidenceHome, "keys", "blobs-kek-aes256.key"))));
        var before = await RunAsync("verify", "--json");
        Assert.Equal(1, before.Exit);
        Assert.Contains(JsonDocument.Parse(before.Out).RootElement.GetProperty("findings").EnumerateArray(),
            f => f.GetProperty("found").GetString() == "a version 1 envelope, not sealed for its address: run `evidence encrypt-existing`");

        var (exit, stdout, stderr) = await RunAsync("--role", "admin", "encrypt-existing");

        Assert.True(exit == 0, stderr);
        Assert.Contains("Encrypted 1 blob(s)", stdout, StringComparison.Ordinal);
        Assert.Equal(Convert.FromHexString(sha256), File.ReadAllBytes(path)[^32..]);
        var (_, events, _) = await RunAsync("log", "events");
        var encrypted = events.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).Single(e => e.GetProperty("action").GetString() == "Encrypted");
        Assert.StartsWith("EVBLOB 2", encrypted.GetProperty("details").GetProperty("format").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("verify")).Exit);
        Assert.Contains("Encrypted 0 blob(s)", (await RunAsync("--role", "admin", "encrypt-existing")).Out, StringComparison.Ordinal);
    }
}

/// <summary>An item whose extracted text a home from before sealing holds in clear, in its row and its search index.</summary>
public sealed class TextInClearTests : IAsyncLifetime
{
    private Slice slice = null!;

    public async Task InitializeAsync() => slice = await Slice.StartAsync();

    public async Task DisposeAsync() => await slice.DisposeAsync();

    [Fact]
    public async Task EncryptExisting_SealsTheText_RebuildsItsSearchRow_AndLeavesNoCopyInTheDatabase()
    {
        var text = "Statement MARKER-clear-text-77aa about the bus to Taganrog";
        var item = await slice.SendAsync(new IngestEvidence(slice.File("statement.txt", Encoding.UTF8.GetBytes(text)), "A"));
        File.Delete(Path.Combine(slice.Home, "input", "statement.txt"));
        var id = slice.SqlId(item.Id);
        // As an installation from before sealing holds it: the text in clear, in the row and in the search index, and the
        // ledger binding that text (there, by its Ingested event's textSha256; here by an event recording the row as it now
        // stands, because encrypt-existing seals only the text the ledger records: a text planted in the row is refused).
        var onPostgres = slice.Settings.PostgresDatabase is not null;
        await slice.TamperAsync(onPostgres
            ? $"""
              UPDATE evidence_items SET "ExtractedText" = '{text}', "SearchWords" = NULL WHERE "Id" = {id};
              DELETE FROM search_text WHERE kind = 'item' AND ref = {id};
              INSERT INTO search_text VALUES ('item', {id}, to_tsvector('simple', 'statement.txt {text}'));
              """
            : $"""
              UPDATE evidence_items SET ExtractedText = '{text}', SearchWords = NULL WHERE Id = {id};
              DELETE FROM search_text WHERE kind = 'item' AND ref = {id};
              INSERT INTO search_text (kind, ref, body) VALUES ('item', {id}, 'statement.txt {text}');
              """);
        await using (var scope = slice.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("legacy-install", Role.Admin);
            var row = await scope.ServiceProvider.GetRequiredService<Evidence.Data.EvidenceDbContext>().EvidenceItems.AsNoTracking().SingleAsync(i => i.Id == item.Id);
            var unitOfWork = scope.ServiceProvider.GetRequiredService<Evidence.Data.UnitOfWork>();
            unitOfWork.Record("TextSealed", row.Id, row.Sha256, Projections.Items.Details("TextSealed", row));
            await unitOfWork.CommitAsync(CancellationToken.None);
        }
        Assert.True((await slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor")).Clean);
        // The home holds the SQLite database; a PostgreSQL database is elsewhere (its files are the server's).
        Assert.Equal(!onPostgres, Directory.EnumerateFiles(slice.Home, "*", SearchOption.AllDirectories).Any(f => File.ReadAllBytes(f).AsSpan().IndexOf("MARKER-clear-text-77aa"u8) >= 0));

        var result = await slice.SendAsync(new EncryptExistingBlobs(), Role.Admin, "admin");
        await slice.SendAsync(new PurgeTextInClear(), Role.Admin, "admin");

        Assert.Equal(1, result.TextsSealed);
        Assert.DoesNotContain(Directory.EnumerateFiles(slice.Home, "*", SearchOption.AllDirectories), f => File.ReadAllBytes(f).AsSpan().IndexOf("MARKER-clear-text-77aa"u8) >= 0);
        Assert.Equal([item.Id], (await slice.SendAsync(new Evidence.Search.SearchEvidence(Text: "taganrog"))).Select(r => r.Id));
        Assert.DoesNotContain(item.Id, (await slice.SendAsync(new Evidence.Search.SearchEvidence(Text: "taganr*"))).Select(r => r.Id));
        var sealedEvent = await slice.QueryAsync(db => db.CustodyEvents.Where(e => e.Action == "TextSealed").OrderBy(e => e.Sequence).LastAsync());
        Assert.Equal(item.Id, sealedEvent.EvidenceId);
        Assert.Equal(0, (await slice.SendAsync(new EncryptExistingBlobs(), Role.Admin, "admin")).TextsSealed);
    }
}

/// <summary>Each way the stored envelope of an item can be damaged, and the finding verify reports for it.</summary>
public sealed class DamagedEnvelopeVerifyTests : IAsyncLifetime
{
    private Slice slice = null!;
    private readonly List<IngestedEvidence> items = [];

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        for (var i = 0; i < 7; i++)
        {
            items.Add(await slice.SendAsync(new IngestEvidence(slice.File($"{i}.bin", RandomNumberGenerator.GetBytes(BlobEnvelope.ChunkSize * 2 + 100 + i)), "A")));
        }
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private string BlobPath(string sha256) => Path.Combine(slice.Settings.BlobFolder, "sha256", sha256[..2], sha256);

    private async Task<byte[]> ReadStoredAsync(IngestedEvidence item) => await File.ReadAllBytesAsync(BlobPath(item.Sha256));

    private async Task WriteStoredAsync(IngestedEvidence item, byte[] bytes)
    {
        File.Delete(BlobPath(item.Sha256));
        await File.WriteAllBytesAsync(BlobPath(item.Sha256), bytes);
    }

    [Fact]
    public async Task Verify_NamesEachDamage_AndNeverReportsTheBlobAsReadable()
    {
        var record = BlobEnvelope.ChunkSize + 16;
        int Start(byte[] stored, IngestedEvidence item, int chunk) => stored.Length - BlobEnvelope.BindingSize - (int)(item.Size + 3 * 16) + chunk * record;

        var flipped = await ReadStoredAsync(items[0]);
        flipped[Start(flipped, items[0], 1) + 7] ^= 1;
        await WriteStoredAsync(items[0], flipped);

        var truncated = await ReadStoredAsync(items[1]);
        await WriteStoredAsync(items[1], truncated[..Start(truncated, items[1], 2)]);

        var swapped = await ReadStoredAsync(items[2]);
        var first = swapped[Start(swapped, items[2], 0)..Start(swapped, items[2], 1)];
        swapped[Start(swapped, items[2], 1)..Start(swapped, items[2], 2)].CopyTo(swapped, Start(swapped, items[2], 0));
        first.CopyTo(swapped, Start(swapped, items[2], 1));
        await WriteStoredAsync(items[2], swapped);

        // The same item sealed by another installation, its blob copied over this one's.
        await using (var other = await Slice.StartAsync())
        {
            var path = other.File("x.bin", await ReadContentAsync(items[3]));
            await other.SendAsync(new IngestEvidence(path, "A"));
            await WriteStoredAsync(items[3], await File.ReadAllBytesAsync(Path.Combine(other.Settings.BlobFolder, "sha256", items[3].Sha256[..2], items[3].Sha256)));
        }

        // An insider copies item 4's envelope over item 5's: it opens under this installation's key, but not for item 5's address.
        await WriteStoredAsync(items[5], await ReadStoredAsync(items[4]));

        // Item 6 as a home sealed before version 2 holds it: intact, but not sealed for its address.
        await WriteStoredAsync(items[6], EnvelopeVersion1.Seal(await ReadContentAsync(items[6]), slice.Services.GetRequiredService<IKeyEncryptionKey>()));

        var report = await slice.SendAsync(new VerifyCustody(null), Role.Auditor, "auditor");

        var found = report.Findings.Where(f => f.Kind == "blob").ToDictionary(f => f.Subject, f => f.Found);
        Assert.Equal(6, found.Count);
        Assert.Equal($"Blob {items[5].Sha256} holds an envelope sealed for another address ({items[4].Sha256}): another blob's envelope was copied over it.", found[items[5].Sha256]);
        Assert.Equal("a version 1 envelope, not sealed for its address: run `evidence encrypt-existing`", found[items[6].Sha256]);
        Assert.Equal($"Chunk 1 of blob {items[0].Sha256} does not authenticate: its stored bytes were altered.", found[items[0].Sha256]);
        Assert.Equal($"The stored bytes of blob {items[1].Sha256} end after chunk 1, which was not their last: the blob was truncated.", found[items[1].Sha256]);
        Assert.Equal($"Chunk 0 of blob {items[2].Sha256} holds chunk 1's bytes: the chunks were reordered.", found[items[2].Sha256]);
        Assert.Contains($"The data key of blob {items[3].Sha256} was wrapped by another key-encryption key", found[items[3].Sha256], StringComparison.Ordinal);
        Assert.DoesNotContain(items[4].Sha256, found.Keys);
    }

    private async Task<byte[]> ReadContentAsync(IngestedEvidence item)
    {
        await using var content = await slice.Blobs.OpenReadAsync(item.Sha256, CancellationToken.None);
        using var copy = new MemoryStream();
        await content.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>What every reader gets through the store (downloads, packages, verify): the original bytes, under their recorded hash.</summary>
    [Fact]
    public async Task Blobs_ReadBack_AreTheOriginalBytes()
    {
        foreach (var item in items)
        {
            Assert.Equal(item.Sha256, Convert.ToHexStringLower(SHA256.HashData(await ReadContentAsync(item))));
        }
        Assert.Equal(7, await slice.QueryAsync(db => db.EvidenceItems.CountAsync()));
    }
}
