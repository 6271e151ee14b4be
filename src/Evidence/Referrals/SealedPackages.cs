using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Referrals;

/// <summary>
/// The packages kept in the home's package folder (the web app builds them there and prosecutors download them from there)
/// hold children's testimonies, so each file there is sealed at rest as an evidence blob is: one envelope
/// (<see cref="BlobEnvelope"/>) under the installation's key-encryption key. What a package is recorded by, served as and
/// checked against is the package as delivered: the zip, or the <c>.p7m</c> of a package encrypted to its recipient, whose
/// SHA-256 and size its <c>PackageBuilt</c> event holds. A package written anywhere else (<c>package --out FILE</c>) is an
/// export the user chose, to hand to its recipient: it stays as delivered. Files the folder held in clear before sealing
/// are read as they are, and <c>evidence encrypt-existing</c> seals them (<see cref="SealInPlaceAsync"/>).
/// </summary>
internal static class SealedPackages
{
    /// <summary>Whether a package written at <paramref name="path"/> is kept sealed: it is a file of the home's package folder.</summary>
    public static bool IsKept(string path, EvidenceSettings settings) =>
        string.Equals(Path.GetDirectoryName(Path.GetFullPath(path)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(settings.PackageFolder)), StringComparison.Ordinal);

    /// <summary>
    /// The SHA-256 and size of the package as delivered: the zip's (the row's, which verify holds to its <c>PackageBuilt</c>
    /// event), or for a package encrypted to its recipient the <c>.p7m</c>'s, which only its event holds.
    /// </summary>
    public static async Task<(string Sha256, long Bytes)> DeliveredAsync(EvidenceDbContext db, ReferralPackage package, CancellationToken cancellationToken)
    {
        if (!IsEncryptedToRecipient(package))
        {
            return (package.Sha256, package.Bytes);
        }
        var id = package.Id.ToString();
        var leaves = await db.CustodyEvents.AsNoTracking().Where(e => e.Action == "PackageBuilt" && e.Sha256 == package.Sha256).Select(e => e.Leaf).ToListAsync(cancellationToken);
        foreach (var leaf in leaves)
        {
            if (CustodyLeaf.Parse(leaf) is { } built && JsonSerializer.Deserialize<Dictionary<string, string>>(built.Details) is { } details
                && details.GetValueOrDefault("package") == id && details.GetValueOrDefault("encryptedSha256") is { Length: 64 } sha256
                && long.TryParse(details.GetValueOrDefault("encryptedBytes"), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
            {
                return (sha256, bytes);
            }
        }
        throw new UnavailableException($"Referral package {package.Id} is encrypted, but its custody event does not say what was encrypted; " +
                                       "nothing was handed over. Run `evidence verify` and report it.");
    }

    /// <summary>A package encrypted to its recipient: a CMS envelope (.p7m) that only the recipient's key opens.</summary>
    public static bool IsEncryptedToRecipient(ReferralPackage package) => package.FileName.EndsWith(".p7m", StringComparison.Ordinal);

    /// <summary>
    /// The package at <paramref name="path"/> as delivered, from its first byte, once it has been read through and found to be
    /// exactly <paramref name="delivered"/>: a package sealed here opens whole (every chunk authenticates), and sealed or
    /// from before sealing, its bytes have the SHA-256 and size its event recorded. So a damaged or swapped file is refused
    /// before a byte is handed over, never cut off half-way or served as other bytes. The file is read through the handle
    /// returned, so a file put in its place afterwards is not what is served.
    /// </summary>
    public static async Task<Stream> OpenCheckedAsync(string path, Guid id, (string Sha256, long Bytes) delivered, IKeyEncryptionKey kek, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        Stream content = file;
        try
        {
            (string Sha256, long Bytes) found;
            try
            {
                content = (await BlobEnvelope.OpenAsync(file, delivered.Sha256, kek, cancellationToken)).Content;
                found = await HashAsync(content, cancellationToken);
                content.Position = 0;
            }
            catch (DamagedBlobException e)
            {
                throw new DamagedBlobException($"Referral package {id} does not open as it was sealed in the package folder (altered, cut short, or sealed under another key); " +
                                               "nothing was handed over. Restore it from a backup, or build the package again.", e);
            }
            if (found != delivered)
            {
                throw new DamagedBlobException($"Referral package {id} in the package folder is not the file its PackageBuilt event recorded " +
                                               $"(SHA-256 {delivered.Sha256}, {delivered.Bytes} bytes); nothing was handed over. Restore it from a backup, or build the package again.");
            }
            return content;
        }
        catch
        {
            await content.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Seals a package file kept in clear (before sealing existed, or put back so), or in a version 1 envelope (not sealed for
    /// the package it holds): read, checked against <paramref name="delivered"/> while it is sealed into a new file beside it
    /// (owner-only, under a <c>.partial-</c> name the start-up clean-up knows), which then takes its place in one rename, on
    /// the disk before this returns. False when it is sealed already (version 2). A file that is not the package its event
    /// recorded is refused with <see cref="DamagedBlobException"/> and left as it is.
    /// </summary>
    public static async Task<bool> SealInPlaceAsync(string path, Guid id, (string Sha256, long Bytes) delivered, IKeyEncryptionKey kek, CancellationToken cancellationToken)
    {
        var partial = $"{path}.partial-{Guid.NewGuid():N}";
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous))
        {
            // Only the header is read here: a version 2 envelope is left as it is (a download or verify checks what it holds).
            var opened = await BlobEnvelope.OpenAsync(file, delivered.Sha256, kek, cancellationToken);
            await using var source = opened.Content;
            if (opened.SealedForAddress)
            {
                return false;
            }
            // Held open until it is renamed: the start-up clean-up of another process leaves a partial file that is held.
            await using var sealedFile = Storage.OwnerOnly.CreateNew(partial, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
            try
            {
                using (var sealing = new SealingStream(sealedFile, kek))
                {
                    var (sha256, bytes) = await HashAsync(source, cancellationToken, copyTo: sealing);
                    if (sha256 != delivered.Sha256 || bytes != delivered.Bytes)
                    {
                        throw new DamagedBlobException($"Referral package {id} in the package folder is not the file its PackageBuilt event recorded " +
                                                       $"(SHA-256 {delivered.Sha256}, {delivered.Bytes} bytes); it was left as it is.");
                    }
                    sealing.Finish(delivered.Sha256);
                }
                // rename(2) replaces the file in clear in one step; the sealed one is on the disk first, since the other is gone after it.
                sealedFile.Flush(flushToDisk: true);
                File.Move(partial, path, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }
        }
        MakeDurable(path);
        return true;
    }

    internal static async Task<(string Sha256, long Bytes)> HashAsync(Stream content, CancellationToken cancellationToken, Stream? copyTo = null)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long bytes = 0;
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            sha256.AppendData(buffer, 0, read);
            copyTo?.Write(buffer, 0, read);
            bytes += read;
        }
        return (Convert.ToHexStringLower(sha256.GetHashAndReset()), bytes);
    }

    // The rename must be on the disk before the event that says the package is sealed: on Linux one syncfs (the name and
    // the bytes); elsewhere the file was flushed before its rename.
    private static void MakeDurable(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        if (SyncFileSystem((int)handle.DangerousGetHandle()) != 0)
        {
            throw new IOException($"syncfs failed with error {Marshal.GetLastPInvokeError()}; the sealed package may not be on the disk.");
        }
    }

    // The same call as the blob folder's and the backup's; each folder keeps its own declaration rather than share a P/Invoke across features.
    [DllImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static extern int SyncFileSystem(int fileDescriptor);
}
