using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Referrals;
using Evidence.Requests;
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
        var report = PackageVerifier.Verify(Tampered((_, b) => b, (name, "owned"u8.ToArray())), key);

        Assert.Contains(report.Findings, f => f.Kind == "zip" && f.Found.Contains("unsafe", StringComparison.Ordinal));
        // Wherever the name leads from the package's folder or the test's: nothing there. (Other tests create and remove
        // homes beside this one at the same time, so counting the folder's entries would race with them.)
        Assert.All(new[] { slice.Home, Path.GetDirectoryName(Path.GetFullPath(package))! }, from =>
        {
            Assert.False(File.Exists(Path.GetFullPath(Path.Combine(from, name))));
            Assert.False(File.Exists(Path.GetFullPath(Path.Combine(from, "..", "x"))));
        });
        Assert.False(File.Exists("/etc/evidence-test-x"));
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

    // ---- The zip itself: verify-package must hash exactly what a standard unzip produces (issue 15, point 3) ----

    private const string Evidence1 = "/data/evidence/UKR-EVD-0001-0001";

    private string Raw(Func<RawZip.Entry, RawZip.Entry> change, params RawZip.Entry[] extra) =>
        RawZip.Write(Path.Combine(slice.Home, $"r-{Guid.NewGuid():N}.zip"), RawZip.FromPackage(package).Select(change).Concat(extra));

    private static bool IsEvidence1(RawZip.Entry e) => e.Name.Contains(Evidence1, StringComparison.Ordinal);

    private static bool Refused(PackageReport report, string name) =>
        report.Findings.Any(f => f.Kind == "zip" && f.Subject.Contains(name, StringComparison.Ordinal) && f.Found.Contains("not read", StringComparison.Ordinal)) ||
        report.Findings.Any(f => f.Kind == "zip" && f.Subject.Contains(name, StringComparison.Ordinal) && f.Expected.Contains("not read", StringComparison.Ordinal));

    [Fact]
    public async Task Verify_PackageRewrittenHeaderByHeader_CleanForUsAndForStandardTools()
    {
        // The control for the tests below: the raw writer alone changes nothing that matters to any reader.
        var zip = Raw(e => e);

        var report = PackageVerifier.Verify(zip, key);

        Assert.True(report.Clean, string.Join("\n", report.Findings));
        Assert.Equal(0, (await StandardTools.UnzipTestAsync(zip)).Exit);
        Assert.Equal(0, (await StandardTools.PythonZipTestAsync(zip)).Exit);
        Assert.Equal(0, (await StandardTools.UnzipAndBagCheckAsync(zip, Path.Combine(slice.Home, "control"))).Exit);
    }

    [Theory]
    [InlineData("python")]
    [InlineData("zip -fd")]
    public async Task Verify_PackageRezippedByAStandardWriter_Clean(string writer)
    {
        // Strict is not narrow: Python's Zip64 headers and end record, and Info-ZIP's data descriptors, are standard zips.
        var zip = Path.Combine(slice.Home, "rezipped.zip");
        var python = """
            import sys, zipfile
            source = zipfile.ZipFile(sys.argv[1])
            root = source.namelist()[0].split("/")[0]
            with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
                for info in source.infolist():
                    with z.open(info.filename, "w", force_zip64=True) as f:
                        f.write(source.read(info))
                for i in range(65536):  # more entries than 16 bits count: a Zip64 end record
                    z.writestr(f"{root}/folder-{i}/", b"")
            """;
        var unzipped = Path.Combine(slice.Home, "unzipped");
        var made = writer == "python"
            ? await Run.ProcessAsync("python3", "-c", python, package, zip)
            : await Run.ProcessAsync("bash", "-c", $"mkdir -p '{unzipped}' && cd '{unzipped}' && unzip -q '{package}' && zip -q -r -fd '{zip}' .");
        Assert.True(made.Exit == 0, made.Err);

        var report = PackageVerifier.Verify(zip, key);

        Assert.True(report.Clean, string.Join("\n", report.Findings));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Verify_EntryLongerThanItsDeclaredSize_RefusedAsPythonAndTheUnzippedBagShow(bool deflate)
    {
        // The attack of issue 15: text appended to an item, the old uncompressed size written back into both headers,
        // the CRC-32 of what unzip will extract. The old zip reader stopped at the declared size and saw the original.
        var zip = Raw(e => IsEvidence1(e)
            ? e with { Content = [.. e.Content, .. "\nALTERED: the child was never here.\n"u8], DeclaredSize = e.Content.Length, Deflate = deflate }
            : e);

        var report = PackageVerifier.Verify(zip, key);

        Assert.True(Refused(report, Evidence1), string.Join("\n", report.Findings));
        Assert.Contains(report.Findings, f => f.Kind == "missing" && f.Subject.Contains(Evidence1[1..], StringComparison.Ordinal));
        Assert.NotEqual(0, (await StandardTools.PythonZipTestAsync(zip)).Exit);
        // unzip extracts the longer file (and `unzip -t` alone passes the deflated one): the bag it produces fails sha256sum -c.
        Assert.NotEqual(0, (await StandardTools.UnzipAndBagCheckAsync(zip, Path.Combine(slice.Home, "unzipped"))).Exit);
    }

    [Theory]
    [InlineData("name")]
    [InlineData("crc")]
    [InlineData("size")]
    [InlineData("method")]
    [InlineData("flags")]
    public void Verify_LocalHeaderDisagreesWithCentralDirectory_Refused(string field)
    {
        var zip = Raw(e => !IsEvidence1(e) ? e : field switch
        {
            "name" => e with { LocalName = e.Name.Replace("UKR-EVD-0001-0001", "UKR-EVD-0001-0009", StringComparison.Ordinal) },
            "crc" => e with { PatchLocalHeader = h => h[14] ^= 0x01 },
            "size" => e with { PatchLocalHeader = h => h[22] ^= 0x01 },
            "method" => e with { PatchLocalHeader = h => h[8] = 8 },
            _ => e with { PatchLocalHeader = h => h[6] |= 0x01 }, // "encrypted" in the local header only
        });

        var report = PackageVerifier.Verify(zip, key);

        Assert.True(Refused(report, Evidence1), string.Join("\n", report.Findings));
    }

    [Fact]
    public async Task Verify_LocalNameDiffers_PythonAgrees()
    {
        var zip = Raw(e => IsEvidence1(e) ? e with { LocalName = e.Name + "x" } : e);

        Assert.False(PackageVerifier.Verify(zip, key).Clean);
        Assert.NotEqual(0, (await StandardTools.PythonZipTestAsync(zip)).Exit);
    }

    [Fact]
    public void Verify_BytesBetweenEntriesThatNoHeaderAccountsFor_Found()
    {
        // A whole hidden file after an entry's data: a reader that walks local headers (a streaming unzip) would find it.
        var hidden = "PK\u0003\u0004 a local header no central record names"u8.ToArray();
        var zip = Raw(e => IsEvidence1(e) ? e with { After = hidden } : e);

        var report = PackageVerifier.Verify(zip, key);

        Assert.Contains(report.Findings, f => f.Kind == "zip" && f.Found == $"{hidden.Length} bytes before it that no header accounts for");
    }

    [Fact]
    public void Verify_TwoCentralRecordsShareOneLocalHeader_OverlapFound()
    {
        var first = RawZip.FromPackage(package).First(IsEvidence1);
        var zip = Raw(e => e, new RawZip.Entry($"{root}/data/evidence/copy.txt", []) { SharesLocalHeaderOf = first.Name });

        var report = PackageVerifier.Verify(zip, key);

        Assert.Contains(report.Findings, f => f.Kind == "zip" && f.Found.StartsWith("one that overlaps it", StringComparison.Ordinal));
        Assert.True(Refused(report, "data/evidence/copy.txt"), string.Join("\n", report.Findings)); // its local header names another file
    }

    [Fact]
    public async Task Verify_SymbolicLinkEntry_RefusedAsTheUnzippedBagShows()
    {
        // unzip would create a link whose target is the entry's bytes, so sha256sum -c would hash another file.
        var zip = Raw(e => IsEvidence1(e) ? e with { ExternalAttributes = 0xA1FFu << 16 } : e);

        var report = PackageVerifier.Verify(zip, key);

        Assert.True(Refused(report, Evidence1), string.Join("\n", report.Findings));
        Assert.NotEqual(0, (await StandardTools.UnzipAndBagCheckAsync(zip, Path.Combine(slice.Home, "unzipped"))).Exit);
    }

    [Fact]
    public async Task Verify_UnicodePathFieldGivesUnzipAnotherName_RefusedAsTheUnzippedBagShows()
    {
        // Info-ZIP's Unicode path field (0x7075): version 1, the CRC-32 of the header's name, then the name unzip uses.
        var zip = Raw(e =>
        {
            if (!IsEvidence1(e))
            {
                return e;
            }
            var other = Encoding.UTF8.GetBytes(e.Name.Replace("UKR-EVD-0001-0001", "UKR-EVD-0001-0099", StringComparison.Ordinal));
            var field = new byte[4 + 5 + other.Length];
            BitConverter.TryWriteBytes(field.AsSpan(0), (ushort)0x7075);
            BitConverter.TryWriteBytes(field.AsSpan(2), (ushort)(5 + other.Length));
            field[4] = 1;
            BitConverter.TryWriteBytes(field.AsSpan(5), Crc32.HashToUInt32(Encoding.UTF8.GetBytes(e.Name)));
            other.CopyTo(field, 9);
            return e with { Extra = field };
        });

        var report = PackageVerifier.Verify(zip, key);

        Assert.True(Refused(report, Evidence1), string.Join("\n", report.Findings));
        Assert.NotEqual(0, (await StandardTools.UnzipAndBagCheckAsync(zip, Path.Combine(slice.Home, "unzipped"))).Exit);
    }

    [Fact]
    public void Verify_NamesThatDifferOnlyInCase_Found()
    {
        // On Windows or macOS the second overwrites the first when the bag is unzipped.
        var first = RawZip.FromPackage(package).First(IsEvidence1);
        var zip = Raw(e => e, new RawZip.Entry(first.Name.Replace("/data/", "/DATA/", StringComparison.Ordinal), "other bytes"u8.ToArray()));

        var report = PackageVerifier.Verify(zip, key);

        Assert.Contains(report.Findings, f => f.Kind == "zip" && f.Found == "two entries whose names differ only in case");
    }

    // ---- Hostile input: bounded memory and output (issue 15, point 7) ----

    [Theory]
    [InlineData("manifest-sha256.txt")]
    [InlineData("data/custody/events.jsonl")]
    [InlineData("bag-info.txt")]
    public void Verify_OneLineOf64MiB_CutFindingAndBoundedMemory(string file)
    {
        // 64 MiB of 'a' deflate to some 64 KiB. The old reader held the file, a copy, its text and its lines, and printed the line.
        var zip = Raw(e => e.Name == $"{root}/{file}" ? e with { Content = [.. e.Content, .. Enumerable.Repeat((byte)'a', 64 << 20), (byte)'\n'] } : e);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var report = PackageVerifier.Verify(zip, key);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains(report.Findings, f => f.Subject.StartsWith(file, StringComparison.Ordinal) || f.Subject.Contains(file + " line", StringComparison.Ordinal));
        Assert.All(report.Findings, f => Assert.True($"{f.Subject} {f.Expected} {f.Found}".Length < 1000, $"a finding of {f.Subject.Length + f.Expected.Length + f.Found.Length:N0} characters"));
        Assert.True(allocated < 32 << 20, $"{allocated >> 20} MiB allocated");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Verify_ZipBombOf256MiB_BoundedMemory(bool declaredHonestly)
    {
        // 256 MiB of zeros deflate to 256 KiB; with honest headers the old reader kept it whole, lying ones it did not check.
        const long size = 256L << 20;
        var crc = new Crc32();
        using var deflated = new MemoryStream();
        using (var deflate = new DeflateStream(deflated, CompressionLevel.Optimal, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (var i = 0; i < size >> 20; i++)
            {
                deflate.Write(zeros);
                crc.Append(zeros);
            }
        }
        var bomb = new RawZip.Entry($"{root}/data/metadata/bomb.bin", [])
        {
            Deflate = true, Data = deflated.ToArray(), DeclaredSize = declaredHonestly ? size : 1000, DeclaredCrc = crc.GetCurrentHashAsUInt32(),
        };
        var zip = Raw(e => e, bomb);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var report = PackageVerifier.Verify(zip, key);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 32 << 20, $"{allocated >> 20} MiB allocated");
        Assert.Contains(report.Findings, declaredHonestly
            ? f => f.Kind == "extra" && f.Subject == "data/metadata/bomb.bin"
            : f => f.Kind == "zip" && f.Found == "more bytes than that; not read");
    }

    [Fact]
    public void Verify_ManifestOfManyMissingFiles_FindingsCapped()
    {
        // 100,000 lines naming files the bag does not have: each used to be a finding, and a line of output.
        var lines = string.Concat(Enumerable.Range(0, 100_000).Select(i => $"{new string('0', 64)}  data/evidence/{i}\n"));
        var zip = Raw(e => e.Name == $"{root}/manifest-sha256.txt" ? e with { Content = [.. e.Content, .. Encoding.UTF8.GetBytes(lines)] } : e);

        var report = PackageVerifier.Verify(zip, key);

        // At most 1,000 findings are listed (PackageVerifier.MaxFindings), then one that counts the rest.
        Assert.Equal(1001, report.Findings.Count);
        Assert.Equal(("limit", "findings"), (report.Findings[^1].Kind, report.Findings[^1].Subject));
        Assert.EndsWith("more, not listed", report.Findings[^1].Found, StringComparison.Ordinal);
    }

    // ---- The signer must be pinned from outside the package (issue 15, point 4) ----

    [Fact]
    public void Verify_NoPinnedKeyOrCa_SignerNotPinnedAndTheClaimedKeyShown()
    {
        var report = PackageVerifier.Verify(package);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(("key", "signer not pinned"), (finding.Kind, finding.Subject));
        Assert.Contains(key, finding.Found, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_PackageOfAnotherInstallationWithoutPin_NotClean()
    {
        // A package built by any other installation signs for itself: only a pinned key or CA tells them apart.
        await using var stranger = await Slice.StartAsync();
        var @case = await ReferralCase.CreateAsync(stranger);
        var foreign = (await stranger.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(stranger.Home, "f.zip")), Role.Prosecutor)).Path;

        Assert.Contains(PackageVerifier.Verify(foreign).Findings, f => f.Subject == "signer not pinned");
        Assert.Contains(PackageVerifier.Verify(foreign, key).Findings, f => f.Kind == "key");
    }

    /// <summary>
    /// A second directory and end record hidden in the zip comment: unzip and Python's zipfile take the last end record
    /// in the file, so they would read the hidden one while a reader that honours the first one's comment length reads
    /// the real one. A package carries no comment; any comment is refused.
    /// </summary>
    [Fact]
    public void Verify_EndRecordHiddenInTheZipComment_Refused()
    {
        var bytes = File.ReadAllBytes(package);
        var end = bytes[^22..];
        var hidden = bytes[..^2].Concat(BitConverter.GetBytes((ushort)end.Length)).Concat(end).ToArray();
        var path = Path.Combine(slice.Home, "comment.zip");
        File.WriteAllBytes(path, hidden);

        var report = PackageVerifier.Verify(path, key);

        // Read as unzip reads it (from the last end record), the first end record is bytes no header accounts for.
        Assert.False(report.Clean);
        Assert.Contains(report.Findings, f => f.Kind == "zip" && f.Subject == "central directory");
    }

    [Fact]
    public void Verify_ZipComment_Refused()
    {
        var bytes = File.ReadAllBytes(package);
        var commented = bytes[..^2].Concat(BitConverter.GetBytes((ushort)5)).Concat("hello"u8.ToArray()).ToArray();
        var path = Path.Combine(slice.Home, "commented.zip");
        File.WriteAllBytes(path, commented);

        var report = PackageVerifier.Verify(path, key);

        Assert.Contains(report.Findings, f => f.Kind == "zip" && f.Found.Contains("zip comment", StringComparison.Ordinal));
    }

    /// <summary>A folder entry where a file of the bag is: unzip creates the folder and never writes the testimony.</summary>
    [Fact]
    public void Verify_FolderEntryInAFilesPlace_OrOutsideTheBag_Found()
    {
        var evidence = PackageZip.Read(package).Keys.First(n => n.Contains("/data/evidence/", StringComparison.Ordinal));

        var inPlace = PackageVerifier.Verify(PackageZip.Write(Path.Combine(slice.Home, "folder.zip"),
            new[] { (evidence + "/", Array.Empty<byte>()) }.Concat(PackageZip.Read(package).Select(e => (e.Key, e.Value)))), key);
        var outside = PackageVerifier.Verify(Tampered((_, b) => b, ("zzz/", [])), key);

        Assert.Contains(inPlace.Findings, f => f.Kind == "zip" && f.Found == "a folder where a file of the bag is");
        Assert.Contains(outside.Findings, f => f.Kind == "zip" && f.Found == "a folder outside the bag");
    }

    /// <summary>Null or missing fields in the package's JSON are findings, not a crash (exit 134).</summary>
    [Theory]
    [InlineData("data/custody/proofs.jsonl", "{\"index\":0}\n")]
    [InlineData("data/custody/proofs.jsonl", "{\"index\":0,\"size\":1,\"leafHash\":\"00\",\"proof\":[null]}\n")]
    [InlineData("data/metadata/items.json", "[null]")]
    [InlineData("data/metadata/items.json", "[{}]")]
    public void Verify_NullsInThePackagesJson_FindingsNotACrash(string file, string content)
    {
        var report = PackageVerifier.Verify(Tampered((name, bytes) => name == $"{root}/{file}" ? System.Text.Encoding.UTF8.GetBytes(content) : bytes), key);

        Assert.False(report.Clean);
        Assert.Contains(report.Findings, f => f.Kind is "proof" or "metadata");
    }
}
