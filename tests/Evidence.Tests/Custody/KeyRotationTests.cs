using System.Net;
using System.Text;
using System.Text.Json;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Referrals;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Custody;

/// <summary>
/// `log rotate-key`: a KeyRotated event in a checkpoint signed by the old and the new key, the old private key destroyed, and
/// every verifier (verify, verify-package, the witness) following the chain of keys from the one it pinned; with the refusals
/// (concurrent rotations, the same key, a damaged ledger, a key folder without the new key) and the forgeries verify must name.
/// </summary>
public sealed class KeyRotationTests
{
    private static string KeyFile(Slice slice) => Path.Combine(slice.Settings.KeyFolder, LedgerKeys.FileName);

    private static Task<VerificationReport> VerifyAsync(Slice slice, string? key) => slice.SendAsync(new VerifyCustody(key), Role.Auditor, "auditor");

    private static Task<LedgerKeyRotated> RotateAsync(Slice slice) => slice.SendAsync(new RotateLedgerKey(), Role.Admin, "admin");

    private static Task<IngestedEvidence> IngestAsync(Slice slice, string text) =>
        slice.SendAsync(new IngestEvidence(slice.File($"{Guid.NewGuid():N}.txt", Encoding.UTF8.GetBytes(text)), "Investigator A"));

    private static Task<int> CountAsync(Slice slice, string action) => slice.QueryAsync(db => db.CustodyEvents.CountAsync(e => e.Action == action));

    /// <summary>The private key's material: the base64 line of its PEM, which must be in no file of the key folder once it is retired.</summary>
    private static string Material(byte[] pem) => Encoding.ASCII.GetString(pem).Split('\n')[1];

    /// <summary>The key folder holds <paramref name="current"/> as its ledger key, owner-only, no rotation's key waiting, and nothing of <paramref name="retired"/>.</summary>
    private static void AssertKeyFolder(Slice slice, string current, params byte[][] retired)
    {
        Assert.Equal(current, NoteSigner.Load(KeyFile(slice), slice.Settings.LedgerName).Verifier.VerifierKey);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile(slice)));
        Assert.Empty(Directory.GetFiles(slice.Settings.KeyFolder, "ledger-ed25519.next-*"));
        foreach (var file in Directory.GetFiles(slice.Settings.KeyFolder, "*", SearchOption.AllDirectories))
        {
            var text = Encoding.Latin1.GetString(File.ReadAllBytes(file));
            Assert.All(retired, pem => Assert.DoesNotContain(Material(pem), text, StringComparison.Ordinal));
        }
    }

    /// <summary>The signed note without the signature line of <paramref name="key"/> (the 4-byte key id that starts its base64 blob).</summary>
    private static string WithoutSignatureBy(string text, NoteVerifier key)
    {
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var lines = text[(split + 2)..].Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !Convert.FromBase64String(l.Split(' ')[2]).AsSpan(0, 4).SequenceEqual(key.KeyId));
        return text[..(split + 2)] + string.Concat(lines.Select(l => l + "\n"));
    }

    [Fact]
    public async Task RotateKey_TwiceByCliAndByRequest_VerifyAndAPackageBuiltAfterFollowTheChainFromTheFirstKey()
    {
        using var folder = new TestHome();
        using var tsa = new TestTimestampAuthority(folder.Path);
        await using var slice = await Slice.StartAsync(s => s with { TimestampAuthorityUrl = tsa.Url, TimestampAuthorityCertificate = tsa.CaCertificatePath });
        var home = slice.Settings.Home;
        var tsaEnvironment = new Dictionary<string, string> { ["EVIDENCE_TSA_URL"] = tsa.Url.ToString(), ["EVIDENCE_TSA_CERT"] = tsa.CaCertificatePath };
        var @case = await ReferralCase.CreateAsync(slice);
        var first = (await Run.CliAsync(home, "log", "key")).Out.Trim();
        var firstPem = File.ReadAllBytes(KeyFile(slice));

        // The command line rotates: the old key hands over in a checkpoint both keys sign, and a timestamp fixes when.
        var (exit, output, error) = await Run.CliWithEnvironmentAsync(home, tsaEnvironment, "log", "rotate-key", "--json");
        Assert.True(exit == 0, error);
        var rotated = JsonDocument.Parse(output).RootElement;
        Assert.Equal(["oldKey", "newKey", "oldFingerprint", "newFingerprint"], rotated.EnumerateObject().Select(p => p.Name));
        Assert.Equal(first, rotated.GetProperty("oldKey").GetString());
        var second = rotated.GetProperty("newKey").GetString()!;
        Assert.NotEqual(first, second);
        Assert.Equal(NoteVerifier.Parse(second).Fingerprint, rotated.GetProperty("newFingerprint").GetString());
        Assert.Equal(second, (await Run.CliAsync(home, "log", "key")).Out.Trim());
        var rotation = JsonDocument.Parse((await Run.CliAsync(home, "log", "checkpoint", "--json")).Out).RootElement;
        var rotationText = rotation.GetProperty("text").GetString()!;
        Assert.True(NoteVerifier.Parse(first).Verify(rotationText, out _));
        Assert.True(NoteVerifier.Parse(second).Verify(rotationText, out _));
        Assert.Equal(2, NoteVerifier.Signers(rotationText).Count);
        Assert.True(TimestampToken.Check(Convert.FromBase64String(rotation.GetProperty("timestampToken").GetString()!), Encoding.UTF8.GetBytes(rotationText),
            tsa.CaCertificate).Valid);
        AssertKeyFolder(slice, second, firstPem);
        var leaf = (await Run.CliAsync(home, "log", "events")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Contains($"\"action\":\"KeyRotated\"", leaf);
        Assert.Contains($"\"newKey\":\"{second}\",\"oldKey\":\"{first}\"", leaf);

        // The slice did not rotate (another process, as the web app would be): its next append is signed by the new key alone.
        await IngestAsync(slice, "a statement taken after the rotation");
        var latest = await slice.SendAsync(new GetLatestCheckpoint(), Role.Auditor);
        Assert.True(NoteVerifier.Parse(second).Verify(latest.Text, out _));
        Assert.False(NoteVerifier.Parse(first).Verify(latest.Text, out _));

        // A second rotation, as a request: a chain of three keys.
        var secondPem = File.ReadAllBytes(KeyFile(slice));
        var again = await RotateAsync(slice);
        Assert.Equal(second, again.OldKey);
        var third = again.NewKey;
        AssertKeyFolder(slice, third, firstPem, secondPem);
        await IngestAsync(slice, "a statement taken after the second rotation");

        // verify follows the chain from any key of it, and with none pinned; every checkpoint and token checked.
        foreach (var pinned in new[] { first, second, third })
        {
            (exit, output, _) = await Run.CliWithEnvironmentAsync(home, tsaEnvironment, "verify", "--key", pinned);
            Assert.True(exit == 0, $"pinned {pinned}: {output}");
        }
        var checkpoints = await slice.QueryAsync(db => db.Checkpoints.CountAsync());
        (exit, output, _) = await Run.CliWithEnvironmentAsync(home, tsaEnvironment, "verify", "--json");
        Assert.True(exit == 0, output);
        Assert.Equal(checkpoints, JsonDocument.Parse(output).RootElement.GetProperty("timestamps").GetInt32());
        // A key that is no key of this ledger: every checkpoint unsigned by it, each naming the key that did sign.
        var stranger = NoteSigner.Generate(slice.Settings.LedgerName).Verifier.VerifierKey;
        var report = await VerifyAsync(slice, stranger);
        Assert.Contains(report.Findings, f => f.Kind == "key" && f.Found.Contains("not the key trusted at that point", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Kind == "checkpoint" && f.Found.Contains(NoteVerifier.Parse(third).Signer, StringComparison.Ordinal));

        // A package built now carries both rotations and verifies with only the first key, as with either later one.
        var zip = (await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(folder.Path, "after-rotations.zip")), Role.Prosecutor)).Path;
        var entries = PackageZip.Read(zip);
        var root = PackageZip.Root(zip);
        Assert.Equal(third + "\n", Encoding.UTF8.GetString(entries[$"{root}/data/custody/ledger-key.txt"]));
        var carried = KeyRotationProof.Parse(Encoding.UTF8.GetString(entries[$"{root}/data/custody/key-rotations.jsonl"]));
        Assert.Equal(2, carried.Count);
        Assert.All(carried, c => Assert.NotNull(c.Consistency));
        foreach (var pinned in new[] { first, second, third })
        {
            (exit, output, _) = await Run.CliAsync(home, "verify-package", zip, "--key", pinned, "--json");
            Assert.True(exit == 0, $"pinned {pinned}: {output}");
            var verified = JsonDocument.Parse(output).RootElement;
            Assert.Equal(third, verified.GetProperty("key").GetString());
            Assert.Equal([first, second, third], verified.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        }
        (exit, output, _) = await Run.CliAsync(home, "verify-package", zip);
        Assert.Equal(1, exit);
        Assert.Contains("reached through 2 key rotations from " + first, output, StringComparison.Ordinal);
        (exit, output, _) = await Run.CliAsync(home, "verify-package", zip, "--key", stranger);
        Assert.Equal(1, exit);
        Assert.Contains("the key trusted before it", output, StringComparison.Ordinal);
        var bag = Path.Combine(folder.Path, "unzipped");
        var (bagExit, bagOut, bagErr) = await StandardTools.UnzipAndBagCheckAsync(zip, bag);
        Assert.True(bagExit == 0, bagOut + bagErr);
    }

    [Fact]
    public async Task RotateKey_ThreeAtOnce_EachRecordedOrRefusedWhole_AndTheChainHolds()
    {
        await using var slice = await Slice.StartAsync();
        await IngestAsync(slice, "one");
        var first = (await slice.SendAsync(new GetVerifierKey(), Role.Auditor)).Trim();

        var inProcess = Enumerable.Range(0, 2).Select(async _ =>
        {
            try
            {
                return (Rotated: true, Message: (await RotateAsync(slice)).NewKey);
            }
            catch (InvalidRequestException e)
            {
                return (Rotated: false, e.Message);
            }
        }).ToList();
        var byCli = Run.CliAsync(slice.Settings.Home, "log", "rotate-key");
        var outcomes = (await Task.WhenAll(inProcess)).ToList();
        var (exit, output, error) = await byCli;
        outcomes.Add(exit == 0 ? (true, output) : (false, error));

        // Each was recorded whole or refused whole: as many KeyRotated events as successes, and the refusals say why.
        Assert.Contains(outcomes, o => o.Rotated);
        Assert.Equal(outcomes.Count(o => o.Rotated), await CountAsync(slice, KeyRotation.Action));
        Assert.All(outcomes.Where(o => !o.Rotated), o => Assert.Matches("no longer|same commit", o.Message));
        Assert.True(exit is 0 or 2, error);
        // No refused rotation left its key behind, and the chain verifies from the first key.
        Assert.Empty(Directory.GetFiles(slice.Settings.KeyFolder, "ledger-ed25519.next-*"));
        var report = await VerifyAsync(slice, first);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
    }

    [Fact]
    public async Task RotateKey_OvertakenByAnotherRotation_OrToTheSameKey_IsRefusedUnderTheLockAndLeavesNothing()
    {
        await using var slice = await Slice.StartAsync();
        await IngestAsync(slice, "one");
        var keys = slice.Services.GetRequiredService<LedgerKeys>();
        var first = keys.Current;

        // A rotation prepared from the first key, then overtaken by one the command line records first.
        await using (var scope = slice.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("admin", Role.Admin);
            var unitOfWork = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            var next = keys.CreateNext();
            unitOfWork.RotateKeyOnCommit(first.Verifier, next, () => keys.DiscardNext(next.Verifier));
            unitOfWork.Record(KeyRotation.Action, null, null, KeyRotation.Details(first.Verifier, next.Verifier));
            Assert.Single(Directory.GetFiles(slice.Settings.KeyFolder, "ledger-ed25519.next-*"));
            var (exit, output, error) = await Run.CliAsync(slice.Settings.Home, "log", "rotate-key", "--json");
            Assert.True(exit == 0, error);
            var winner = JsonDocument.Parse(output).RootElement.GetProperty("newKey").GetString()!;

            var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => unitOfWork.CommitAsync(default));
            Assert.Equal($"The ledger key is no longer {first.Verifier.VerifierKey}: another rotation replaced it with {winner} first; nothing was recorded.", refused.Message);
            Assert.Empty(Directory.GetFiles(slice.Settings.KeyFolder, "ledger-ed25519.next-*"));
            Assert.Equal(1, await CountAsync(slice, KeyRotation.Action));
        }

        // The same key again: a rotation must bring a key never used.
        await using (var scope = slice.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("admin", Role.Admin);
            var unitOfWork = scope.ServiceProvider.GetRequiredService<UnitOfWork>();
            var current = await scope.ServiceProvider.GetRequiredService<Ledger>().SigningKeyAsync(default);
            unitOfWork.RotateKeyOnCommit(current.Verifier, current, () => { });
            unitOfWork.Record(KeyRotation.Action, null, null, KeyRotation.Details(current.Verifier, current.Verifier));
            var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => unitOfWork.CommitAsync(default));
            Assert.Contains("must bring a new key", refused.Message);
            Assert.Equal(1, await CountAsync(slice, KeyRotation.Action));
            Assert.Equal(current.Verifier.VerifierKey, NoteSigner.Load(KeyFile(slice), slice.Settings.LedgerName).Verifier.VerifierKey);
        }
        Assert.True((await VerifyAsync(slice, first.Verifier.VerifierKey)).Clean);
    }

    [Fact]
    public void KeyRotationRule_RefusesTheSameKey_ARetiredKeyBack_AWrongOldKey_AndACheckpointMissingEitherSignature()
    {
        var k0 = NoteSigner.Generate("test/ledger");
        var k1 = NoteSigner.Generate("test/ledger");
        var k2 = NoteSigner.Generate("test/ledger");
        var body = new Checkpoint("test/ledger", 3, new byte[32]).Body;
        var both = k0.Sign(body) + k1.SignatureLine(body);

        Assert.Null(new KeyRotation(2, k0.Verifier, k1.Verifier).Problem([k0.Verifier], both));
        Assert.Contains("already used", new KeyRotation(2, k0.Verifier, k0.Verifier).Problem([k0.Verifier], k0.Sign(body)));
        // The same key under another name is the same key.
        Assert.Contains("already used", new KeyRotation(2, k0.Verifier, new NoteVerifier("other/name", k0.Verifier.PublicKey)).Problem([k0.Verifier], both));
        Assert.Contains("already used", new KeyRotation(2, k1.Verifier, k0.Verifier).Problem([k0.Verifier, k1.Verifier], both));
        Assert.Contains("not the key trusted", new KeyRotation(2, k1.Verifier, k2.Verifier).Problem([k0.Verifier], both));
        Assert.Contains("no valid signature by the old key", new KeyRotation(2, k0.Verifier, k1.Verifier).Problem([k0.Verifier], k1.Sign(body)));
        Assert.Contains("no valid signature by the new key", new KeyRotation(2, k0.Verifier, k1.Verifier).Problem([k0.Verifier], k0.Sign(body)));
        Assert.Contains("no valid signature by the new key", new KeyRotation(2, k0.Verifier, k1.Verifier).Problem([k0.Verifier], k0.Sign(body) + k2.SignatureLine(body)));
    }

    [Fact]
    public async Task RotateKey_ByAnInvestigator_OrOnADamagedLedger_IsRefusedAndLeavesNoKey()
    {
        await using var slice = await Slice.StartAsync();
        await IngestAsync(slice, "one");
        await IngestAsync(slice, "two");
        var pem = File.ReadAllBytes(KeyFile(slice));

        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new RotateLedgerKey()));
        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new RotateLedgerKey(), Role.Auditor));
        var (exit, _, error) = await Run.CliAsync(slice.Settings.Home, "log", "rotate-key", "--role", "investigator");
        Assert.Equal(2, exit);
        Assert.Contains("Admin", error);

        // The latest checkpoint deleted behind the application's back: nothing is signed over it, not even a rotation.
        await slice.TamperAsync("DELETE FROM checkpoints WHERE \"Id\" = (SELECT MAX(\"Id\") FROM checkpoints);");
        var damaged = await Assert.ThrowsAsync<UnavailableException>(() => RotateAsync(slice));
        Assert.Contains("damaged", damaged.Message);

        Assert.Equal(0, await CountAsync(slice, KeyRotation.Action));
        Assert.Equal(pem, File.ReadAllBytes(KeyFile(slice)));
        Assert.Empty(Directory.GetFiles(slice.Settings.KeyFolder, "ledger-ed25519.next-*"));
    }

    [Fact]
    public async Task RotationRecorded_NewKeyNotInPlace_AnotherProcessRefusesWithoutIt_AndPutsItInPlaceWhenItIsThere()
    {
        await using var slice = await Slice.StartAsync();
        await IngestAsync(slice, "one");
        var oldPem = File.ReadAllBytes(KeyFile(slice));
        var first = NoteSigner.Load(KeyFile(slice), slice.Settings.LedgerName).Verifier;
        var rotated = await RotateAsync(slice);
        var newPem = File.ReadAllBytes(KeyFile(slice));
        var second = NoteVerifier.Parse(rotated.NewKey);
        var pending = Path.Combine(slice.Settings.KeyFolder, $"ledger-ed25519.next-{Convert.ToHexStringLower(second.KeyId)}.pem");

        // A server that never had the new key (another app server with its own key folder): refused, nothing recorded.
        File.WriteAllBytes(KeyFile(slice), oldPem);
        var events = await slice.CountCustodyEventsAsync();
        var input = slice.File("late.txt", "a late statement"u8.ToArray());
        var (exit, _, error) = await Run.CliAsync(slice.Settings.Home, "ingest", input, "--collector", "A");
        Assert.Equal(2, exit);
        Assert.Contains($"The ledger key was rotated to {second.VerifierKey}, which this installation's key folder does not hold", error);
        Assert.Equal(events, await slice.CountCustodyEventsAsync());

        // What a crash between the commit and the rename leaves: the old key in place, the new one under its pending name.
        // The next append, in another process, puts the new key in place and destroys the old one before it signs.
        using (var file = Evidence.Storage.OwnerOnly.CreateNew(pending))
        {
            file.Write(newPem);
        }
        (exit, _, error) = await Run.CliAsync(slice.Settings.Home, "ingest", input, "--collector", "A");
        Assert.True(exit == 0, error);
        AssertKeyFolder(slice, second.VerifierKey, oldPem);
        var latest = await slice.SendAsync(new GetLatestCheckpoint(), Role.Auditor);
        Assert.True(second.Verify(latest.Text, out _));
        Assert.False(first.Verify(latest.Text, out _));
        var report = await VerifyAsync(slice, first.VerifierKey);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
    }

    [Fact]
    public async Task Verify_CheckpointSignedOnlyByAKeyNoRotationIntroduced_NamesThatKey_AndNothingIsSignedOverIt()
    {
        await using var slice = await Slice.StartAsync();
        await IngestAsync(slice, "one");
        var first = (await slice.SendAsync(new GetVerifierKey(), Role.Auditor)).Trim();
        await RotateAsync(slice);
        await IngestAsync(slice, "two");

        // An insider makes a key of their own and re-signs the latest checkpoint with it alone.
        var insider = NoteSigner.Generate(slice.Settings.LedgerName);
        var latest = await slice.QueryAsync(db => db.Checkpoints.OrderByDescending(c => c.Id).FirstAsync());
        var body = latest.Text[..(latest.Text.IndexOf("\n\n", StringComparison.Ordinal) + 1)];
        await slice.TamperAsync($"UPDATE checkpoints SET \"Text\" = '{insider.Sign(body)}' WHERE \"Id\" = {latest.Id};");

        var report = await VerifyAsync(slice, first);
        var finding = Assert.Single(report.Findings, f => f.Kind == "checkpoint");
        Assert.Contains($"checkpoint {latest.Id}", finding.Subject, StringComparison.Ordinal);
        Assert.Contains(insider.Verifier.Signer, finding.Found, StringComparison.Ordinal);
        Assert.Contains("a key no KeyRotated event in a checkpoint signed by a trusted key introduced", finding.Found, StringComparison.Ordinal);
        // The home will not sign anything over it.
        var events = await slice.CountCustodyEventsAsync();
        await Assert.ThrowsAsync<UnavailableException>(() => IngestAsync(slice, "three"));
        Assert.Equal(events, await slice.CountCustodyEventsAsync());

        // The insider also puts their key in the key folder: the home signs on with it, and every such checkpoint is named.
        File.WriteAllBytes(KeyFile(slice), insider.Pem());
        await IngestAsync(slice, "four");
        report = await VerifyAsync(slice, first);
        Assert.Equal(2, report.Findings.Count(f => f.Kind == "checkpoint" && f.Found.Contains(insider.Verifier.Signer, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RotationWhoseCheckpointLacksTheOldKeysSignature_IsRefusedByVerify_ByPackaging_AndByVerifyPackage()
    {
        await using var slice = await Slice.StartAsync();
        var @case = await ReferralCase.CreateAsync(slice);
        var first = NoteVerifier.Parse((await slice.SendAsync(new GetVerifierKey(), Role.Auditor)).Trim());
        var second = NoteVerifier.Parse((await RotateAsync(slice)).NewKey);
        await IngestAsync(slice, "after");
        var good = (await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(slice.Home, "good.zip")), Role.Prosecutor)).Path;
        Assert.True(PackageVerifier.Verify(good, first.VerifierKey).Clean);

        // The rotation's checkpoint with the old key's signature removed: as if a key nobody handed over to had signed it alone.
        var index = await slice.QueryAsync(db => db.CustodyEvents.Where(e => e.Action == KeyRotation.Action).Select(e => e.Sequence).SingleAsync());
        var rotation = await slice.QueryAsync(db => db.Checkpoints.Where(c => c.Size > index).OrderBy(c => c.Size).FirstAsync());
        var newOnly = WithoutSignatureBy(rotation.Text, first);
        Assert.True(second.Verify(newOnly, out _));
        Assert.False(first.Verify(newOnly, out _));
        await slice.TamperAsync($"UPDATE checkpoints SET \"Text\" = '{newOnly}' WHERE \"Id\" = {rotation.Id};");

        var report = await VerifyAsync(slice, first.VerifierKey);
        var refused = Assert.Single(report.Findings, f => f.Kind == "key");
        Assert.Equal($"#{index}", refused.Subject);
        Assert.Contains($"no valid signature by the old key {first.VerifierKey}", refused.Found, StringComparison.Ordinal);
        Assert.Contains(report.Findings, f => f.Kind == "checkpoint" && f.Subject.Contains($"checkpoint {rotation.Id}", StringComparison.Ordinal)
                                              && f.Found.Contains(second.Signer, StringComparison.Ordinal));

        // No package carries a rotation a verifier could not follow: refused, nothing exported or recorded.
        var built = await CountAsync(slice, "PackageBuilt");
        var path = Path.Combine(slice.Home, "refused.zip");
        var notBuilt = await Assert.ThrowsAsync<UnavailableException>(() =>
            slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, path), Role.Prosecutor));
        Assert.Contains($"key rotation at event #{index} is not one a verifier can follow", notBuilt.Message);
        Assert.False(File.Exists(path));
        Assert.Equal(built, await CountAsync(slice, "PackageBuilt"));

        // A package whose rotation line was given that checkpoint: verify-package refuses the rotation, and what it introduced.
        var rotations = KeyRotationProof.Parse(Encoding.UTF8.GetString(PackageZip.Read(good)[$"{PackageZip.Root(good)}/data/custody/key-rotations.jsonl"]));
        var forged = KeyRotationProof.Lines([rotations[0] with { Checkpoint = newOnly }]);
        var hostile = PackageZip.Rewrite(good, Path.Combine(slice.Home, "hostile.zip"),
            (name, bytes) => name.EndsWith("data/custody/key-rotations.jsonl", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(forged) : bytes);
        var hostileReport = PackageVerifier.Verify(hostile, first.VerifierKey);
        Assert.Contains(hostileReport.Findings, f => f.Kind == "key" && f.Subject == "data/custody/key-rotations.jsonl"
                                                     && f.Found.Contains("the key trusted before it", StringComparison.Ordinal));
        Assert.Contains(hostileReport.Findings, f => f.Kind == "checkpoint" && f.Subject == "data/custody/checkpoint.txt");
        // Without its rotations, a package signed by the new key does not verify with the first key alone.
        var stripped = PackageZip.Rewrite(good, Path.Combine(slice.Home, "stripped.zip"),
            (name, bytes) => name.EndsWith("data/custody/key-rotations.jsonl", StringComparison.Ordinal) ? null : bytes);
        Assert.Contains(PackageVerifier.Verify(stripped, first.VerifierKey).Findings,
            f => f.Kind == "key" && f.Subject == "data/custody/ledger-key.txt" && f.Found.Contains(second.VerifierKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Witness_PinnedToTheFirstKey_FollowsARotationDoneByTheCommandLine_AndTheMirrorKeepsWorking()
    {
        await using var server = await WebServer.StartAsync();
        using var folder = new TestHome();
        var keyFile = Path.Combine(folder.Path, "w1.pem");
        var witness = WitnessSigner.LoadOrCreate(keyFile, "witness.example.org/w1");
        File.WriteAllText(Path.Combine(server.Settings.KeyFolder, "witnesses.txt"), witness.Verifier.VerifierKey + "\n");
        await RecordAsync(server.Services, 5);
        var home = server.Settings.Home;
        var first = (await Run.CliAsync(home, "log", "key")).Out.Trim();
        var log = new Uri(server.Address, "log").ToString();
        var mirror = Path.Combine(folder.Path, "mirror");
        Assert.Equal(0, (await Run.CliAsync(home, "log", "tiles", "--out", mirror)).Exit);
        var (exit, output, error) = await Run.CliAsync(Path.Combine(folder.Path, "unused"), "witness", "--log", log, "--key", first, "--witness-key", keyFile, "--name", "witness.example.org/w1");
        Assert.True(exit == 0, output + error);
        using var anonymous = server.Client();
        using (var none = await anonymous.GetAsync("/log/key-rotations"))
        {
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        }

        // The command line rotates while the server runs; the server signs on with the new key.
        (exit, output, error) = await Run.CliAsync(home, "log", "rotate-key", "--json");
        Assert.True(exit == 0, error);
        var second = JsonDocument.Parse(output).RootElement.GetProperty("newKey").GetString()!;
        await RecordAsync(server.Services, 3);
        var served = await anonymous.GetStringAsync("/log/checkpoint");
        Assert.True(NoteVerifier.Parse(second).Verify(served, out _));
        Assert.False(NoteVerifier.Parse(first).Verify(served, out _));
        var published = KeyRotationProof.Parse(await anonymous.GetStringAsync("/log/key-rotations"));
        Assert.Null(Assert.Single(published).Consistency);

        // The witness pinned the first key: it follows the rotation, proves it from the public tiles, and cosigns.
        (exit, output, error) = await Run.CliAsync(Path.Combine(folder.Path, "unused"), "witness", "--log", log, "--key", first, "--witness-key", keyFile, "--name", "witness.example.org/w1");
        Assert.True(exit == 0, output + error);
        Assert.Contains("at size 9, consistent with size 5", output);
        served = await anonymous.GetStringAsync("/log/checkpoint");
        Assert.Contains("\u2014 witness.example.org/w1 ", served);
        (exit, output, _) = await Run.CliAsync(home, "verify", "--key", first);
        Assert.True(exit == 0, output);

        // A witness pinned to a key the log never had still refuses, whatever rotations the log publishes.
        var stranger = NoteSigner.Generate(server.Settings.LedgerName).Verifier.VerifierKey;
        (exit, output, _) = await Run.CliAsync(Path.Combine(folder.Path, "unused"), "witness", "--log", log, "--key", stranger,
            "--witness-key", Path.Combine(folder.Path, "w2.pem"));
        Assert.Equal(1, exit);
        Assert.Contains("no valid signature by the pinned log key", output);

        // The mirror written before the rotation is still this log's: it is brought up to date, with the rotations beside it.
        (exit, _, error) = await Run.CliAsync(home, "log", "tiles", "--out", mirror);
        Assert.True(exit == 0, error);
        Assert.Single(KeyRotationProof.Parse(File.ReadAllText(Path.Combine(mirror, "key-rotations"))));
        Assert.True(NoteVerifier.Parse(second).Verify(File.ReadAllText(Path.Combine(mirror, "checkpoint")), out _));
    }

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
}
