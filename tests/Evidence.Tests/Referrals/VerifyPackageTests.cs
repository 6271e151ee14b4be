using System.Text;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Pipeline;
using Evidence.Referrals;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Referrals;

/// <summary>
/// verify-package against every tampering the issue names, on real packages rewritten entry by entry: each is
/// a finding (never an exception), and nothing is ever written outside the test's folder.
/// </summary>
public sealed class VerifyPackageTests : IAsyncLifetime
{
    private Slice slice = null!;
    private string package = "";
    private string other = "";
    private string key = "";
    private string root = "";

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        var @case = await ReferralCase.CreateAsync(slice);
        package = (await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(slice.Home, "a.zip")), Role.Prosecutor)).Path;
        other = (await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.National, Path.Combine(slice.Home, "b.zip"),
            EvidenceIds: [@case.Items[0].Id]), Role.Prosecutor)).Path;
        key = await slice.SendAsync(new GetVerifierKey(), Role.Auditor);
        root = PackageZip.Root(package);
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private string Tampered(Func<string, byte[], byte[]?> change, params (string Name, byte[] Bytes)[] extra) =>
        PackageZip.Rewrite(package, Path.Combine(slice.Home, $"t-{Guid.NewGuid():N}.zip"), change, extra);

    private static byte[] Flip(byte[] bytes)
    {
        var copy = bytes.ToArray();
        copy[copy.Length / 2] ^= 0x01;
        return copy;
    }

    private static List<string> Kinds(PackageReport report) => report.Findings.Select(f => f.Kind).Distinct().ToList();

    [Fact]
    public void Verify_Untouched_Clean()
    {
        var report = PackageVerifier.Verify(package, key);

        Assert.True(report.Clean, string.Join("\n", report.Findings));
        Assert.Equal(3, report.Items);
    }

    [Fact]
    public void Verify_ChangedEvidenceByte_HashFindingsForThatFile()
    {
        var report = PackageVerifier.Verify(Tampered((name, bytes) => name.Contains("/data/evidence/UKR-EVD-0001-0002", StringComparison.Ordinal) ? Flip(bytes) : bytes), key);

        Assert.Contains(report.Findings, f => f.Kind == "hash" && f.Subject.Contains("UKR-EVD-0001-0002", StringComparison.Ordinal) && f.Expected.StartsWith("manifest-sha256", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Kind == "hash" && f.Expected.StartsWith("manifest-sha512", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_ExtraPayloadFile_Found()
    {
        var report = PackageVerifier.Verify(Tampered((_, b) => b, ($"{root}/data/evidence/planted.jpg", "x"u8.ToArray())), key);

        Assert.Contains(report.Findings, f => f.Kind == "extra" && f.Subject == "data/evidence/planted.jpg");
        Assert.Contains(report.Findings, f => f.Subject == "Payload-Oxum");
    }

    [Fact]
    public void Verify_ExtraFileBesideTheTagFiles_Found()
    {
        var report = PackageVerifier.Verify(Tampered((_, b) => b, ($"{root}/fetch.txt", "http://example.org/x 1 data/x\n"u8.ToArray())), key);

        Assert.Contains(report.Findings, f => f.Kind == "extra" && f.Subject == "fetch.txt");
    }

    [Fact]
    public void Verify_MissingFile_Found()
    {
        var report = PackageVerifier.Verify(Tampered((name, b) => name.EndsWith("data/metadata/items.csv", StringComparison.Ordinal) ? null : b), key);

        Assert.Contains(report.Findings, f => f.Kind == "missing" && f.Subject == "data/metadata/items.csv");
    }

    [Fact]
    public void Verify_ReorderedManifest_TagManifestCatchesIt()
    {
        var report = PackageVerifier.Verify(Tampered((name, bytes) => name.EndsWith("/manifest-sha256.txt", StringComparison.Ordinal)
            ? Encoding.UTF8.GetBytes(string.Concat(Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries).Reverse().Select(l => l + "\n")))
            : bytes), key);

        Assert.Equal(["hash"], Kinds(report));
        Assert.Equal("manifest-sha256.txt", Assert.Single(report.Findings).Subject);
    }

    [Fact]
    public void Verify_RewrittenTagManifest_BothSignaturesFail()
    {
        // A tamperer who fixes every hash after changing a file still cannot sign as the organisation or the ledger.
        var report = PackageVerifier.Verify(Tampered((name, bytes) => name.EndsWith("/tagmanifest-sha256.txt", StringComparison.Ordinal)
            ? Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("bag-info.txt", "bag-info.txt ", StringComparison.Ordinal))
            : bytes), key);

        Assert.Contains(report.Findings, f => f.Kind == "signature" && f.Subject == BagWriter.CmsSignatureFile);
        Assert.Contains(report.Findings, f => f.Kind == "signature" && f.Subject == BagWriter.NoteSignatureFile);
    }

    [Theory]
    [InlineData(BagWriter.CmsSignatureFile)]
    [InlineData(BagWriter.NoteSignatureFile)]
    public void Verify_SignatureSwappedFromAnotherPackage_Found(string signature)
    {
        var swapped = PackageZip.Read(other).Single(e => e.Key.EndsWith("/" + signature, StringComparison.Ordinal)).Value;

        var report = PackageVerifier.Verify(Tampered((name, bytes) => name.EndsWith("/" + signature, StringComparison.Ordinal) ? swapped : bytes), key);

        Assert.Equal("signature", Assert.Single(report.Findings).Kind);
        Assert.Equal(signature, report.Findings[0].Subject);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("/etc/evidence-test-x")]
    [InlineData("referral/../../x")]
    [InlineData("C:\\x")]
    public void Verify_ZipSlipEntry_ReportedAndNothingWrittenOutside(string name)
    {
        var before = Directory.GetFileSystemEntries(Path.GetDirectoryName(slice.Home)!).Length;

        var report = PackageVerifier.Verify(Tampered((_, b) => b, (name, "owned"u8.ToArray())), key);

        Assert.Contains(report.Findings, f => f.Kind == "zip" && f.Found.Contains("unsafe", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(slice.Home, "..", "x")));
        Assert.False(File.Exists("/etc/evidence-test-x"));
        Assert.Equal(before, Directory.GetFileSystemEntries(Path.GetDirectoryName(slice.Home)!).Length);
    }

    [Fact]
    public void Verify_DuplicateEntryName_Ambiguous()
    {
        var report = PackageVerifier.Verify(Tampered((_, b) => b, ($"{root}/data/metadata/case.json", "{}"u8.ToArray())), key);

        Assert.Contains(report.Findings, f => f.Kind == "zip" && f.Found == "two entries with this name");
    }

    [Fact]
    public void Verify_RewrittenCustodyEvent_ProofFails()
    {
        var report = PackageVerifier.Verify(Tampered((name, bytes) => name.EndsWith("data/custody/events.jsonl", StringComparison.Ordinal)
            ? Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("Investigator", "Investigatr", StringComparison.Ordinal))
            : bytes), key);

        Assert.Contains(report.Findings, f => f.Kind == "proof");
        Assert.Contains(report.Findings, f => f.Kind == "hash" && f.Subject == "data/custody/events.jsonl");
    }

    [Fact]
    public async Task Verify_PinnedKeyOfAnotherLedger_KeyAndSignatureFindings()
    {
        await using var stranger = await Slice.StartAsync();
        var strangerKey = await stranger.SendAsync(new GetVerifierKey(), Role.Auditor);

        var report = PackageVerifier.Verify(package, strangerKey);

        Assert.Contains(report.Findings, f => f.Kind == "key");
        Assert.Contains(report.Findings, f => f.Kind == "checkpoint");
        Assert.Contains(report.Findings, f => f.Subject == BagWriter.NoteSignatureFile);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a zip at all")]
    public void Verify_NotAZip_OneClearFinding(string content)
    {
        var path = Path.Combine(slice.Home, "junk.zip");
        File.WriteAllText(path, content);

        var report = PackageVerifier.Verify(path);

        Assert.Equal("zip", Assert.Single(report.Findings).Kind);
    }

    [Fact]
    public void Verify_EmptyZip_LayoutFinding()
    {
        var report = PackageVerifier.Verify(PackageZip.Write(Path.Combine(slice.Home, "empty.zip"), []));

        Assert.Contains(report.Findings, f => f.Subject == "layout");
    }
}
