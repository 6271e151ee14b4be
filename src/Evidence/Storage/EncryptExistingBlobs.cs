using Evidence.Access;
using Evidence.Data;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Storage;

/// <summary>
/// Encrypts, in place, the evidence blobs an installation stored in clear before encryption at rest existed, at most
/// <see cref="Limit"/> of them per request (each request is one commit): an <c>Encrypted</c> custody event per blob, naming
/// the key that wraps it. The blob's address and its original bytes do not change, so no hash, proof or package does.
/// </summary>
[AllowedRoles(Role.Admin)]
public sealed record EncryptExistingBlobs(int Limit = 1000) : IRequest<EncryptedBlobs>;

/// <summary>
/// How many blobs this request encrypted, how many it found already encrypted on its way, and the blobs it left as they are
/// because they do not hold the bytes of their address (verify names them).
/// </summary>
public sealed record EncryptedBlobs(int Encrypted, int AlreadyEncrypted, IReadOnlyList<string> Damaged, bool More);

internal sealed class EncryptExistingBlobsHandler(EvidenceDbContext db, EncryptedBlobStore blobs, UnitOfWork unitOfWork)
    : IRequestHandler<EncryptExistingBlobs, EncryptedBlobs>
{
    public async Task<EncryptedBlobs> Handle(EncryptExistingBlobs request, CancellationToken cancellationToken)
    {
        if (request.Limit is < 1 or > 100_000)
        {
            throw new InvalidRequestException($"A request encrypts from 1 to 100000 blobs, not {request.Limit}.");
        }
        // Blobs already recorded as Encrypted are not opened again; every other blob an item names is looked at.
        var done = await db.CustodyEvents.AsNoTracking().Where(e => e.Action == "Encrypted" && e.Sha256 != null).Select(e => e.Sha256!).ToListAsync(cancellationToken);
        var skip = done.ToHashSet(StringComparer.Ordinal);
        var named = await db.EvidenceItems.AsNoTracking().Select(e => e.Sha256).Distinct().OrderBy(s => s).ToListAsync(cancellationToken);
        var encrypted = new List<string>();
        var already = 0;
        var damaged = new List<string>();
        foreach (var sha256 in named.Where(s => !skip.Contains(s) && BlobKey.IsSha256Hex(s)))
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
                    unitOfWork.Record("Encrypted", null, sha256, [new("key", blobs.KeyId), new("format", "EVBLOB 1: AES-256-GCM, 64 KiB chunks")]);
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
        return new EncryptedBlobs(encrypted.Count, already, damaged, encrypted.Count == request.Limit);
    }
}
