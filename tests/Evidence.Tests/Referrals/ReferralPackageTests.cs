using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text;
using Evidence.Cases;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Referrals;

/// <summary>BuildReferralPackage through the mediator on a real SQLite file and blob folder; packages checked with our verifier and with standard tools.</summary>
public sealed class ReferralPackageTests : IAsyncLifetime
{
    private Slice slice = null!;
    private ReferralCase @case = null!;

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        @case = await ReferralCase.CreateAsync(slice);
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private string Out(string name = "package.zip") => Path.Combine(slice.Home, name);

    private Task<PackageRecord> BuildAsync(string? path = null, RecipientKind recipient = RecipientKind.Icc, Guid? perpetrator = null,
        IReadOnlyList<Guid>? ids = null, bool identities = false, Role role = Role.Prosecutor, string? encryptTo = null) =>
        slice.SendAsync(new BuildReferralPackage(@case.Incident, recipient, path ?? Out(), perpetrator, ids, identities, RecipientReference: "REF-1", EncryptTo: encryptTo),
            role, "test-prosecutor");

    private async Task<string> KeyAsync() => await slice.SendAsync(new GetVerifierKey(), Role.Auditor);

    [Fact]
    public async Task Build_TaggedEvidence_SignedBagThatVerifiesClean()
    {
        var package = await BuildAsync();

        Assert.Equal(3, package.Items);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(package.Path))), package.Sha256);
        var report = PackageVerifier.Verify(package.Path, await KeyAsync());
        Assert.True(report.Clean, string.Join("\n", report.Findings));
        Assert.Equal(package.Id.ToString(), report.PackageId);
        Assert.Equal(3, report.Items);
        Assert.True(report.Events >= 6); // each item's Ingested and Tagged events

        var entries = PackageZip.Read(package.Path).Keys.Select(k => k[(k.IndexOf('/') + 1)..]).ToHashSet();
        Assert.Contains("bagit.txt", entries);
        Assert.Contains("data/evidence/UKR-EVD-0001-0001_zvit_svidka.txt", entries);
        Assert.Contains("data/evidence/UKR-EVD-0001-0002_gpj.exe", entries); // the direction override is gone from the bag name
        Assert.Contains("data/evidence/UKR-EVD-0001-0003_cmd_x.csv", entries);
        Assert.Contains("data/README.html", entries);
        Assert.Contains("tagmanifest-sha256.txt.p7s", entries);
    }

    [Fact]
    public async Task Build_RecordsExportedEventsAndThePackageHash()
    {
        var before = await slice.CountCustodyEventsAsync();

        var package = await BuildAsync();

        var events = await slice.QueryAsync(db => db.CustodyEvents.Where(e => e.Sequence >= before).OrderBy(e => e.Sequence).ToListAsync());
        Assert.Equal(["Exported", "Exported", "Exported", "PackageBuilt"], events.Select(e => e.Action));
        Assert.All(events.Take(3), e => Assert.Contains(package.Id.ToString(), e.Details, StringComparison.Ordinal));
        Assert.Equal(@case.Items.Select(i => i.Id).Order(), events.Take(3).Select(e => e.EvidenceId!.Value).Order());
        Assert.Equal(package.Sha256, events[3].Sha256);
        var record = await slice.QueryAsync(db => db.ReferralPackages.SingleAsync());
        Assert.Equal((package.Sha256, 3, RecipientKind.Icc, "REF-1"), (record.Sha256, record.Items, record.Recipient, record.RecipientReference));
        Assert.Equal(before, record.CheckpointSize);
        Assert.True((await slice.SendAsync(new VerifyCustody(), Role.Auditor)).Clean);
    }

    [Fact]
    public async Task Build_StandardTools_BagValidAndCmsVerifiesWithOpenssl()
    {
        var package = await BuildAsync();
        var folder = Path.Combine(slice.Home, "unzipped");
        ZipFile.ExtractToDirectory(package.Path, folder);
        var bag = Path.Combine(folder, $"referral-{package.Id:N}");

        var check = await StandardTools.BagCheckAsync(bag);
        Assert.True(check.Exit == 0, check.Out + check.Err);
        var openssl = await StandardTools.CmsVerifyAsync(bag);
        Assert.True(openssl.Exit == 0, openssl.Err);
        Assert.Contains("Verification successful", openssl.Err, StringComparison.Ordinal);

        // The same signature over a changed tag manifest is refused by openssl too.
        await File.AppendAllTextAsync(Path.Combine(bag, "tagmanifest-sha256.txt"), " ");
        var tampered = await StandardTools.CmsVerifyAsync(bag);
        Assert.NotEqual(0, tampered.Exit);
    }

    [Fact]
    public async Task Build_VictimsByPseudonymOnly_NameNowhereInThePackage()
    {
        var package = await BuildAsync();

        var all = PackageZip.Read(package.Path);
        Assert.DoesNotContain(all, e => Encoding.UTF8.GetString(e.Value).Contains(ReferralCase.ChildName, StringComparison.Ordinal));
        Assert.DoesNotContain(all.Keys, k => k.EndsWith("identities.json", StringComparison.Ordinal));
        var items = JsonDocument.Parse(all.Single(e => e.Key.EndsWith("data/metadata/items.json", StringComparison.Ordinal)).Value);
        Assert.Contains(items.RootElement.EnumerateArray(), i => i.GetProperty("victims").EnumerateArray().Any(v => v.GetString() == @case.Victim));
        Assert.Empty(await slice.QueryAsync(db => db.CustodyEvents.Where(e => e.Action == "IdentityRevealed").ToListAsync()));
    }

    [Fact]
    public async Task Build_IdentitiesRequested_IncludedEncryptedAndEachRevealRecorded()
    {
        var recipient = await RecipientKey.CreateAsync(Path.Combine(slice.Home, "recipient"), "icc");
        var package = await BuildAsync(identities: true, encryptTo: recipient.Certificate);

        var zip = await recipient.OpenAsync(package.Path);
        var identities = PackageZip.Read(zip).Single(e => e.Key.EndsWith("data/metadata/identities.json", StringComparison.Ordinal));
        Assert.Contains(ReferralCase.ChildName, Encoding.UTF8.GetString(identities.Value), StringComparison.Ordinal);
        var reveal = await slice.QueryAsync(db => db.CustodyEvents.SingleAsync(e => e.Action == "IdentityRevealed"));
        Assert.Contains(package.Id.ToString(), reveal.Details, StringComparison.Ordinal);
        Assert.Equal("test-prosecutor", reveal.Actor);
        Assert.True(PackageVerifier.Verify(zip, await KeyAsync()).Clean);
    }

    [Fact]
    public async Task Build_IdentitiesForAnOfficeWithoutACertificate_RefusedWithNothingRecorded()
    {
        var before = await slice.QueryAsync(db => db.CustodyEvents.CountAsync());

        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Out(),
            IncludeIdentities: true, EncryptToOffice: true), Role.Prosecutor, "test-prosecutor"));

        Assert.Equal("Identities travel only in a package encrypted to its recipient, and Office of the Prosecutor, International Criminal Court has no certificate " +
                     "registered. An administrator registers it: `evidence recipient certificate icc CERT.pem`.", refused.Message);
        Assert.False(File.Exists(Out()) || File.Exists(Out() + ".p7m"));
        Assert.Equal(before, await slice.QueryAsync(db => db.CustodyEvents.CountAsync()));
    }

    /// <summary>
    /// The office's certificate in force is the one its latest registration event names, file and fingerprint: a file
    /// swapped for another certificate (an insider's, to read what is sent) or removed refuses the package, nothing
    /// exported; a file planted under a name no event gives is never used.
    /// </summary>
    [Fact]
    public async Task Build_EncryptToOffice_UsesTheRegisteredCertificate_AndRefusesOneSwappedOrRemoved()
    {
        var keys = Path.Combine(slice.Home, "recipient");
        var office = await RecipientKey.CreateAsync(keys, "icc", "P-256", "keyAgreement");
        var insider = await RecipientKey.CreateAsync(keys, "insider");
        var planted = Path.Combine(slice.Settings.KeyFolder, "recipients", "national", await insider.FingerprintAsync() + ".pem");
        Directory.CreateDirectory(Path.GetDirectoryName(planted)!);
        File.Copy(insider.Certificate, planted);
        var registered = await slice.SendAsync(new RegisterRecipientCertificate(RecipientKind.Icc, office.Certificate), Role.Admin, "admin");
        var stored = Path.Combine(slice.Settings.KeyFolder, "recipients", "icc", registered.Fingerprint + ".pem");

        var package = await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Out("icc.zip"), EncryptToOffice: true), Role.Prosecutor, "test-prosecutor");
        var national = await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.National, Out("national.zip"), EncryptToOffice: true), Role.Prosecutor, "test-prosecutor");

        Assert.Equal(await office.FingerprintAsync(), registered.Fingerprint);
        Assert.Equal(registered.Fingerprint, package.Encrypted?.Certificate);
        Assert.True(PackageVerifier.Verify(await office.OpenAsync(package.Path), await KeyAsync()).Clean);
        Assert.Null(national.Encrypted); // the planted file is named by no event
        Assert.EndsWith("national.zip", national.Path, StringComparison.Ordinal);

        var before = await slice.QueryAsync(db => db.CustodyEvents.CountAsync());
        File.Copy(insider.Certificate, stored, overwrite: true);
        var swapped = await Assert.ThrowsAsync<UnavailableException>(() => slice.SendAsync(
            new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Out("swapped.zip"), IncludeIdentities: true, EncryptToOffice: true), Role.Prosecutor, "test-prosecutor"));
        File.Delete(stored);
        var removed = await Assert.ThrowsAsync<UnavailableException>(() => slice.SendAsync(
            new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Out("removed.zip"), EncryptToOffice: true), Role.Prosecutor, "test-prosecutor"));

        Assert.Contains($"is not the one registered (SHA-256 {registered.Fingerprint}): its bytes were changed; nothing was exported", swapped.Message, StringComparison.Ordinal);
        Assert.Contains($"(SHA-256 {registered.Fingerprint}) is missing from the key folder; nothing was exported", removed.Message, StringComparison.Ordinal);
        Assert.Equal(before, await slice.QueryAsync(db => db.CustodyEvents.CountAsync()));
        Assert.Empty(Directory.GetFiles(slice.Home, "swapped.zip*").Concat(Directory.GetFiles(slice.Home, "removed.zip*")));
    }

    [Fact]
    public async Task Build_AsAuditor_ForbiddenAndTheRefusalRecorded()
    {
        await Assert.ThrowsAsync<ForbiddenException>(() => BuildAsync(identities: true, role: Role.Auditor, encryptTo: Path.Combine(slice.Home, "recipient.pem")));

        Assert.False(File.Exists(Out()));
        var denied = await slice.QueryAsync(db => db.CustodyEvents.SingleAsync(e => e.Action == "AccessDenied"));
        Assert.Contains("BuildReferralPackage", denied.Details, StringComparison.Ordinal);
        Assert.Contains("requested", denied.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_SameItemsAgain_KeepTheirErnsAndNewItemsOpenTheNextBatch()
    {
        await BuildAsync(Out("first.zip"));
        var extra = await slice.SendAsync(new IngestEvidence(slice.File("later.txt", "a later statement"u8.ToArray()), "Investigator A"));
        await slice.SendAsync(new TagEvidence(extra.Id, @case.Incident));

        var second = await BuildAsync(Out("second.zip"), RecipientKind.National);

        var numbers = await slice.QueryAsync(db => db.RegistrationNumbers.ToDictionaryAsync(r => r.EvidenceId, r => r.Ern));
        Assert.Equal("UKR-EVD-0001-0001", numbers[@case.Items[0].Id]);
        Assert.Equal("UKR-EVD-0002-0001", numbers[extra.Id]);
        var entries = PackageZip.Read(second.Path).Keys;
        Assert.Contains(entries, k => k.EndsWith("data/evidence/UKR-EVD-0001-0001_zvit_svidka.txt", StringComparison.Ordinal));
        var bagInfo = Encoding.UTF8.GetString(PackageZip.Read(second.Path).Single(e => e.Key.EndsWith("/bag-info.txt", StringComparison.Ordinal)).Value);
        Assert.Contains("Office of the Prosecutor General of Ukraine", bagInfo, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_ByPerpetrator_OnlyThatPerpetratorsItems()
    {
        var package = await BuildAsync(perpetrator: @case.Official);

        Assert.Equal(1, package.Items);
        Assert.Single(PackageZip.Read(package.Path).Keys, k => k.Contains("/data/evidence/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Build_EvidenceNotTaggedToTheIncident_RefusedNothingWritten()
    {
        var untagged = await slice.SendAsync(new IngestEvidence(slice.File("other.txt", "unrelated"u8.ToArray()), "Investigator A"));
        var before = await slice.CountCustodyEventsAsync();

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => BuildAsync(ids: [@case.Items[0].Id, untagged.Id]));

        Assert.Contains(untagged.Id.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await slice.CountCustodyEventsAsync());
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(Path.GetFullPath(Out()))!, "*.zip*"));
    }

    [Fact]
    public async Task Build_IncidentWithoutEvidence_RefusedWithAClearMessage()
    {
        var empty = await slice.SendAsync(new CreateIncident("Another incident", IncidentKind.Camp, "2023", "Yevpatoria", [ReferralCase.Deportation]));

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            slice.SendAsync(new BuildReferralPackage(empty, RecipientKind.Icc, Out()), Role.Prosecutor));

        Assert.Contains("nothing to package", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Out()));
        Assert.Empty(await slice.QueryAsync(db => db.RegistrationNumbers.ToListAsync()));
    }

    [Fact]
    public async Task Build_OutputExists_RefusedAndTheExistingFileUntouched()
    {
        await File.WriteAllTextAsync(Out(), "an earlier package");

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => BuildAsync());

        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
        Assert.Equal("an earlier package", await File.ReadAllTextAsync(Out()));
    }

    [Fact]
    public async Task Build_StoredBytesAltered_RefusedNoPackageNoExportNoPartialFile()
    {
        var blob = Directory.GetFiles(Path.Combine(slice.Settings.BlobFolder, "sha256"), @case.Items[1].Sha256, SearchOption.AllDirectories).Single();
        File.SetAttributes(blob, FileAttributes.Normal);
        await File.WriteAllTextAsync(blob, "order to transfer the childreN");
        var before = await slice.CountCustodyEventsAsync();

        var error = await Assert.ThrowsAsync<UnavailableException>(() => BuildAsync());

        Assert.Contains(@case.Items[1].Id.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await slice.CountCustodyEventsAsync());
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(Path.GetFullPath(Out()))!, "package.zip*"));
        Assert.Empty(await slice.QueryAsync(db => db.ReferralPackages.ToListAsync()));
    }

    [Fact]
    public async Task Start_PackageFilesACrashLeftUnrecorded_AreRemoved_RecordedAndInProgressOnesKept()
    {
        var folder = slice.Settings.PackageFolder;
        Directory.CreateDirectory(folder);
        var recorded = await BuildAsync(Path.Combine(folder, $"{Guid.NewGuid()}.zip"));
        // Renamed but never recorded (killed between the rename and the commit), and never finished (killed while writing).
        var renamed = Path.Combine(folder, $"{Guid.NewGuid()}.zip");
        File.Copy(recorded.Path, renamed);
        var abandoned = Path.Combine(folder, $"{Guid.NewGuid()}.zip.partial-{Guid.NewGuid():N}");
        File.WriteAllBytes(abandoned, [0x50, 0x4b]);
        var notAPackage = Path.Combine(folder, "notes.txt");
        File.WriteAllText(notAPackage, "kept: not a package file");
        // Another process still writing its package holds the file open.
        var building = Path.Combine(folder, $"{Guid.NewGuid()}.zip.partial-{Guid.NewGuid():N}");
        await using var writer = new FileStream(building, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);

        await EvidenceServices.PrepareAsync(slice.Services, CancellationToken.None);

        Assert.True(File.Exists(recorded.Path));
        Assert.False(File.Exists(renamed));
        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(notAPackage));
        Assert.True(File.Exists(building));
    }

    [Fact]
    public async Task Start_EncryptedPackageFilesACrashLeftUnrecorded_AreRemoved_TheRecordedOneKept()
    {
        var folder = slice.Settings.PackageFolder;
        Directory.CreateDirectory(folder);
        var recipient = await RecipientKey.CreateAsync(Path.Combine(slice.Home, "recipient"), "icc", "P-256", "keyAgreement");
        var recorded = await BuildAsync(Path.Combine(folder, $"{Guid.NewGuid()}.zip"), encryptTo: recipient.Certificate);
        var renamed = Path.Combine(folder, $"{Guid.NewGuid()}.zip.p7m");
        File.Copy(recorded.Path, renamed);
        // The scrambled zip of a build killed half-way: unreadable, and not left lying around either.
        var scratch = Path.Combine(folder, $"{Guid.NewGuid()}.zip.p7m.partial-{Guid.NewGuid():N}.scratch");
        File.WriteAllBytes(scratch, RandomNumberGenerator.GetBytes(64));

        await EvidenceServices.PrepareAsync(slice.Services, CancellationToken.None);

        Assert.EndsWith(".zip.p7m", recorded.Path, StringComparison.Ordinal);
        Assert.True(File.Exists(recorded.Path));
        Assert.False(File.Exists(renamed));
        Assert.False(File.Exists(scratch));
    }
}
