using System.Text.Json;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Cli;

/// <summary>`package` and `verify-package` as a prosecutor's or an auditor's script calls them: JSON shape and exit codes.</summary>
public sealed class PackageCliTests : IDisposable
{
    private readonly TestHome home = new();
    private string Home => Path.Combine(home.Path, "home");

    public void Dispose() => home.Dispose();

    private async Task<JsonElement> JsonAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await Run.CliAsync(Home, [.. args, "--json"]);
        Assert.True(exit == 0, $"{string.Join(" ", args)}: exit {exit}: {stderr}");
        return JsonDocument.Parse(stdout).RootElement;
    }

    private async Task<string> IncidentWithEvidenceAsync()
    {
        var incident = (await JsonAsync("incident", "add", "--title", "Transfer", "--kind", "deportation", "--from", "2022-10", "--place", "Kherson",
            "--article", "8(2)(a)(vii)-1")).GetProperty("id").GetString()!;
        var evidence = (await JsonAsync("ingest", home.File("order.txt", "Order on the evacuation of pupils"u8.ToArray()), "--collector", "A"))[0].GetProperty("id").GetString()!;
        await JsonAsync("tag", evidence, "--incident", incident, "--element", "8(2)(a)(vii)-1:1");
        return incident;
    }

    [Fact]
    public async Task Package_Json_ContractShapeAndVerifyPackageExitCodes()
    {
        var incident = await IncidentWithEvidenceAsync();
        var zip = Path.Combine(home.Path, "icc.zip");

        var package = await JsonAsync("package", "--incident", incident, "--recipient", "icc", "--out", zip, "--role", "prosecutor");
        var key = (await Run.CliAsync(Home, "log", "key")).Out.Trim();
        var verified = await Run.CliAsync(Home, "verify-package", zip, "--key", key, "--json");

        Assert.Equal(["id", "path", "sha256", "items", "bytes", "encrypted"], package.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, package.GetProperty("encrypted").ValueKind); // not encrypted: no --encrypt-to
        Assert.Equal(zip, package.GetProperty("path").GetString());
        Assert.Equal(1, package.GetProperty("items").GetInt32());
        Assert.Equal(new FileInfo(zip).Length, package.GetProperty("bytes").GetInt64());
        Assert.Equal(0, verified.Exit);
        var report = JsonDocument.Parse(verified.Out).RootElement;
        Assert.True(report.GetProperty("clean").GetBoolean());
        Assert.Equal(package.GetProperty("id").GetString(), report.GetProperty("package").GetString());

        // One changed byte in the evidence: exit 1 and the finding named.
        var tampered = Referrals.PackageZip.Rewrite(zip, Path.Combine(home.Path, "tampered.zip"), (name, bytes) =>
        {
            if (name.Contains("/data/evidence/", StringComparison.Ordinal))
            {
                bytes[0] ^= 0x20;
            }
            return bytes;
        });
        var caught = await Run.CliAsync(Home, "verify-package", tampered);
        Assert.Equal(1, caught.Exit);
        Assert.Contains("FINDING hash data/evidence/UKR-EVD-0001-0001_order.txt", caught.Out, StringComparison.Ordinal);
        Assert.Contains("PROBLEMS", caught.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Package_BadInput_ExitTwoAndNothingWritten()
    {
        var incident = (await JsonAsync("incident", "add", "--title", "Empty", "--kind", "camp", "--from", "2023", "--place", "Yevpatoria",
            "--article", "8(2)(a)(vii)-1")).GetProperty("id").GetString()!;
        var zip = Path.Combine(home.Path, "p.zip");

        var empty = await Run.CliAsync(Home, "package", "--incident", incident, "--recipient", "icc", "--out", zip);
        var recipient = await Run.CliAsync(Home, "package", "--incident", incident, "--recipient", "hague", "--out", zip);
        var auditor = await Run.CliAsync(Home, "package", "--incident", incident, "--recipient", "icc", "--out", zip, "--role", "auditor");
        var missing = await Run.CliAsync(Home, "verify-package", Path.Combine(home.Path, "nothing.zip"));

        Assert.Equal((2, 2, 2, 2), (empty.Exit, recipient.Exit, auditor.Exit, missing.Exit));
        Assert.Contains("nothing to package", empty.Err, StringComparison.Ordinal);
        Assert.Contains("--recipient must be one of icc, national", recipient.Err, StringComparison.Ordinal);
        Assert.Contains("may be sent only by Investigator or Prosecutor", auditor.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(zip));
    }

    [Fact]
    public async Task Package_RedactedOnly_ExitTwoWithoutARedaction_ThenTheRedactionTravelsNumberedFromItsOriginal()
    {
        var incident = (await JsonAsync("incident", "add", "--title", "Transfer", "--kind", "deportation", "--from", "2022-10", "--place", "Kherson",
            "--article", "8(2)(a)(vii)-1")).GetProperty("id").GetString()!;
        var original = (await JsonAsync("ingest", home.File("order.txt", "Order on the evacuation of pupils"u8.ToArray()), "--collector", "A"))[0].GetProperty("id").GetString()!;
        await JsonAsync("tag", original, "--incident", incident);
        var refusedZip = Path.Combine(home.Path, "refused.zip");
        var zip = Path.Combine(home.Path, "redacted.zip");

        var refused = await Run.CliAsync(Home, "package", "--incident", incident, "--recipient", "icc", "--out", refusedZip, "--redacted-only");
        await JsonAsync("derive", original, home.File("order-redacted.txt", "Order on the evacuation of [REDACTED]"u8.ToArray()), "--kind", "redaction",
            "--collector", "B");
        var package = await JsonAsync("package", "--incident", incident, "--recipient", "icc", "--out", zip, "--redacted-only");

        Assert.Equal(2, refused.Exit);
        Assert.Contains("(--redacted-only): 1 item(s) have no redaction", refused.Err, StringComparison.Ordinal);
        Assert.Contains(original, refused.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(refusedZip));
        Assert.Equal(1, package.GetProperty("items").GetInt32());
        var names = Referrals.PackageZip.Read(zip).Keys.Select(k => k[(k.IndexOf('/') + 1)..]).ToList();
        Assert.Contains("data/evidence/UKR-EVD-0001-0001-R01_order-redacted.txt", names);
        Assert.DoesNotContain(names, n => n.StartsWith("data/evidence/UKR-EVD-0001-0001_", StringComparison.Ordinal));
        Assert.Equal(0, (await Run.CliAsync(Home, "verify")).Exit);
    }

    [Fact]
    public async Task VerifyPackage_NoKeyOrCa_ExitOneSignerNotPinnedShowingTheClaimedKey()
    {
        var incident = await IncidentWithEvidenceAsync();
        var zip = Path.Combine(home.Path, "icc.zip");
        await JsonAsync("package", "--incident", incident, "--recipient", "icc", "--out", zip, "--role", "prosecutor");
        var key = (await Run.CliAsync(Home, "log", "key")).Out.Trim();

        var text = await Run.CliAsync(Home, "verify-package", zip);
        var json = await Run.CliAsync(Home, "verify-package", zip, "--json");
        var pinnedCa = await Run.CliAsync(Home, "verify-package", zip, "--ca", Path.Combine(Home, "keys", "organisation-ca.pem"));

        Assert.Equal((1, 1, 0), (text.Exit, json.Exit, pinnedCa.Exit));
        Assert.Contains($"FINDING key signer not pinned: expected the ledger key the sender published, given with --key (or the organisation's CA, with --ca); found the package claims {key};", text.Out, StringComparison.Ordinal);
        var report = JsonDocument.Parse(json.Out).RootElement;
        Assert.False(report.GetProperty("clean").GetBoolean());
        Assert.Equal(key, report.GetProperty("key").GetString());
        Assert.Equal("signer not pinned", Assert.Single(report.GetProperty("findings").EnumerateArray()).GetProperty("subject").GetString());
    }

    [Fact]
    public async Task VerifyPackage_ManifestLineOf64MiB_ShortOutputExitOne()
    {
        var incident = await IncidentWithEvidenceAsync();
        var zip = Path.Combine(home.Path, "icc.zip");
        await JsonAsync("package", "--incident", incident, "--recipient", "icc", "--out", zip, "--role", "prosecutor");
        var key = (await Run.CliAsync(Home, "log", "key")).Out.Trim();
        var hostile = Referrals.RawZip.Write(Path.Combine(home.Path, "hostile.zip"), Referrals.RawZip.FromPackage(zip).Select(e => e.Name.EndsWith("/manifest-sha256.txt", StringComparison.Ordinal)
            ? e with { Content = [.. e.Content, .. Enumerable.Repeat((byte)'a', 64 << 20), (byte)'\n'] }
            : e));

        var (exit, stdout, _) = await Run.CliAsync(Home, "verify-package", hostile, "--key", key);

        Assert.Equal(1, exit);
        Assert.Matches("FINDING bag manifest-sha256.txt line [0-9]+: expected lines of at most 65,536 bytes; found 67,108,864 bytes, starting a{200}…\n", stdout);
        Assert.True(stdout.Length < 10_000, $"{stdout.Length:N0} characters of output");
    }
}
