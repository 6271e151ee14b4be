using Evidence.Storage;

namespace Evidence.Crypto;

/// <summary>
/// The ledger's signing key in the home's key folder, and its replacement when the key is rotated
/// (<c>Custody/RotateLedgerKey.cs</c>). The current key is <c>keys/ledger-ed25519.pem</c>. A rotation writes its new key
/// beside it as <c>ledger-ed25519.next-&lt;key id&gt;.pem</c> before anything is recorded, and once the <c>KeyRotated</c>
/// event has committed, <see cref="Adopt"/> renames that file over the current one and overwrites the old key's bytes:
/// the old private key is destroyed, not archived (docs/ledger.md, "Key rotation", says why).
/// <para>
/// Which key is current is decided by the ledger, not here: <c>Ledger.SigningKeyAsync</c> adopts the key the latest
/// <c>KeyRotated</c> event names, so a process that did not rotate (the web app, while the command line rotated), or one
/// that crashed between the commit and the rename, picks the new key up before it signs anything. This class only holds
/// the key in memory and follows the file: when another process on this host has renamed a new key into place, the next
/// read of <see cref="Current"/> loads it.
/// </para>
/// </summary>
public sealed class LedgerKeys
{
    public const string FileName = "ledger-ed25519.pem";

    private readonly string folder;
    private readonly string name;
    private readonly object gate = new();

    // The key and the file time it was read at, replaced whole: readers outside the lock see one or the other.
    private volatile Held current;

    private sealed record Held(NoteSigner Signer, DateTime WrittenAt);

    private LedgerKeys(string folder, string name, NoteSigner signer)
    {
        this.folder = folder;
        this.name = name;
        current = new Held(signer, File.GetLastWriteTimeUtc(CurrentPath));
    }

    /// <summary>Loads the current key, or creates the home's first key (see <see cref="NoteSigner.LoadOrCreate"/>).</summary>
    public static LedgerKeys LoadOrCreate(string folder, string name)
    {
        var path = Path.Combine(folder, FileName);
        try
        {
            return new(folder, name, NoteSigner.LoadOrCreate(path, name));
        }
        catch (Requests.InvalidRequestException)
        {
            // A rotation in another process may have renamed the new key into place and overwritten the old key's bytes
            // while this read them: the file now holds the new key. Read once more; a file that is really damaged fails again.
            Thread.Sleep(100);
            return new(folder, name, NoteSigner.LoadOrCreate(path, name));
        }
    }

    private string CurrentPath => Path.Combine(folder, FileName);

    /// <summary>Where a rotation keeps its new key until the rotation is recorded.</summary>
    private string PendingPath(NoteVerifier key) => Path.Combine(folder, $"ledger-ed25519.next-{Convert.ToHexStringLower(key.KeyId)}.pem");

    /// <summary>
    /// The key this process signs with: the one in <c>keys/ledger-ed25519.pem</c>, reloaded when the file has been replaced
    /// since it was read (a rotation in another process). A file that has gone or cannot be read leaves the key in memory
    /// as it was: a key is never created here, and the ledger refuses to sign with one that did not sign its latest checkpoint.
    /// </summary>
    public NoteSigner Current
    {
        get
        {
            var held = current;
            DateTime writtenAt;
            try
            {
                writtenAt = File.GetLastWriteTimeUtc(CurrentPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return held.Signer;
            }
            if (writtenAt == held.WrittenAt)
            {
                return held.Signer;
            }
            lock (gate)
            {
                try
                {
                    current = new Held(NoteSigner.Load(CurrentPath, name), writtenAt);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or Requests.InvalidRequestException)
                {
                    // Half-way through a replacement by hand, or gone: keep what was read before.
                }
                return current.Signer;
            }
        }
    }

    /// <summary>
    /// A new key for a rotation, written (owner-only, flushed to disk) under its pending name before the rotation is
    /// recorded: once the <c>KeyRotated</c> event commits, the ledger can be signed with nothing else, so the key must
    /// already be on disk.
    /// </summary>
    public NoteSigner CreateNext()
    {
        var next = NoteSigner.Generate(name);
        KeyFiles.UnderCreationLock(folder, () => KeyFiles.Write(PendingPath(next.Verifier), next.Pem()));
        return next;
    }

    /// <summary>Removes a rotation's new key when its rotation was refused before it could be recorded: it never signed anything.</summary>
    public void DiscardNext(NoteVerifier next) => KeyFiles.UnderCreationLock(folder, () => File.Delete(PendingPath(next)));

    /// <summary>
    /// Makes <paramref name="key"/> the key this installation signs with, once the ledger has recorded its rotation:
    /// the key file already holds it (another process adopted it), or its pending file is renamed over the current key,
    /// whose bytes are then overwritten. Null when the key folder holds no such key (another server rotated it).
    /// Under the key folder's lock, so that two processes adopting at once do not both rename.
    /// </summary>
    public NoteSigner? Adopt(NoteVerifier key)
    {
        NoteSigner? adopted = null;
        lock (gate)
        {
            KeyFiles.UnderCreationLock(folder, () =>
            {
                var onDisk = File.Exists(CurrentPath) ? NoteSigner.Load(CurrentPath, name) : null;
                if (onDisk?.Verifier.VerifierKey == key.VerifierKey)
                {
                    adopted = onDisk;
                    return;
                }
                var pending = PendingPath(key);
                if (!File.Exists(pending) || NoteSigner.Load(pending, name) is not { } next || next.Verifier.VerifierKey != key.VerifierKey)
                {
                    return;
                }
                ReplaceDestroyingOld(pending);
                adopted = next;
            });
            if (adopted is not null)
            {
                current = new Held(adopted, File.GetLastWriteTimeUtc(CurrentPath));
            }
        }
        return adopted;
    }

    /// <summary>
    /// Renames <paramref name="pending"/> over the current key file in one step (a crash leaves the old key or the new one,
    /// never neither), then overwrites the old key's bytes through a handle opened before the rename, and flushes them.
    /// On a journaling or copy-on-write file system, an SSD, or in a backup taken earlier, copies of the old bytes may
    /// survive; docs/ledger.md says so.
    /// </summary>
    private void ReplaceDestroyingOld(string pending)
    {
        FileStream? old = null;
        try
        {
            old = File.Exists(CurrentPath)
                ? new FileStream(CurrentPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            old = null; // it is replaced all the same; only its bytes stay where they were
        }
        using (old)
        {
            File.Move(pending, CurrentPath, overwrite: true);
            OwnerOnly.Tighten(CurrentPath, OwnerOnly.FilePermissions);
            if (old is not null)
            {
                old.Position = 0;
                old.Write(new byte[old.Length]);
                old.Flush(flushToDisk: true);
            }
        }
    }
}
