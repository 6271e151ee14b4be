using System.Net.Http.Json;
using System.Text.Json;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Web;

namespace Evidence.Tests.Storage;

/// <summary>
/// Everything in a home is the service account's alone (docs/deploy.md "Keys"): folders 0700, files 0600 or 0400,
/// from the moment each is created; packages written elsewhere with --out are 0600 too. Checked on the real files.
/// </summary>
public sealed class OwnerOnlyTests : IDisposable
{
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                                              UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
    private readonly TestHome home = new();

    private string Home => Path.Combine(home.Path, "home");

    public void Dispose() => home.Dispose();

    [Fact]
    public async Task NewHome_IngestTagAndPackage_EveryFolderAndFileIsOwnerOnly()
    {
        var zip = Path.Combine(home.Path, "out", "icc.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(zip)!);

        await BuildPackageAsync(zip);

        var open = OpenToOthers(Home).ToList();
        Assert.True(open.Count == 0, "open to others: " + string.Join(", ", open));
        Assert.Equal(OwnerOnly(folder: true), File.GetUnixFileMode(Path.Combine(Home, "keys")));
        Assert.Equal(OwnerOnly(folder: false), File.GetUnixFileMode(Path.Combine(Home, "keys", "ledger-ed25519.pem")));
        Assert.Equal(OwnerOnly(folder: false), File.GetUnixFileMode(zip));
        if (!TestDatabase.OnPostgres)
        {
            Assert.Equal(OwnerOnly(folder: false), File.GetUnixFileMode(Path.Combine(Home, "evidence.db")));
        }
    }

    [Fact]
    public async Task WebApp_PackagesUploadsAndOpenDatabase_AreOwnerOnly()
    {
        await using var scenario = await WebScenario.StartAsync();
        // A reader held open, as a second process would: SQLite keeps its -wal and -shm files while any connection is open.
        await using var reader = TestDatabase.OnPostgres ? null : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={scenario.Server.Settings.DatabasePath};Pooling=False");
        if (reader is not null)
        {
            await reader.OpenAsync();
            await using var query = reader.CreateCommand();
            query.CommandText = "SELECT count(*) FROM custody_events";
            await query.ExecuteScalarAsync();
        }
        using var client = scenario.Server.Client(scenario.Investigator);
        var upload = await (await client.PostAsJsonAsync("/api/uploads", new { fileName = "video.mp4", size = 10, collector = "Olena" })).Content.ReadFromJsonAsync<JsonElement>();
        (await client.PutAsync($"/api/uploads/{upload.GetProperty("id").GetGuid()}/chunks/0", new ByteArrayContent(new byte[10]))).EnsureSuccessStatusCode();
        var evidenceHome = scenario.Server.Settings.Home;

        // While the server runs: its package, the upload's chunk and manifest, and SQLite's -wal and -shm files.
        var open = OpenToOthers(evidenceHome);

        Assert.Empty(open);
        Assert.NotEmpty(Directory.GetFiles(scenario.Server.Settings.PackageFolder, "*.zip"));
        Assert.NotEmpty(Directory.GetFiles(scenario.Server.Settings.UploadFolder, "*.part", SearchOption.AllDirectories));
        if (!TestDatabase.OnPostgres)
        {
            Assert.True(File.Exists(scenario.Server.Settings.DatabasePath + "-wal"));
            Assert.True(File.Exists(scenario.Server.Settings.DatabasePath + "-shm"));
        }
    }

    [Fact]
    public async Task ExistingHome_PartsMadeWithTheUmask_AreTightenedAtStartUp()
    {
        await BuildPackageAsync(Path.Combine(home.Path, "icc.zip"));
        // What an older version left: everything 0755 / 0644.
        foreach (var entry in Directory.EnumerateFileSystemEntries(Home, "*", SearchOption.AllDirectories).Append(Home))
        {
            File.SetUnixFileMode(entry, Directory.Exists(entry) ? (UnixFileMode)0b111_101_101 : (UnixFileMode)0b110_100_100);
        }

        var (exit, _, stderr) = await Run.CliAsync(Home, "log", "key");

        Assert.True(exit == 0, stderr);
        // The home itself may be a folder the operator chose and shares; blob files sit inside the blob folder.
        string[] parts = ["keys", "keys/ledger-ed25519.pem", "keys/identities-aes256.key", "keys/organisation-key.pem", "keys/organisation-ca-key.pem",
            "blobs", "packages", .. TestDatabase.OnPostgres ? Array.Empty<string>() : ["evidence.db"]];
        var open = parts.Where(p => (File.GetUnixFileMode(Path.Combine(Home, p)) & GroupOrOther) != 0).ToList();
        Assert.Empty(open);
    }

    private async Task BuildPackageAsync(string zip)
    {
        async Task<JsonElement> Json(params string[] args)
        {
            var (exit, stdout, stderr) = await Run.CliAsync(Home, [.. args, "--json"]);
            Assert.True(exit == 0, $"{string.Join(" ", args)}: exit {exit}: {stderr}");
            return JsonDocument.Parse(stdout).RootElement;
        }
        var incident = (await Json("incident", "add", "--title", "Transfer", "--kind", "deportation", "--from", "2022-10", "--place", "Kherson",
            "--article", "8(2)(a)(vii)-1")).GetProperty("id").GetString()!;
        var evidence = (await Json("ingest", home.File("order.txt", "Order on the evacuation of pupils"u8.ToArray()), "--collector", "A"))[0].GetProperty("id").GetString()!;
        await Json("tag", evidence, "--incident", incident, "--element", "8(2)(a)(vii)-1:1");
        await Json("package", "--incident", incident, "--recipient", "icc", "--out", zip, "--role", "prosecutor");
    }

    /// <summary>The home and everything in it that a group or other account could open, with its mode.</summary>
    private static List<string> OpenToOthers(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Append(root)
            .Where(p => (File.GetUnixFileMode(p) & GroupOrOther) != 0)
            .Select(p => $"{p} ({Convert.ToString((int)File.GetUnixFileMode(p), 8)})")
            .ToList();

    private static UnixFileMode OwnerOnly(bool folder) => folder
        ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        : UnixFileMode.UserRead | UnixFileMode.UserWrite;
}
