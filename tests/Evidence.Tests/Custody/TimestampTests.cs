using System.Text;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Ingest;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Custody;

/// <summary>RFC 3161 tokens on checkpoints, from a real TSA on loopback, checked by us and by openssl.</summary>
public sealed class TimestampTests : IAsyncLifetime
{
    private readonly TestHome home = new();
    private TestTimestampAuthority tsa = null!;
    private Slice slice = null!;

    public async Task InitializeAsync()
    {
        tsa = new TestTimestampAuthority(home.Path);
        slice = await Slice.StartAsync(s => s with { TimestampAuthorityUrl = tsa.Url, TimestampAuthorityCertificate = tsa.CaCertificatePath });
    }

    public async Task DisposeAsync()
    {
        await slice.DisposeAsync();
        tsa.Dispose();
        home.Dispose();
    }

    private Task<IngestedEvidence> IngestAsync(string text) =>
        slice.SendAsync(new IngestEvidence(slice.File(Guid.NewGuid().ToString("N") + ".txt", Encoding.UTF8.GetBytes(text)), "A"));

    private Task<VerificationReport> VerifyAsync(Slice on) => on.SendAsync(new VerifyCustody(), Role.Auditor, "auditor");

    private Task<List<(long Id, string Text, byte[]? Token)>> CheckpointsAsync() =>
        slice.QueryAsync(async db => (await db.Checkpoints.OrderBy(c => c.Id).ToListAsync()).Select(c => (c.Id, c.Text, c.TimestampToken)).ToList());

    [Fact]
    public async Task Commit_TsaConfigured_CheckpointGetsTokenOverItsText()
    {
        await IngestAsync("a testimony");

        var (_, text, token) = Assert.Single(await CheckpointsAsync());
        Assert.NotNull(token);
        var check = TimestampToken.Check(token, Encoding.UTF8.GetBytes(text), tsa.CaCertificate);
        Assert.True(check.Valid, check.Problem);
        Assert.Contains("Evidence Test TSA", check.Authority);
        Assert.InRange(check.GenTimeUtc!.Value, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Verify_StampedCheckpoints_CleanAndCountsTokens()
    {
        await IngestAsync("one");
        await IngestAsync("two");

        var report = await VerifyAsync(slice);

        Assert.True(report.Clean, string.Join("\n", report.Findings));
        Assert.Equal(2, report.TimestampsChecked);
    }

    [Fact]
    public async Task Token_CheckedByOpenSsl_VerifiesAndRejectsOtherText()
    {
        await IngestAsync("a photo's caption");
        var (_, text, token) = Assert.Single(await CheckpointsAsync());
        var checkpointFile = home.File("checkpoint.txt", Encoding.UTF8.GetBytes(text));
        var tokenFile = home.File("checkpoint.tst", token!);
        var otherFile = home.File("other.txt", Encoding.UTF8.GetBytes(text.Replace('1', '2')));

        var good = await Run.ProcessAsync("openssl", "ts", "-verify", "-data", checkpointFile, "-in", tokenFile, "-token_in", "-CAfile", tsa.CaCertificatePath);
        var bad = await Run.ProcessAsync("openssl", "ts", "-verify", "-data", otherFile, "-in", tokenFile, "-token_in", "-CAfile", tsa.CaCertificatePath);

        Assert.True(good.Exit == 0, good.Out + good.Err);
        Assert.Contains("Verification: OK", good.Out);
        Assert.NotEqual(0, bad.Exit);
    }

    [Theory]
    [InlineData(TsaBehaviour.WrongImprint)]
    [InlineData(TsaBehaviour.Down)]
    [InlineData(TsaBehaviour.Garbage)]
    public async Task Commit_TsaMisbehaves_EvidenceRecordedCheckpointUnstampedUntilStampedLater(TsaBehaviour behaviour)
    {
        tsa.Behaviour = behaviour;

        var item = await IngestAsync("recorded even when the TSA fails");

        Assert.Equal(1, await slice.CountEvidenceAsync());
        Assert.Null(Assert.Single(await CheckpointsAsync()).Token); // a bad answer is never stored
        Assert.True((await VerifyAsync(slice)).Clean);

        tsa.Behaviour = TsaBehaviour.Honest;
        var stamped = await slice.SendAsync(new StampCheckpoints(), Role.Auditor, "auditor");

        Assert.Equal(2, stamped.Stamped); // the first checkpoint, and the one the verification run added
        Assert.All(await CheckpointsAsync(), c => Assert.NotNull(c.Token));
        var report = await VerifyAsync(slice);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
        Assert.Equal(2, report.TimestampsChecked);
        Assert.NotEqual(Guid.Empty, item.Id);
    }

    [Fact]
    public async Task StampCheckpoints_TsaDown_FailsClearlyAndStoresNothing()
    {
        tsa.Behaviour = TsaBehaviour.Down;
        await IngestAsync("x");

        var error = await Assert.ThrowsAsync<UnavailableException>(() => slice.SendAsync(new StampCheckpoints(), Role.Auditor, "auditor"));

        Assert.Contains("HTTP 503", error.Message);
        Assert.Null(Assert.Single(await CheckpointsAsync()).Token);
    }

    [Fact]
    public async Task StampCheckpoints_NoTsaConfigured_InvalidRequest()
    {
        await using var plain = await Slice.StartAsync();

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => plain.SendAsync(new StampCheckpoints(), Role.Auditor, "auditor"));

        Assert.Contains("EVIDENCE_TSA_URL", error.Message);
    }

    [Fact]
    public async Task StampCheckpoints_Investigator_Forbidden()
    {
        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new StampCheckpoints()));
    }

    [SqliteFact]
    public async Task Database_TokenAlreadySet_RefusesToReplaceIt()
    {
        await IngestAsync("x");
        var (id, _, _) = Assert.Single(await CheckpointsAsync());

        var error = await Assert.ThrowsAsync<SqliteException>(() => slice.SqlAsync($"UPDATE checkpoints SET TimestampToken = X'00' WHERE Id = {id}"));

        Assert.Contains("keeps its first timestamp token", error.Message);
    }

    [SqliteFact]
    public async Task Verify_TokenForOtherBytes_Finding()
    {
        await IngestAsync("x");
        var (id, _, _) = Assert.Single(await CheckpointsAsync());
        var forged = tsa.TokenFor("a checkpoint that was never made"u8.ToArray());

        await slice.SqlAsync($"DROP TRIGGER checkpoints_token_once; UPDATE checkpoints SET TimestampToken = X'{Convert.ToHexString(forged)}' WHERE Id = {id}");
        var report = await VerifyAsync(slice);

        var finding = Assert.Single(report.Findings);
        Assert.Equal("timestamp", finding.Kind);
        Assert.Contains($"checkpoint {id}", finding.Subject);
        Assert.Contains("a token for other bytes", finding.Found);
    }

    [SqliteFact]
    public async Task Verify_TokenNotATimestamp_Finding()
    {
        await IngestAsync("x");
        var (id, _, _) = Assert.Single(await CheckpointsAsync());

        await slice.SqlAsync($"DROP TRIGGER checkpoints_token_once; UPDATE checkpoints SET TimestampToken = X'3003020100' WHERE Id = {id}");
        var report = await VerifyAsync(slice);

        Assert.Contains("not an RFC 3161 timestamp token", Assert.Single(report.Findings).Found);
    }

    [Fact]
    public async Task Verify_TokenFromAnotherAuthority_FindingWhenCertificatePinned()
    {
        using var otherHome = new TestHome();
        using var impostor = new TestTimestampAuthority(otherHome.Path);
        await using var stampedElsewhere = await Slice.StartAsync(s => s with { TimestampAuthorityUrl = impostor.Url }, otherHome);
        await stampedElsewhere.SendAsync(new IngestEvidence(stampedElsewhere.File("x.txt", "x"u8.ToArray()), "A"));
        Assert.True((await VerifyAsync(stampedElsewhere)).Clean); // no certificate pinned: any TSA's valid token passes
        await using var pinned = await Slice.StartAsync(s => s with { Home = stampedElsewhere.Settings.Home, TimestampAuthorityCertificate = tsa.CaCertificatePath }, otherHome);

        var report = await VerifyAsync(pinned);

        Assert.NotEmpty(report.Findings);
        Assert.All(report.Findings, f => Assert.Contains("which the trusted TSA certificate", f.Found));
    }

    [SqliteFact]
    public async Task Verify_CheckpointTimeAfterItsStamp_Finding()
    {
        await IngestAsync("x");
        var (id, _, _) = Assert.Single(await CheckpointsAsync());

        // Someone moves the checkpoint's recorded time a day forward: the TSA saw its text a day earlier.
        await slice.SqlAsync($"DROP TRIGGER checkpoints_no_update; UPDATE checkpoints SET CreatedAtUtc = datetime(CreatedAtUtc, '+1 day') WHERE Id = {id}");
        var report = await VerifyAsync(slice);

        var finding = Assert.Single(report.Findings);
        Assert.Equal("timestamp", finding.Kind);
        Assert.Contains("the checkpoint's time is later than the authority saw it", finding.Found);
    }

}
