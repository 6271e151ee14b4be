using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Referrals;

/// <summary>
/// Found by the hostile review of issue 19: verify-package took the witnesses' keys from the package itself, so an operator who
/// holds the ledger key could cosign with a key of its own under a partner's name. Witnesses count only when the reader pins them.
/// </summary>
public sealed class WitnessPinTests : IAsyncLifetime
{
    private Slice slice = null!;
    private string package = "";
    private string ledgerKey = "";
    private WitnessSigner puppet = null!;

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        var @case = await ReferralCase.CreateAsync(slice);
        // The operator (who holds the ledger key and keys/) makes a witness key of its own under a partner's name.
        puppet = WitnessSigner.LoadOrCreate(Path.Combine(slice.Home, "puppet.pem"), "witness.partner-ngo.example/w1");
        Directory.CreateDirectory(slice.Settings.KeyFolder);
        await File.WriteAllTextAsync(Path.Combine(slice.Settings.KeyFolder, "witnesses.txt"), puppet.Verifier.VerifierKey + "\n");
        var checkpoint = await slice.SendAsync(new GetLatestCheckpoint(), Role.Auditor);
        var body = checkpoint.Text[..(checkpoint.Text.IndexOf("\n\n", StringComparison.Ordinal) + 1)];
        await slice.SendAsync(new AddCosignature(checkpoint.Text + puppet.Cosign(body, DateTimeOffset.UtcNow)), Role.Auditor);
        package = (await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(slice.Home, "a.zip")), Role.Prosecutor)).Path;
        ledgerKey = await slice.SendAsync(new GetVerifierKey(), Role.Auditor);
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    [Fact]
    public void WitnessNotPinned_IsListedAsVouchingForNothing_NeverAsWitnessing()
    {
        var report = PackageVerifier.Verify(package, ledgerKey);

        Assert.Empty(report.WitnessedBy);
        Assert.Equal([puppet.Verifier.VerifierKey], report.WitnessesNotPinned);
    }

    [Fact]
    public void PinnedPartnerWithoutACosignature_IsAFinding_ThePuppetDoesNotStandInForIt()
    {
        var partner = WitnessSigner.LoadOrCreate(Path.Combine(slice.Home, "partner.pem"), "witness.partner-ngo.example/w1");

        var report = PackageVerifier.Verify(package, ledgerKey, pinnedWitnesses: [partner.Verifier]);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(("cosignature", "none in data/custody/cosignatures.txt"), (finding.Kind, finding.Found));
        Assert.Empty(report.WitnessedBy);
    }

    [Fact]
    public void PinnedWitnessWithAValidCosignature_Witnesses()
    {
        var report = PackageVerifier.Verify(package, ledgerKey, pinnedWitnesses: [puppet.Verifier]);

        Assert.True(report.Clean, string.Join("\n", report.Findings));
        Assert.Equal([puppet.Verifier.VerifierKey], report.WitnessedBy);
    }
}
