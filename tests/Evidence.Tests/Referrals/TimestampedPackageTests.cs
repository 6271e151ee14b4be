using Evidence.Custody;
using Evidence.Domain;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Referrals;

/// <summary>A package from an installation with a time-stamping authority (a real RFC 3161 TSA on loopback) carries the checkpoint's token.</summary>
public sealed class TimestampedPackageTests : IAsyncLifetime
{
    private readonly TestHome home = new();
    private TestTimestampAuthority tsa = null!;
    private Slice slice = null!;

    public async Task InitializeAsync()
    {
        tsa = new TestTimestampAuthority(home.Path);
        slice = await Slice.StartAsync(s => s with { TimestampAuthorityUrl = tsa.Url, TimestampAuthorityCertificate = tsa.CaCertificatePath }, home);
    }

    public async Task DisposeAsync()
    {
        await slice.DisposeAsync();
        tsa.Dispose();
        home.Dispose();
    }

    [Fact]
    public async Task Build_StampedCheckpoint_TokenTravelsAndVerifies()
    {
        var @case = await ReferralCase.CreateAsync(slice);
        var package = await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(home.Path, "p.zip")), Role.Prosecutor);
        var key = await slice.SendAsync(new GetVerifierKey(), Role.Auditor);

        var report = PackageVerifier.Verify(package.Path, key);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
        Assert.True(report.Timestamped);

        // A token over other bytes, swapped in: the manifests catch the changed file, and the token check says why.
        var foreign = tsa.TokenFor("another checkpoint"u8.ToArray());
        var swapped = PackageZip.Rewrite(package.Path, Path.Combine(home.Path, "swapped.zip"),
            (name, bytes) => name.EndsWith("data/custody/checkpoint.tsr", StringComparison.Ordinal) ? foreign : bytes);
        var tampered = PackageVerifier.Verify(swapped, key);
        Assert.Contains(tampered.Findings, f => f.Kind == "timestamp" && f.Found.Contains("other bytes", StringComparison.Ordinal));
        Assert.Contains(tampered.Findings, f => f.Kind == "hash" && f.Subject == "data/custody/checkpoint.tsr");
    }
}
