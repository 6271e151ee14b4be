using System.Text.Json;
using Evidence.Crypto;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Cli;

/// <summary>The CLI reads EVIDENCE_TSA_URL and EVIDENCE_TSA_CERT from the environment, which is shared by the whole test process.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Sets environment variables";
}

[Collection(EnvironmentCollection.Name)]
public sealed class TimestampCliTests
{
    [Fact]
    public async Task LogTimestamp_AfterTsaWasMissing_StampsAndCheckpointJsonCarriesToken()
    {
        using var home = new TestHome();
        using var tsa = new TestTimestampAuthority(home.Path);
        var evidenceHome = Path.Combine(home.Path, "home");
        var file = home.File("photo.txt", "a caption"u8.ToArray());
        Assert.Equal(0, (await Run.CliAsync(evidenceHome, "ingest", file, "--collector", "A")).Exit);
        var unstamped = JsonDocument.Parse((await Run.CliAsync(evidenceHome, "log", "checkpoint", "--json")).Out).RootElement;
        Assert.Equal(JsonValueKind.Null, unstamped.GetProperty("timestampToken").ValueKind);

        Environment.SetEnvironmentVariable("EVIDENCE_TSA_URL", tsa.Url.ToString());
        Environment.SetEnvironmentVariable("EVIDENCE_TSA_CERT", tsa.CaCertificatePath);
        try
        {
            var stamp = await Run.CliAsync(evidenceHome, "log", "timestamp", "--json");
            var checkpoint = JsonDocument.Parse((await Run.CliAsync(evidenceHome, "log", "checkpoint", "--json")).Out).RootElement;
            var verify = await Run.CliAsync(evidenceHome, "verify", "--json");

            Assert.Equal(0, stamp.Exit);
            Assert.Equal(1, JsonDocument.Parse(stamp.Out).RootElement.GetProperty("stamped").GetInt32());
            var token = Convert.FromBase64String(checkpoint.GetProperty("timestampToken").GetString()!);
            Assert.True(TimestampToken.Check(token, System.Text.Encoding.UTF8.GetBytes(checkpoint.GetProperty("text").GetString()!), tsa.CaCertificate).Valid);
            Assert.Equal(0, verify.Exit);
            Assert.Equal(1, JsonDocument.Parse(verify.Out).RootElement.GetProperty("timestamps").GetInt32());
        }
        finally
        {
            Environment.SetEnvironmentVariable("EVIDENCE_TSA_URL", null);
            Environment.SetEnvironmentVariable("EVIDENCE_TSA_CERT", null);
        }
    }

    [Fact]
    public async Task LogTimestamp_NoTsa_ExitTwoWithReason()
    {
        using var home = new TestHome();

        var (exit, _, err) = await Run.CliAsync(Path.Combine(home.Path, "home"), "log", "timestamp");

        Assert.Equal(2, exit);
        Assert.Contains("EVIDENCE_TSA_URL", err);
    }

    [Fact]
    public async Task Cli_TsaUrlNotHttp_ExitTwo()
    {
        using var home = new TestHome();
        Environment.SetEnvironmentVariable("EVIDENCE_TSA_URL", "file:///etc/passwd");
        try
        {
            var (exit, _, err) = await Run.CliAsync(Path.Combine(home.Path, "home"), "log", "key");

            Assert.Equal(2, exit);
            Assert.Contains("EVIDENCE_TSA_URL must be an http or https URL", err);
        }
        finally
        {
            Environment.SetEnvironmentVariable("EVIDENCE_TSA_URL", null);
        }
    }
}
