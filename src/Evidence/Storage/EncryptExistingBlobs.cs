using Evidence.Access;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Storage;

/// <summary>
/// Encrypts, in place, the evidence blobs an installation stored in clear before encryption at rest existed, or sealed in a
/// version 1 envelope (one not sealed for its address, <see cref="Crypto.BlobEnvelope"/>), at most
/// <see cref="Limit"/> of them per request (each request is one commit): an <c>Encrypted</c> custody event per blob, naming
/// the key that wraps it. The blob's address and its original bytes do not change, so no hash, proof or package does.
/// Then, in the same way, the package files the home's package folder holds in clear (<see cref="Referrals.SealedPackages"/>):
/// each checked against the SHA-256 and size its <c>PackageBuilt</c> event recorded, sealed in place, a <c>PackageSealed</c>
/// event each; and the extracted texts those items' rows hold in clear: sealed, their search index made blind
/// (<see cref="Search.SealedText"/>), a <c>TextSealed</c> event each.
/// </summary>
[AllowedRoles(Role.Admin)]
public sealed record EncryptExistingBlobs(int Limit = 1000) : IRequest<EncryptedBlobs>;

/// <summary>
/// How many blobs this request encrypted, how many it found already encrypted on its way, and the blobs it left as they are
/// because they do not hold the bytes of their address (verify names them).
/// </summary>
public sealed record EncryptedBlobs(int Encrypted, int AlreadyEncrypted, IReadOnlyList<string> Damaged, bool More)
{
    /// <summary>How many items' extracted texts this request sealed.</summary>
    public int TextsSealed { get; init; }

    /// <summary>
    /// Items whose text in clear is not the text their custody events recorded (planted in the database): left as they are,
    /// never sealed and recorded as theirs; verify names them.
    /// </summary>
    public IReadOnlyList<Guid> TextsRefused { get; init; } = [];

    /// <summary>How many package files of the package folder, kept in clear, this request sealed.</summary>
    public int PackagesSealed { get; init; }

    /// <summary>The packages whose file in the package folder is not what their <c>PackageBuilt</c> event recorded: left as they are.</summary>
    public IReadOnlyList<Guid> DamagedPackages { get; init; } = [];
}

internal sealed class EncryptExistingBlobsHandler(
    EvidenceDbContext db, EncryptedBlobStore blobs, Search.SealedText sealedText, UnitOfWork unitOfWork, EvidenceSettings settings, Crypto.IKeyEncryptionKey kek)
    : IRequestHandler<EncryptExistingBlobs, EncryptedBlobs>
{
    private const string Format = "EVBLOB 2: AES-256-GCM, 64 KiB chunks, sealed for its address";
    // SealingStream writes version 2, sealed for the package's delivered SHA-256: what its PackageSealed event says.
    private const string PackageFormat = "EVBLOB 2: AES-256-GCM, 64 KiB chunks, sealed for the package's SHA-256";

    public async Task<EncryptedBlobs> Handle(EncryptExistingBlobs request, CancellationToken cancellationToken)
    {
        if (request.Limit is < 1 or > 100_000)
        {
            throw new InvalidRequestException($"A request encrypts from 1 to 100000 blobs, not {request.Limit}.");
        }
        // Every blob an item names is looked at (its header only, when it is sealed): in clear, or in a version 1 envelope (not
        // sealed for its address), it is sealed again. An Encrypted event says how a blob was sealed then, not how it is stored
        // now: whoever can write the storage can put it back in clear, and verify then sends the admin here.
        var named = await db.EvidenceItems.AsNoTracking().Select(e => e.Sha256).Distinct().OrderBy(s => s).ToListAsync(cancellationToken);
        var encrypted = new List<string>();
        var already = 0;
        var damaged = new List<string>();
        foreach (var sha256 in named.Where(BlobKey.IsSha256Hex))
        {
            if (encrypted.Count == request.Limit)
            {
                break;
            }
            try
            {
                if (await blobs.EncryptInPlaceAsync(sha256, cancellationToken))
                {
                    encrypted.Add(sha256);
                    unitOfWork.Record("Encrypted", null, sha256, [new("key", blobs.KeyId), new("format", Format)]);
                }
                else
                {
                    already++;
                }
            }
            catch (Crypto.DamagedBlobException)
            {
                damaged.Add(sha256);
            }
            catch (NotFoundException)
            {
                damaged.Add(sha256);
            }
        }
        // The new envelopes replaced the clear blobs by renames, which must be on the disk before the events say so.
        await blobs.MakeDurableAsync(encrypted, cancellationToken);
        var left = request.Limit - encrypted.Count;
        var (packages, damagedPackages) = left == 0 ? (0, new List<Guid>()) : await SealPackagesAsync(left, cancellationToken);
        left -= packages;
        var refused = new List<Guid>();
        var texts = left == 0 ? 0 : await SealTextsAsync(left, refused, cancellationToken);
        left -= texts;
        return new EncryptedBlobs(encrypted.Count, already, damaged, More: left == 0)
        {
            TextsSealed = texts,
            TextsRefused = refused,
            PackagesSealed = packages,
            DamagedPackages = damagedPackages,
        };
    }

    /// <summary>
    /// The package files of the package folder in clear (built before sealing, or put back so) or in a version 1 envelope, each
    /// sealed in place, on the disk, before its <c>PackageSealed</c> event. One whose bytes are not those its event recorded is left as it is, and named.
    /// </summary>
    private async Task<(int Sealed, List<Guid> Damaged)> SealPackagesAsync(int limit, CancellationToken cancellationToken)
    {
        // Every package file is looked at (its header only, when it is sealed), those with a PackageSealed event too: a file put
        // back in clear, or in a version 1 envelope, is sealed again.
        var packages = await db.ReferralPackages.AsNoTracking().OrderBy(p => p.CreatedAtUtc).ThenBy(p => p.Id).ToListAsync(cancellationToken);
        var sealedCount = 0;
        var damaged = new List<Guid>();
        foreach (var package in packages)
        {
            // Only the package folder's files: a package the CLI wrote elsewhere is an export, out of the home.
            if (sealedCount == limit)
            {
                break;
            }
            // A package's file is named by the application, never a path: a name forged in the row (`../keys/...`) must not have
            // a file outside the package folder taken for the package and replaced with a sealed copy. Verify names the row.
            if (Backup.BackupFile.PackageFileProblem(package.FileName) is not null)
            {
                damaged.Add(package.Id);
                continue;
            }
            var path = Path.Combine(settings.PackageFolder, package.FileName);
            if (!File.Exists(path))
            {
                continue;
            }
            try
            {
                var delivered = await Referrals.SealedPackages.DeliveredAsync(db, package, cancellationToken);
                if (await Referrals.SealedPackages.SealInPlaceAsync(path, package.Id, delivered, kek, cancellationToken))
                {
                    sealedCount++;
                    unitOfWork.Record("PackageSealed", null, delivered.Sha256,
                        [new("package", package.Id.ToString()), new("file", package.FileName), new("key", kek.Id), new("format", PackageFormat)]);
                }
            }
            catch (Exception e) when (e is Crypto.DamagedBlobException or UnavailableException)
            {
                // Not the bytes its event recorded, or an event that does not say what they are: verify and a person decide.
                damaged.Add(package.Id);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UnavailableException($"The package folder {settings.PackageFolder} could not be written ({e.Message}); nothing was recorded. " +
                                               "Packages sealed before the failure stay sealed; run encrypt-existing again.", e);
            }
        }
        return (sealedCount, damaged);
    }

    private async Task<int> SealTextsAsync(int limit, List<Guid> refused, CancellationToken cancellationToken)
    {
        var candidates = await db.EvidenceItems
            .Where(e => e.ExtractedText != null && !e.ExtractedText.StartsWith(Search.SealedText.Prefix))
            .OrderBy(e => e.Id).Take(limit).ToListAsync(cancellationToken);
        // Only the text the item's events recorded is sealed: a text planted in the row would otherwise be recorded as the
        // item's by its TextSealed event, and verify would find the row as the ledger says. The latest textSha256 in the
        // leaves (what the checkpoints sign, not the columns beside them) is the text's.
        var ids = candidates.Select(i => (Guid?)i.Id).ToList();
        var recorded = new Dictionary<Guid, string?>();
        foreach (var leaf in await db.CustodyEvents.AsNoTracking().Where(e => ids.Contains(e.EvidenceId) && (e.Action == "Ingested" || e.Action == "TextSealed"))
                     .OrderBy(e => e.Sequence).Select(e => e.Leaf).ToListAsync(cancellationToken))
        {
            if (CustodyLeaf.Parse(leaf) is { EvidenceId: { } id } e)
            {
                recorded[id] = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(e.Details)?.GetValueOrDefault("textSha256");
            }
        }
        var items = candidates.Where(i => recorded.TryGetValue(i.Id, out var sha256) && sha256 == Fact.Sha256(i.ExtractedText)).ToList();
        refused.AddRange(candidates.Where(i => !items.Contains(i)).Select(i => i.Id));
        foreach (var item in items)
        {
            var text = item.ExtractedText;
            item.ExtractedText = sealedText.Seal(item.Id, text);
            item.SearchWords = sealedText.IndexWords(text);
            unitOfWork.Record("TextSealed", item.Id, item.Sha256, Projections.Items.Details("TextSealed", item));
        }
        if (items.Count > 0)
        {
            unitOfWork.BeforeWrite(async ct =>
            {
                // The search row the insert trigger made from the text in clear is made again from the blind index.
                foreach (var item in items)
                {
                    var body = $"{item.OriginalName} {item.Source} {item.SearchWords}";
                    if (db.Database.IsNpgsql())
                    {
                        await db.Database.ExecuteSqlAsync($"DELETE FROM search_text WHERE kind = 'item' AND ref = {item.Id}", ct);
                        await db.Database.ExecuteSqlAsync($"INSERT INTO search_text VALUES ('item', {item.Id}, to_tsvector('simple', unaccent({body})))", ct);
                    }
                    else
                    {
                        var id = item.Id.ToString().ToUpperInvariant();
                        await db.Database.ExecuteSqlAsync($"DELETE FROM search_text WHERE kind = 'item' AND ref = {id}", ct);
                        await db.Database.ExecuteSqlAsync($"INSERT INTO search_text (kind, ref, body) VALUES ('item', {id}, {body})", ct);
                    }
                }
            });
        }
        return items.Count;
    }
}

/// <summary>
/// After texts were sealed: the database forgets the texts it held in clear. Rows and index entries that were rewritten leave
/// their old bytes in free pages (SQLite) or dead row versions (PostgreSQL) until the file is rebuilt, so it is: the search
/// index merged, the write-ahead log emptied, the file vacuumed.
/// </summary>
[AllowedRoles(Role.Admin)]
public sealed record PurgeTextInClear : IRequest<bool>;

internal sealed class PurgeTextInClearHandler(EvidenceDbContext db, EvidenceSettings settings) : IRequestHandler<PurgeTextInClear, bool>
{
    public async Task<bool> Handle(PurgeTextInClear request, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlRawAsync("VACUUM FULL evidence_items, search_text", cancellationToken);
            return true;
        }
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(Sqlite.ConnectionString(settings.DatabasePath, settings.DatabaseBusyTimeout));
        await connection.OpenAsync(cancellationToken);
        foreach (var sql in new[] { "INSERT INTO search_text(search_text) VALUES('optimize')", "PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return true;
    }
}
