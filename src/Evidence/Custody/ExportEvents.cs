using Evidence.Access;
using Evidence.Data;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Custody;

/// <summary>
/// Writes every custody event's leaf, one line each in ledger order (events.jsonl, the format packages carry), so that a
/// third party can check the log against a checkpoint and re-derive the tables from it without our code
/// (docs/ledger.md, "The ledger is the record"). Leaves hold no content and no identities; still, who did what and when
/// is the auditors' and admins' to read.
/// </summary>
/// <remarks>
/// With <see cref="Size"/>, only the first <c>Size</c> leaves: exactly the tree a checkpoint of that size signs, however
/// many events are appended while the file is written. Rows are read one at a time, never the whole log into memory.
/// Reading the ledger is not itself recorded (as `log events` is not): it reveals no content and changes nothing.
/// </remarks>
[AllowedRoles(Role.Auditor, Role.Admin)]
public sealed record ExportEvents(TextWriter Output, long? Size = null) : IRequest<long>;

internal sealed class ExportEventsHandler(EvidenceDbContext db, Ledger ledger) : IRequestHandler<ExportEvents, long>
{
    public async Task<long> Handle(ExportEvents request, CancellationToken cancellationToken)
    {
        long written = 0;
        var events = db.CustodyEvents.AsNoTracking();
        if (request.Size is { } size)
        {
            // Refused before a line is written: a file shorter than the checkpoint it is meant for would only fail later, offline.
            var logSize = await ledger.SizeAsync(cancellationToken);
            if (size < 0 || size > logSize)
            {
                throw new InvalidRequestException($"The log has {logSize} events, so there are no first {size} to export.");
            }
            events = events.Where(e => e.Sequence < size);
        }
        await foreach (var leaf in events.OrderBy(e => e.Sequence).Select(e => e.Leaf).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            await request.Output.WriteAsync(leaf + "\n");
            written++;
        }
        await request.Output.FlushAsync(cancellationToken);
        return written;
    }
}
