using System.Text.Json;
using System.Text;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Ingest;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Custody;

/// <summary>The ledger as an outsider checks it: proofs with an independent implementation, signatures with openssl.</summary>
public sealed class LedgerTests : IDisposable
{
    private readonly TestHome home = new();

    private string EvidenceHome => Path.Combine(home.Path, "home");

    private Task<(int Exit, string Out, string Err)> CliAsync(params string[] args) => Run.CliAsync(EvidenceHome, args);

    private async Task IngestSeveralAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var (exit, _, err) = await CliAsync("ingest", home.File($"in/{i}.txt", Encoding.UTF8.GetBytes($"statement {i}")), "--collector", "A");
            Assert.True(exit == 0, err);
        }
    }

    [Fact]
    public async Task LogProofs_PrintedByTheCli_VerifyWithAnIndependentImplementation()
    {
        await IngestSeveralAsync(11);
        var checkpoint = JsonDocument.Parse((await CliAsync("log", "checkpoint", "--json")).Out).RootElement;
        Assert.Equal(11, checkpoint.GetProperty("size").GetInt64());

        for (var index = 0; index < 11; index++)
        {
            var (exit, json, _) = await CliAsync("log", "inclusion", "--index", index.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
            Assert.Equal(0, exit);
            Assert.Equal(checkpoint.GetProperty("root").GetString(), JsonDocument.Parse(json).RootElement.GetProperty("root").GetString());
            Assert.Equal("ok", await IndependentAsync("inclusion", json));
        }
        foreach (var (from, to) in new[] { (1, 11), (4, 11), (7, 8), (8, 11), (11, 11), (3, 5) })
        {
            var (exit, json, _) = await CliAsync("log", "consistency", "--from", from.ToString(System.Globalization.CultureInfo.InvariantCulture), "--to", to.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
            Assert.Equal(0, exit);
            Assert.Equal("ok", await IndependentAsync("consistency", json));
        }
        var tampered = (await CliAsync("log", "inclusion", "--index", "3", "--json")).Out.Replace("\\u0022index\\u0022:3", "\\u0022index\\u0022:4", StringComparison.Ordinal);
        Assert.Equal("bad", await IndependentAsync("inclusion", tampered));
    }

    [Fact]
    public async Task Checkpoint_SignatureVerifiesWithThePublishedKey_UsingOpenssl()
    {
        await IngestSeveralAsync(2);
        var key = (await CliAsync("log", "key")).Out.Trim();
        var text = JsonDocument.Parse((await CliAsync("log", "checkpoint", "--json")).Out).RootElement.GetProperty("text").GetString()!;

        var verifier = NoteVerifier.Parse(key);
        Assert.True(verifier.Verify(text, out var body));
        Assert.StartsWith("evidence.local/ledger\n2\n", body, StringComparison.Ordinal);

        // Independently: the signature line's blob is key id || Ed25519 signature over the body.
        var signature = Convert.FromBase64String(text.Split('\n')[4].Split(' ')[2])[4..];
        var publicKeyDer = Convert.FromHexString("302a300506032b6570032100").Concat(verifier.PublicKey).ToArray();
        File.WriteAllText(Path.Combine(home.Path, "pub.pem"), "-----BEGIN PUBLIC KEY-----\n" + Convert.ToBase64String(publicKeyDer) + "\n-----END PUBLIC KEY-----\n");
        File.WriteAllBytes(Path.Combine(home.Path, "body"), Encoding.UTF8.GetBytes(body));
        File.WriteAllBytes(Path.Combine(home.Path, "sig"), signature);
        var (exit, stdout, _) = await Run.ProcessAsync("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", Path.Combine(home.Path, "pub.pem"), "-rawin",
            "-in", Path.Combine(home.Path, "body"), "-sigfile", Path.Combine(home.Path, "sig"));
        Assert.True(exit == 0, stdout);
        Assert.Contains("Signature Verified Successfully", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigningKey_IsPkcs8PemReadableOnlyByItsOwner()
    {
        await IngestSeveralAsync(1);
        var path = Path.Combine(EvidenceHome, "keys", "ledger-ed25519.pem");

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task LogCommands_BadInput_Exit2()
    {
        Assert.Equal(2, (await CliAsync("log", "checkpoint")).Exit); // nothing recorded yet
        await IngestSeveralAsync(2);
        Assert.Equal(2, (await CliAsync("log", "inclusion", "--index", "2", "--json")).Exit);
        Assert.Equal(2, (await CliAsync("log", "inclusion", "--index", "-1", "--json")).Exit);
        Assert.Equal(2, (await CliAsync("log", "consistency", "--from", "0", "--to", "2", "--json")).Exit);
        Assert.Equal(2, (await CliAsync("log", "consistency", "--from", "2", "--to", "9", "--json")).Exit);
    }

    [Fact]
    public async Task EveryCommand_LeavesGapFreeEventsAndOneCheckpointPerCommand()
    {
        await IngestSeveralAsync(3);
        Assert.Equal(0, (await CliAsync("verify")).Exit);

        await using var slice = await Slice.StartAsync(s => s with { Home = EvidenceHome });
        var sequences = await slice.QueryAsync(db => db.CustodyEvents.OrderBy(e => e.Sequence).Select(e => e.Sequence).ToListAsync());
        Assert.Equal([0L, 1, 2, 3], sequences);
        Assert.Equal([1L, 2, 3, 4], await slice.QueryAsync(db => db.Checkpoints.OrderBy(c => c.Id).Select(c => c.Size).ToListAsync()));
        Assert.Equal("Verified", await slice.QueryAsync(db => db.CustodyEvents.Where(e => e.Sequence == 3).Select(e => e.Action).SingleAsync()));
    }

    private async Task<string> IndependentAsync(string kind, string json)
    {
        var file = Path.Combine(home.Path, $"{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, json);
        var (_, stdout, _) = await Run.ProcessAsync("python3", Path.Combine(Repo.Root, "tests", "Evidence.Tests", "TestData", "rfc6962_verify.py"), kind, file);
        return stdout.Trim();
    }


    public void Dispose() => home.Dispose();
}
