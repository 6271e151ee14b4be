using System.Globalization;
using Evidence.Access;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Requests;
using MediatR;

namespace Evidence.Backup;

/// <summary>
/// The first event of a restored home: a <c>Restored</c> event naming the backup's manifest (by its SHA-256) and the number
/// of events the backup holds. It marks where this ledger goes its own way: events from here on are the restored home's,
/// and a checkpoint the original home signed after the backup is compared with the events before it
/// (<see cref="LaterCheckpoint"/>). Sent only by <see cref="RestoreHome"/>, on the home it is building.
/// </summary>
[AllowedRoles(Role.Admin)]
internal sealed record RecordRestore(string ManifestSha256, long LedgerSize, string LedgerRoot, DateTime BackupCreatedUtc) : IRequest<Unit>;

internal sealed class RecordRestoreHandler(Ledger ledger, UnitOfWork unitOfWork) : IRequestHandler<RecordRestore, Unit>
{
    public async Task<Unit> Handle(RecordRestore request, CancellationToken cancellationToken)
    {
        var size = await ledger.SizeAsync(cancellationToken);
        if (size != request.LedgerSize)
        {
            throw new InvalidRequestException($"The backup's database holds {size} custody events, but its manifest says {request.LedgerSize}; nothing was written.");
        }
        // The manifest is signed; the database is only hashed in it: the two must describe the same ledger.
        var root = Convert.ToBase64String(ledger.Root(size));
        if (root != request.LedgerRoot)
        {
            throw new InvalidRequestException($"The backup's database gives the ledger root {root}, but its manifest says {request.LedgerRoot}; nothing was written.");
        }
        unitOfWork.Record("Restored", null, null,
        [
            new("manifestSha256", request.ManifestSha256),
            new("ledgerSize", request.LedgerSize.ToString(CultureInfo.InvariantCulture)),
            new("backupCreated", request.BackupCreatedUtc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
        ]);
        return Unit.Value;
    }
}
