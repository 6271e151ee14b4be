using System.Globalization;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Domain;

namespace Evidence.Referrals;

/// <summary>
/// Verify's check of the home's package folder against the ledger: the files there are what prosecutors download, and
/// nothing else held them to their events. Each file a <c>PackageBuilt</c> or <c>PackageSealed</c> event names, when it is
/// there, must open (sealed under this installation's key, or in clear from before sealing) and have the SHA-256 and size of
/// the package as delivered that its event records; one in a version 1 envelope (not sealed for that SHA-256) is named. One the ledger says was kept sealed there (a <c>PackageSealed</c>
/// event, or a <c>PackageBuilt</c> event saying <c>kept</c> <c>sealed</c>) must be there, and sealed. A file no event names
/// is a finding too: a package nobody recorded, or one planted to be served. One hash pass per file.
/// </summary>
/// <remarks>
/// A <c>PackageBuilt</c> event from before <c>kept</c> was recorded (2026-12) does not say whether its file was kept here or
/// exported elsewhere (<c>package --out FILE</c>), so its file's absence is no finding; its presence is checked all the same.
/// </remarks>
internal static class KeptPackages
{
    /// <summary>What one event says of a package file: its name, the SHA-256 and size (when the event says) of the package as delivered, whether it must be here sealed.</summary>
    public sealed record Recorded(long Event, string File, string Sha256, long? Bytes, bool KeptSealed);

    /// <summary>The package file <paramref name="e"/> records, added to <paramref name="into"/>; nothing for other events.</summary>
    public static void Note(CustodyEvent e, IReadOnlyDictionary<string, string> details, List<Recorded> into)
    {
        if (e.Action is not ("PackageBuilt" or "PackageSealed") || details.GetValueOrDefault("file") is not { } file || e.Sha256 is not { } sha256)
        {
            return;
        }
        if (e.Action == "PackageSealed")
        {
            // Its sha256 is the package as delivered, as its PackageBuilt event recorded it; the size is that event's.
            into.Add(new Recorded(e.Sequence, file, sha256, null, KeptSealed: true));
            return;
        }
        var encrypted = details.GetValueOrDefault("encryptedSha256");
        var bytes = encrypted is null ? details.GetValueOrDefault("bytes") : details.GetValueOrDefault("encryptedBytes");
        into.Add(new Recorded(e.Sequence, file, encrypted ?? sha256,
            long.TryParse(bytes, NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size : null,
            details.GetValueOrDefault("kept") == "sealed"));
    }

    public static async Task CheckAsync(string folder, IReadOnlyList<Recorded> recorded, IKeyEncryptionKey kek, DateTimeOffset now, List<Finding> findings,
        CancellationToken cancellationToken)
    {
        // A name that is not a plain file name is never opened: a forged event must not make verify read outside the folder.
        var byName = recorded.Where(r => Backup.BackupFile.PackageFileProblem(r.File) is null).ToLookup(r => r.File, StringComparer.Ordinal);
        foreach (var named in byName.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var path = Path.Combine(folder, named.Key);
            var kept = named.FirstOrDefault(r => r.KeptSealed);
            if (!File.Exists(path))
            {
                if (kept is not null)
                {
                    findings.Add(new Finding("package", named.Key, $"the package file event #{kept.Event} records, sealed in the package folder", "no such file: it was removed"));
                }
                continue;
            }
            // Never opened unless a plain file with bytes: a link (to /dev/zero, say) or a FIFO would have verify read for ever.
            var info = new FileInfo(path);
            if (info.LinkTarget is not null || info.Length == 0)
            {
                findings.Add(new Finding("package", named.Key, $"the package event #{named.First().Event} records, as a file",
                    info.LinkTarget is not null ? "a link: the package folder holds files" : "an empty file, or no plain file"));
                continue;
            }
            string sha256;
            long bytes;
            bool encrypted;
            bool sealedForPackage;
            try
            {
                await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
                var opened = await BlobEnvelope.OpenAsync(file, named.First().Sha256, kek, cancellationToken);
                await using var content = opened.Content;
                (sha256, bytes) = await SealedPackages.HashAsync(content, cancellationToken);
                encrypted = opened.Encrypted;
                sealedForPackage = opened.SealedForAddress;
            }
            catch (DamagedBlobException e)
            {
                findings.Add(new Finding("package", named.Key, $"the package event #{named.First().Event} records, sealed under this installation's key",
                    $"a file that does not open: {e.Message}"));
                continue;
            }
            var match = named.FirstOrDefault(r => r.Sha256 == sha256 && (r.Bytes is null || r.Bytes == bytes));
            if (match is null)
            {
                var expected = named.First();
                findings.Add(new Finding("package", named.Key,
                    $"sha256 {expected.Sha256}{(expected.Bytes is { } size ? $", {size} bytes" : "")} (as event #{expected.Event} records it)",
                    $"sha256 {sha256}, {bytes} bytes: not the package its event recorded"));
            }
            else if (!encrypted && kept is not null)
            {
                findings.Add(new Finding("package", named.Key, $"its bytes sealed at rest, as event #{kept.Event} records", "its bytes stored in clear"));
            }
            else if (encrypted && !sealedForPackage)
            {
                // Intact, but in an envelope that would open as well under any other package's name (how packages were sealed
                // before version 2, or put back so from an old copy): encrypt-existing seals it again.
                findings.Add(new Finding("package", named.Key, "an envelope sealed for the package it holds (version 2)",
                    "a version 1 envelope, not sealed for the package it holds: run `evidence encrypt-existing`"));
            }
        }
        if (!Directory.Exists(folder))
        {
            return;
        }
        foreach (var path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            // A build in progress writes NAME.partial-ID and renames it when it commits; start-up clean-up removes one left by a crash.
            if (byName.Contains(name) || name.Contains(".partial-", StringComparison.Ordinal))
            {
                continue;
            }
            var written = File.GetLastWriteTimeUtc(path);
            if (written > now.UtcDateTime - Recovery.UnrecordedBlobs.InFlight && written <= now.UtcDateTime + TimeSpan.FromMinutes(5))
            {
                continue; // renamed by a commit that is recording its event now
            }
            findings.Add(new Finding("package", Finding.Cut(Text.Display.Text(name)), "a package file a PackageBuilt event records", "a file no custody event records"));
        }
    }
}
