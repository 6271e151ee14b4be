using System.Net;
using System.Text;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Referrals;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Custody;

/// <summary>C2SP tlog-cosignature witnesses: the `evidence witness` client against a real server, POST /log/cosign, and the checks of verify and verify-package.</summary>
public sealed class WitnessTests
{
    private const string WitnessName = "witness.example.org/w1";

    private static async Task RecordAsync(IServiceProvider services, int count)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("witnessed", Role.Investigator);
        var unitOfWork = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
        for (var i = 0; i < count; i++)
        {
            unitOfWork.Record("Viewed", Guid.NewGuid(), null, [new("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        }
        await unitOfWork.CommitAsync(default);
    }

    private static string LogKey(WebServer server) => server.Services.GetRequiredService<LedgerKeys>().Current.Verifier.VerifierKey;

    private static void Configure(string keyFolder, params CosignatureVerifier[] witnesses)
    {
        Directory.CreateDirectory(keyFolder);
        File.WriteAllText(Path.Combine(keyFolder, "witnesses.txt"), "# witnesses we accept cosignatures from\n" + string.Concat(witnesses.Select(w => w.VerifierKey + "\n")));
    }

    private static Task<(int Exit, string Out, string Err)> WitnessAsync(string folder, WebServer server, string logKey, string keyFile) =>
        Run.CliAsync(Path.Combine(folder, "unused-home"), "witness", "--log", new Uri(server.Address, "log").ToString(), "--key", logKey,
            "--witness-key", keyFile, "--name", WitnessName);

    [Fact]
    public async Task Witness_CosignsTwiceOverAGrowingLog_AndThePostRefusesWhatIsNotAConfiguredWitnessesCosignature()
    {
        await using var server = await WebServer.StartAsync();
        await RecordAsync(server.Services, 5);
        using var folder = new TestHome();
        var keyFile = Path.Combine(folder.Path, "witness", "w1.pem");

        // Not configured yet: the witness checks and cosigns, and the log refuses its cosignature.
        var (exit, output, error) = await WitnessAsync(folder.Path, server, LogKey(server), keyFile);
        Assert.Equal(2, exit);
        Assert.Contains("(403)", error);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        var witness = WitnessSigner.LoadOrCreate(keyFile, WitnessName);
        Configure(server.Settings.KeyFolder, witness.Verifier);

        (exit, output, error) = await WitnessAsync(folder.Path, server, LogKey(server), keyFile);
        Assert.True(exit == 0, output + error);
        Assert.Contains("cosigned evidence.local/ledger at size 5", output);
        using var anonymous = server.Client();
        var served = await anonymous.GetStringAsync("/log/checkpoint");
        var cosignature = Assert.Single(served.Split('\n'), l => l.StartsWith($"\u2014 {WitnessName} ", StringComparison.Ordinal));
        var body = served[..(served.IndexOf("\n\n", StringComparison.Ordinal) + 1)];
        Assert.NotNull(witness.Verifier.Verify(cosignature, body));
        // The independent client checks the cosignature from the spec text too, and fails for a witness that did not sign.
        var checker = Path.Combine(Repo.Root, "tests", "tlog-check", "tlog_check.py");
        var log = new Uri(server.Address, "log").ToString();
        (exit, output, _) = await Run.ProcessAsync("python3", checker, log, "--key", LogKey(server), "--witness", witness.Verifier.VerifierKey);
        Assert.True(exit == 0, output);
        Assert.Contains($"cosigned by {WitnessName}", output);
        var nobody = WitnessSigner.LoadOrCreate(Path.Combine(folder.Path, "nobody.pem"), WitnessName); // same name, another key
        (exit, output, _) = await Run.ProcessAsync("python3", checker, log, "--key", LogKey(server), "--witness", nobody.Verifier.VerifierKey);
        Assert.Equal(1, exit);
        Assert.Contains("no valid cosignature", output);

        // The log grows past a tile; the witness proves the new tree extends the one it cosigned, from public tiles only.
        await RecordAsync(server.Services, 300);
        (exit, output, error) = await WitnessAsync(folder.Path, server, LogKey(server), keyFile);
        Assert.True(exit == 0, output + error);
        Assert.Contains("at size 305, consistent with size 5", output);
        Assert.Contains("\"Size\":305", File.ReadAllText(keyFile + ".state.json"));

        // POST /log/cosign: a stranger's cosignature is forbidden; a configured witness's must verify, over a checkpoint this log signed.
        served = await anonymous.GetStringAsync("/log/checkpoint");
        var checkpoint = served[..served.IndexOf($"\u2014 {WitnessName} ", StringComparison.Ordinal)]; // the log's note, without w1's line
        body = checkpoint[..(checkpoint.IndexOf("\n\n", StringComparison.Ordinal) + 1)];
        var stranger = WitnessSigner.LoadOrCreate(Path.Combine(folder.Path, "stranger.pem"), "stranger.example/w");
        var good = witness.Cosign(body, DateTimeOffset.UtcNow);
        var forged = good[..^10] + (good[^10] == 'A' ? "B" : "A") + good[^9..];
        var otherLog = NoteSigner.LoadOrCreate(Path.Combine(folder.Path, "other-ledger.pem"), "evidence.local/ledger");
        var foreign = otherLog.Sign(body);
        foreach (var (note, status, says) in new[]
                 {
                     (checkpoint + stranger.Cosign(body, DateTimeOffset.UtcNow), HttpStatusCode.Forbidden, "configured witnesses only"),
                     (checkpoint + forged, HttpStatusCode.BadRequest, "does not verify"),
                     (checkpoint + witness.Cosign(body, DateTimeOffset.UtcNow.AddDays(1)), HttpStatusCode.BadRequest, "in the future"),
                     (checkpoint, HttpStatusCode.BadRequest, "no cosignature line"),
                     (foreign + witness.Cosign(body, DateTimeOffset.UtcNow), HttpStatusCode.BadRequest, "not a checkpoint signed by this log"),
                     ("", HttpStatusCode.BadRequest, "not a checkpoint signed by this log"),
                     (new string('\n', 70_000), HttpStatusCode.BadRequest, "not 65537 characters"),
                 })
        {
            using var response = await anonymous.PostAsync("/log/cosign", new StringContent(note, Encoding.UTF8, "text/plain"));
            var answer = await response.Content.ReadAsStringAsync();
            Assert.True(status == response.StatusCode, $"{says}: {(int)response.StatusCode} {answer}");
            Assert.Contains(says, answer);
        }
        // The same witness twice on one checkpoint: its first cosignature stays, nothing is added.
        using (var again = await anonymous.PostAsync("/log/cosign", new StringContent(checkpoint + good, Encoding.UTF8, "text/plain")))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Contains("\"added\":0", await again.Content.ReadAsStringAsync());
        }

        // `log cosign` on the server's home: a second configured witness's line, given by hand.
        var second = WitnessSigner.LoadOrCreate(Path.Combine(folder.Path, "w2.pem"), "witness.example.org/w2");
        Configure(server.Settings.KeyFolder, witness.Verifier, second.Verifier);
        var line = second.Cosign(body, DateTimeOffset.UtcNow).TrimEnd('\n');
        (exit, output, error) = await Run.CliAsync(server.Settings.Home, "log", "cosign", "--witness-key", second.Verifier.VerifierKey, "--signature", line.Split(' ')[2]);
        Assert.True(exit == 0, error);
        Assert.Contains("Stored the cosignature on the checkpoint of size 305", output);
        (exit, _, error) = await Run.CliAsync(server.Settings.Home, "log", "cosign", "--witness-key", stranger.Verifier.VerifierKey, "--signature", stranger.Cosign(body, DateTimeOffset.UtcNow).TrimEnd('\n'));
        Assert.Equal(2, exit);
        Assert.Contains("configured witnesses only", error);
        served = await anonymous.GetStringAsync("/log/checkpoint");
        Assert.Contains(line, served);
        Assert.Equal(2, served.Split('\n').Count(l => l.StartsWith("\u2014 witness.example.org/", StringComparison.Ordinal)));
        Assert.Equal(0, (await Run.CliAsync(server.Settings.Home, "verify")).Exit);
    }

    [Fact]
    public async Task Witness_RefusesAForkedLogUnderTheSameKey_AndSaysWhy()
    {
        using var folder = new TestHome();
        var keyFile = Path.Combine(folder.Path, "w1.pem");
        var witness = WitnessSigner.LoadOrCreate(keyFile, WitnessName);
        await using var honest = await WebServer.StartAsync();
        Configure(honest.Settings.KeyFolder, witness.Verifier);
        await RecordAsync(honest.Services, 5);
        var logKey = LogKey(honest);
        var (exit, output, error) = await WitnessAsync(folder.Path, honest, logKey, keyFile);
        Assert.True(exit == 0, output + error);

        // A second home holding the same ledger key, with another history: what an operator showing two views would run.
        var ledgerKey = Path.Combine(honest.Settings.KeyFolder, "ledger-ed25519.pem");
        await using var forked = await WebServer.StartAsync(settings =>
        {
            Directory.CreateDirectory(settings.KeyFolder);
            File.Copy(ledgerKey, Path.Combine(settings.KeyFolder, "ledger-ed25519.pem"));
            File.SetUnixFileMode(Path.Combine(settings.KeyFolder, "ledger-ed25519.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return settings;
        });
        Assert.Equal(logKey, LogKey(forked));
        Configure(forked.Settings.KeyFolder, witness.Verifier);
        await RecordAsync(forked.Services, 5);
        (exit, output, _) = await WitnessAsync(folder.Path, forked, logKey, keyFile);
        Assert.Equal(1, exit);
        Assert.Contains("refused: fork: the log shows a different root", output);

        await RecordAsync(forked.Services, 20);
        (exit, output, _) = await WitnessAsync(folder.Path, forked, logKey, keyFile);
        Assert.Equal(1, exit);
        Assert.Contains("refused: fork: the log's tree of 25 does not extend the tree of 5", output);
        Assert.Contains("\"Size\":5", File.ReadAllText(keyFile + ".state.json")); // a refusal moves nothing
        using (var anonymous = forked.Client())
        {
            Assert.DoesNotContain(WitnessName, await anonymous.GetStringAsync("/log/checkpoint"));
        }

        // A log that shrank, and one signed by another key, are refused too; the honest log, grown, is cosigned again.
        await using var empty = await WebServer.StartAsync(settings =>
        {
            Directory.CreateDirectory(settings.KeyFolder);
            File.Copy(ledgerKey, Path.Combine(settings.KeyFolder, "ledger-ed25519.pem"));
            File.SetUnixFileMode(Path.Combine(settings.KeyFolder, "ledger-ed25519.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return settings;
        });
        await RecordAsync(empty.Services, 2);
        (exit, output, _) = await WitnessAsync(folder.Path, empty, logKey, keyFile);
        Assert.Equal(1, exit);
        Assert.Contains("fewer than the 5 this witness cosigned", output);
        await using (var stranger = await WebServer.StartAsync())
        {
            await RecordAsync(stranger.Services, 7);
            (exit, output, _) = await WitnessAsync(folder.Path, stranger, logKey, keyFile);
            Assert.Equal(1, exit);
            Assert.Contains("no valid signature by the pinned log key", output);
        }
        await RecordAsync(honest.Services, 3);
        (exit, output, error) = await WitnessAsync(folder.Path, honest, logKey, keyFile);
        Assert.True(exit == 0, output + error);
        Assert.Contains("at size 8, consistent with size 5", output);
    }

    [Fact]
    public async Task VerifyAndVerifyPackage_FindATamperedCosignature()
    {
        await using var slice = await Slice.StartAsync();
        var @case = await ReferralCase.CreateAsync(slice);
        var witness = WitnessSigner.LoadOrCreate(Path.Combine(slice.Home, "w.pem"), WitnessName);
        Configure(slice.Settings.KeyFolder, witness.Verifier);
        var checkpoint = await slice.SendAsync(new GetLatestCheckpoint(), Role.Auditor);
        var body = checkpoint.Text[..(checkpoint.Text.IndexOf("\n\n", StringComparison.Ordinal) + 1)];
        var line = witness.Cosign(body, DateTimeOffset.UtcNow);
        var accepted = await slice.SendAsync(new AddCosignature(checkpoint.Text + line), Role.Auditor);
        Assert.Equal(1, accepted.Added);

        // The cosignature travels with a package of that checkpoint, and checks out there and at home.
        var package = (await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(slice.Home, "a.zip")), Role.Prosecutor)).Path;
        var key = await slice.SendAsync(new GetVerifierKey(), Role.Auditor);
        var report = PackageVerifier.Verify(package, key);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
        var entries = PackageZip.Read(package);
        var root = PackageZip.Root(package);
        Assert.Equal(line, Encoding.UTF8.GetString(entries[$"{root}/data/custody/cosignatures.txt"]));
        Assert.Equal(witness.Verifier.VerifierKey + "\n", Encoding.UTF8.GetString(entries[$"{root}/data/custody/witnesses.txt"]));
        Assert.True((await slice.SendAsync(new VerifyCustody(), Role.Auditor)).Clean);

        // In the package: a cosignature that does not verify is a finding of its own.
        var forged = line[..^12] + (line[^12] == 'A' ? "B" : "A") + line[^11..];
        var tampered = PackageZip.Rewrite(package, Path.Combine(slice.Home, "t.zip"),
            (name, bytes) => name.EndsWith("data/custody/cosignatures.txt", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(forged) : bytes);
        Assert.Contains(PackageVerifier.Verify(tampered, key).Findings, f => f.Kind == "cosignature" && f.Found.Contains("does not verify", StringComparison.Ordinal));

        // In the database: the trigger keeps cosignatures append-only; an administrator who drops it is still found by verify.
        await Assert.ThrowsAnyAsync<Exception>(() => slice.QueryAsync(db => db.Database.ExecuteSqlRawAsync(
            "UPDATE checkpoints SET \"Cosignatures\" = 'x' WHERE \"Cosignatures\" IS NOT NULL")));
        await slice.TamperAsync($"UPDATE checkpoints SET \"Cosignatures\" = '{forged}' WHERE \"Cosignatures\" IS NOT NULL;");
        var verified = await slice.SendAsync(new VerifyCustody(), Role.Auditor);
        Assert.Contains(verified.Findings, f => f.Kind == "cosignature" && f.Found.Contains("does not verify", StringComparison.Ordinal));
    }
}
