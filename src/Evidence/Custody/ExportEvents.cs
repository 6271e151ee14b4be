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
[AllowedRoles(Role.Auditor, Role.Admin)]
public sealed record ExportEvents(TextWriter Output) : IRequest<long>;

internal sealed class ExportEventsHandler(EvidenceDbContext db) : IRequestHandler<ExportEvents, long>
{
    public async Task<long> Handle(ExportEvents request, CancellationToken cancellationToken)
    {
        long written = 0;
        await foreach (var leaf in db.CustodyEvents.AsNoTracking().OrderBy(e => e.Sequence).Select(e => e.Leaf).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            await request.Output.WriteAsync(leaf + "\n");
            written++;
        }
        await request.Output.FlushAsync(cancellationToken);
        return written;
    }
}
