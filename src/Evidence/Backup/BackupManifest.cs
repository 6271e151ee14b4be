using System.Globalization;
using System.Text;
using Evidence.Custody;
using Evidence.Storage;

namespace Evidence.Backup;

/// <summary>
/// A backup's <c>manifest.txt</c>: what the backup holds, each file with its SHA-256, as a signed note signed by the ledger's
/// key. It is written last, so a backup without one is incomplete. The body:
/// <code>
/// evidence backup v1
/// ledger evidence.local/ledger
/// key evidence.local/ledger+1a2b3c4d+AQ…
/// database sqlite
/// blobs folder
/// created 2026-12-01T09:30:00Z
/// ledger-size 1234
/// ledger-root base64 root of the checkpoint of that size
/// 9f86d08…  evidence.db
/// 3a7bd3e…  keys.enc
/// …
/// </code>
/// then a blank line and the signature line. The file lines are <c>sha256sum</c>'s, so
/// <c>grep -E '^[0-9a-f]{64}  ' manifest.txt | sha256sum -c</c> in the backup folder checks them without our code.
/// </summary>
internal sealed record BackupManifest(string Ledger, string VerifierKey, string Database, string Blobs, DateTime CreatedUtc, long LedgerSize, string LedgerRoot,
    IReadOnlyList<BackupFile> Files)
{
    public const string FileName = "manifest.txt";
    public const string DatabaseFile = "evidence.db";

    /// <summary>The list of the blobs an Azure store holds for the backup (they are copied Azure-side, not into the backup).</summary>
    public const string AzureBlobList = "azure-blobs.txt";

    private const string FirstLine = "evidence backup v1";

    /// <summary>A manifest of a million blobs is about 100 MB; a bigger file is not one this code wrote.</summary>
    public const long MaxBytes = 256L << 20;

    public string Body
    {
        get
        {
            var body = new StringBuilder();
            body.Append(CultureInfo.InvariantCulture, $"{FirstLine}\nledger {Ledger}\nkey {VerifierKey}\ndatabase {Database}\nblobs {Blobs}\n");
            body.Append(CultureInfo.InvariantCulture, $"created {CreatedUtc:yyyy-MM-ddTHH:mm:ssZ}\nledger-size {LedgerSize}\nledger-root {LedgerRoot}\n");
            foreach (var file in Files)
            {
                body.Append(CultureInfo.InvariantCulture, $"{file.Sha256}  {file.Path}\n");
            }
            return body.ToString();
        }
    }

    /// <summary>
    /// The manifest in a signed note's body, or null with what is wrong in <paramref name="findings"/>: every line must be
    /// where and what this format says, and every path one this code writes (no <c>..</c>, no absolute path, nothing outside
    /// the places a backup has), each named once.
    /// </summary>
    public static BackupManifest? Parse(string body, List<Finding> findings)
    {
        var lines = body.Split('\n');
        if (lines.Length < 10 || lines[^1].Length != 0 || lines[0] != FirstLine)
        {
            findings.Add(new Finding("backup", FileName, $"a manifest that begins '{FirstLine}'", "something else"));
            return null;
        }
        string? Header(int index, string name)
        {
            if (lines[index].StartsWith(name + " ", StringComparison.Ordinal) && lines[index].Length > name.Length + 1)
            {
                return lines[index][(name.Length + 1)..];
            }
            findings.Add(new Finding("backup", $"{FileName} line {index + 1}", $"'{name} …'", $"'{Finding.Cut(lines[index])}'"));
            return null;
        }
        var ledger = Header(1, "ledger");
        var key = Header(2, "key");
        var database = Header(3, "database");
        var blobs = Header(4, "blobs");
        var created = Header(5, "created");
        var size = Header(6, "ledger-size");
        var root = Header(7, "ledger-root");
        var createdUtc = DateTime.TryParseExact(created, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTime?)null;
        var ledgerSize = long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : (long?)null;
        if (database is not (null or "sqlite" or "postgres") || blobs is not (null or "folder" or "azure") || (created is not null && createdUtc is null)
            || (size is not null && ledgerSize is null))
        {
            findings.Add(new Finding("backup", FileName, "database sqlite|postgres, blobs folder|azure, a UTC time and a size", "other values"));
        }
        var files = new List<BackupFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 8; i < lines.Length - 1; i++)
        {
            var line = lines[i];
            var hash = line.Length > 66 ? line[..64] : "";
            var path = line.Length > 66 ? line[66..] : "";
            if (!BlobKey.IsSha256Hex(hash) || line[64..66] != "  ")
            {
                findings.Add(new Finding("backup", $"{FileName} line {i + 1}", "a SHA-256 in lower-case hex, two spaces and a path", $"'{Finding.Cut(Text.Display.Text(line))}'"));
            }
            else if (BackupFile.Problem(path) is { } problem)
            {
                findings.Add(new Finding("backup", $"{FileName} line {i + 1}", "a path inside the backup: evidence.db, keys.enc, azure-blobs.txt, blobs/sha256/xx/SHA-256 or packages/NAME",
                    $"'{Finding.Cut(Text.Display.Text(path))}' ({problem})"));
            }
            else if (!seen.Add(path))
            {
                findings.Add(new Finding("backup", $"{FileName} line {i + 1}", "each file listed once", $"{Text.Display.Text(path)} again"));
            }
            else
            {
                files.Add(new BackupFile(path, hash));
            }
        }
        if (!seen.Contains(SealedKeys.FileName))
        {
            findings.Add(new Finding("backup", SealedKeys.FileName, "the sealed keys listed in the manifest", "not listed"));
        }
        if (database == "sqlite" && !seen.Contains(DatabaseFile))
        {
            findings.Add(new Finding("backup", DatabaseFile, "the database listed in the manifest (database sqlite)", "not listed"));
        }
        return findings.Count > 0 ? null : new BackupManifest(ledger!, key!, database!, blobs!, createdUtc!.Value, ledgerSize!.Value, root!, files);
    }
}

/// <summary>One file of a backup: its path inside the backup folder (<c>/</c>-separated) and the SHA-256 of its bytes as they are there.</summary>
internal sealed record BackupFile(string Path, string Sha256)
{
    /// <summary>
    /// Why <paramref name="path"/> is not one a backup holds, or null. Only the places this code writes are accepted, so a
    /// hostile manifest cannot name a file outside the backup or outside the home being built (<c>../</c>, <c>/etc</c>), nor
    /// put something where a key or the database belongs.
    /// </summary>
    public static string? Problem(string path)
    {
        if (path is BackupManifest.DatabaseFile or SealedKeys.FileName or BackupManifest.AzureBlobList)
        {
            return null;
        }
        var parts = path.Split('/');
        return parts switch
        {
            ["blobs", "sha256", var prefix, var sha256] => BlobKey.IsSha256Hex(sha256) && prefix == sha256[..2] ? null : "not a blob's content address",
            ["packages", var name] => PackageFileProblem(name),
            _ => "not a place a backup has",
        };
    }

    /// <summary>Why a package file's name is not a plain file name, or null: packages are named by the application, never a path.</summary>
    public static string? PackageFileProblem(string name) =>
        name.Length is 0 or > 255 ? "not a file name"
        : name is "." or ".." || name.StartsWith('.') ? "a hidden or relative name"
        : name.Any(c => char.IsControl(c) || c is '/' or '\\') ? "a path or a control character"
        : null;
}
