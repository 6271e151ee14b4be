using System.Net;
using System.Text.Json;
using Evidence.Data;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Custody;

/// <summary>
/// The log as C2SP tlog-tiles, checked by an independent client (tests/tlog-check/tlog_check.py, written from the specs and
/// sharing no code with the server): served by the running web app, and written as a static mirror by `log tiles --out`.
/// </summary>
public sealed class TlogClientTests
{
    private static readonly string Checker = Path.Combine(Repo.Root, "tests", "tlog-check", "tlog_check.py");

    private static Task<(int Exit, string Out, string Err)> CheckAsync(params string[] args) => Run.ProcessAsync("python3", [Checker, .. args]);

    /// <summary>Records <paramref name="count"/> events in one commit through the server's own unit of work.</summary>
    private static async Task RecordAsync(IServiceProvider services, int count)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("tiles", Role.Investigator);
        var unitOfWork = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
        for (var i = 0; i < count; i++)
        {
            unitOfWork.Record("Viewed", Guid.NewGuid(), null, [new("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        }
        await unitOfWork.CommitAsync(default);
    }

    [Fact]
    public async Task WebApp_ServesTilesThatAnIndependentClientVerifies_AndGuardsEntries()
    {
        await using var scenario = await Evidence.Tests.Web.WebScenario.StartAsync();
        var server = scenario.Server;
        await RecordAsync(server.Services, 300);
        using var anonymous = server.Client();
        using var auditor = server.Client(scenario.Auditor);
        var key = JsonDocument.Parse(await auditor.GetStringAsync("/api/log/key")).RootElement.GetProperty("key").GetString()!;
        var log = new Uri(server.Address, "log").ToString();
        using var old = new TestHome();
        var oldCheckpoint = Path.Combine(old.Path, "checkpoint");

        using (var checkpoint = await anonymous.GetAsync("/log/checkpoint"))
        {
            Assert.Equal(HttpStatusCode.OK, checkpoint.StatusCode);
            Assert.Equal("text/plain", checkpoint.Content.Headers.ContentType!.MediaType);
            Assert.Equal("no-store", checkpoint.Headers.CacheControl!.ToString());
        }
        var size = await SizeAsync(server);
        Assert.True(size > 300);
        var (exit, output, error) = await CheckAsync(log, "--key", key, "--token", scenario.Auditor.Token, "--leaf", "0", "--leaf", "257", "--leaf", (size - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "--all", "--save-checkpoint", oldCheckpoint);
        Assert.True(exit == 0, output + error);
        Assert.Contains($"size {size}", output);

        // The log grows across a tile boundary; the client proves the new tree extends the one it saw.
        await RecordAsync(server.Services, 250);
        (exit, output, error) = await CheckAsync(log, "--key", key, "--token", scenario.Auditor.Token, "--leaf", "511", "--old-checkpoint", oldCheckpoint);
        Assert.True(exit == 0, output + error);
        Assert.Contains($"consistent with size {size}", output);

        // Hash tiles are public and, when full, cached for good; partial ones and bad paths are not.
        using (var full = await anonymous.GetAsync("/log/tile/0/000"))
        {
            Assert.Equal(HttpStatusCode.OK, full.StatusCode);
            Assert.Equal("application/octet-stream", full.Content.Headers.ContentType!.MediaType);
            Assert.Equal(8192, (await full.Content.ReadAsByteArrayAsync()).Length);
            Assert.Contains("immutable", full.Headers.CacheControl!.ToString());
            Assert.True(full.Headers.CacheControl.Public);
        }
        size = await SizeAsync(server);
        var width = (int)(size % 256);
        using (var partial = await anonymous.GetAsync($"/log/tile/0/{size / 256:000}.p/{width}"))
        {
            Assert.Equal(HttpStatusCode.OK, partial.StatusCode);
            Assert.Equal(32 * width, (await partial.Content.ReadAsByteArrayAsync()).Length);
            Assert.Equal("no-store", partial.Headers.CacheControl!.ToString());
        }
        foreach (var (path, status) in new[]
                 {
                     ($"/log/tile/0/{size / 256:000}.p/{width + 1}", HttpStatusCode.NotFound), // wider than the tree
                     ($"/log/tile/0/{size / 256:000}", HttpStatusCode.NotFound),               // not full yet
                     ("/log/tile/0/x001/000", HttpStatusCode.NotFound),                          // far beyond
                     ("/log/tile/5/000", HttpStatusCode.NotFound),
                     ("/log/tile/0/x000/001", HttpStatusCode.BadRequest),                        // not canonical
                     ("/log/tile/0/1", HttpStatusCode.BadRequest),
                     ("/log/tile/64/000", HttpStatusCode.BadRequest),
                     ("/log/tile/0/000.p/0", HttpStatusCode.BadRequest),
                     ("/log/tile/" + new string('x', 5000), HttpStatusCode.BadRequest),
                     ("/log/tile/entries/000", HttpStatusCode.Unauthorized),                     // leaves name actors
                 })
        {
            using var response = await anonymous.GetAsync(path);
            Assert.True(status == response.StatusCode, $"{path}: {(int)response.StatusCode}");
        }

        // Entry bundles: the auditor and the admin read them; other roles are refused, and each refusal is recorded.
        using (var bundle = await auditor.GetAsync("/log/tile/entries/000"))
        {
            Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
            Assert.Contains("private", bundle.Headers.CacheControl!.ToString());
        }
        using (var admin = server.Client(scenario.Admin))
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/log/tile/entries/001")).StatusCode);
        }
        foreach (var user in new[] { scenario.Investigator, scenario.IccProsecutor })
        {
            using var client = server.Client(user);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/log/tile/entries/000")).StatusCode);
        }
        await using var scope = server.Services.CreateAsyncScope();
        var denials = await scope.ServiceProvider.GetRequiredService<EvidenceDbContext>().CustodyEvents.AsNoTracking()
            .Where(e => e.Action == "AccessDenied").Select(e => new { e.Actor, e.Details }).ToListAsync();
        Assert.Equal(["olena", "icc-prosecutor"], denials.Select(d => d.Actor));
        Assert.All(denials, d => Assert.Contains("tile/entries/000", d.Details));
        // Without the token, the checker cannot read a bundle and says so.
        (exit, output, _) = await CheckAsync(log, "--key", key, "--leaf", "3");
        Assert.Equal(1, exit);
        Assert.Contains("HTTP 401", output);
    }

    [Fact]
    public async Task Mirror_WrittenByTheCli_VerifiesIndependently_AndATamperedOneDoesNot()
    {
        await using var slice = await Slice.StartAsync();
        await RecordAsync(slice.Services, 600);
        var home = slice.Settings.Home;
        var key = (await Run.CliAsync(home, "log", "key")).Out.Trim();
        using var folders = new TestHome();
        var mirror = Path.Combine(folders.Path, "mirror");

        var (exit, output, error) = await Run.CliAsync(home, "log", "tiles", "--out", mirror, "--json");
        Assert.True(exit == 0, error);
        var written = JsonDocument.Parse(output).RootElement;
        Assert.Equal(600, written.GetProperty("size").GetInt64());
        Assert.Equal(2 + 1 + 1, written.GetProperty("tiles").GetInt32()); // level 0: 000, 001, 002.p/88; level 1: 000.p/2
        Assert.Equal(3, written.GetProperty("bundles").GetInt32());
        Assert.True(File.Exists(Path.Combine(mirror, "tile", "0", "002.p", "88")));
        Assert.True(File.Exists(Path.Combine(mirror, "tile", "1", "000.p", "2")));
        Assert.True(File.Exists(Path.Combine(mirror, "tile", "entries", "002.p", "88")));
        var oldCheckpoint = Path.Combine(folders.Path, "seen");
        (exit, output, error) = await CheckAsync(mirror, "--key", key, "--all", "--leaf", "0", "--leaf", "599", "--save-checkpoint", oldCheckpoint);
        Assert.True(exit == 0, output + error);

        // Again after the log grew: the full tiles stay, new ones come, and the new tree extends the old.
        await RecordAsync(slice.Services, 100);
        (exit, output, error) = await Run.CliAsync(home, "log", "tiles", "--out", mirror, "--json");
        Assert.True(exit == 0, error);
        Assert.Equal(1, JsonDocument.Parse(output).RootElement.GetProperty("tiles").GetInt32()); // 0/002.p/188; 1/000.p/2 is already there
        (exit, output, error) = await CheckAsync(mirror, "--key", key, "--all", "--leaf", "650", "--old-checkpoint", oldCheckpoint);
        Assert.True(exit == 0, output + error);

        // A mirror is refused into a folder that is not one of this log's, and nothing is written there.
        var other = Path.Combine(folders.Path, "other");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "notes.txt"), "mine");
        (exit, _, error) = await Run.CliAsync(home, "log", "tiles", "--out", other);
        Assert.Equal(2, exit);
        Assert.Contains("not a mirror of this log", error);
        Assert.Single(Directory.EnumerateFileSystemEntries(other));
        await using (var stranger = await Slice.StartAsync())
        {
            await RecordAsync(stranger.Services, 3);
            (exit, _, error) = await Run.CliAsync(stranger.Settings.Home, "log", "tiles", "--out", mirror);
            Assert.Equal(2, exit);
            Assert.Contains("not a checkpoint signed by this log's key", error);
        }
        (exit, _, error) = await Run.CliAsync(home, "log", "tiles");
        Assert.Equal(2, exit);

        // Tampering: one bit of a hash tile, of an entry, or of the checkpoint, and the client refuses.
        foreach (var file in new[] { Path.Combine("tile", "0", "001"), Path.Combine("tile", "entries", "000"), "checkpoint" })
        {
            var path = Path.Combine(mirror, file);
            var original = File.ReadAllBytes(path);
            var tampered = original.ToArray();
            tampered[file == "checkpoint" ? 30 : 100] ^= 0x01;
            File.WriteAllBytes(path, tampered);
            (exit, output, _) = await CheckAsync(mirror, "--key", key, "--all", "--leaf", "300");
            Assert.True(exit == 1, $"{file}: {output}");
            Assert.StartsWith("FAIL", output);
            File.WriteAllBytes(path, original);
        }
        // The leaf's inclusion alone (no --all) still catches a tampered sibling hash on its path.
        var tile = Path.Combine(mirror, "tile", "0", "001");
        var bytes = File.ReadAllBytes(tile);
        bytes[32 * 45] ^= 0x80; // leaf 301, the sibling of leaf 300
        File.WriteAllBytes(tile, bytes);
        (exit, output, _) = await CheckAsync(mirror, "--key", key, "--leaf", "300");
        Assert.Equal(1, exit);
        Assert.Contains("inclusion proof of entry 300", output);
    }

    private static async Task<long> SizeAsync(WebServer server)
    {
        await using var scope = server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<EvidenceDbContext>().CustodyEvents.LongCountAsync();
    }
}
