using System.Text;
using Evidence.Access;
using Evidence.Crypto;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Evidence.Custody;

/// <summary>
/// Puts RFC 3161 timestamp tokens on checkpoints when a time-stamping authority is configured. The token is
/// over the checkpoint's full signed text, so it fixes the tree size, the root and our signature to a time
/// that does not depend on our clock.
/// <para>
/// Stamping happens after the request's transaction has committed: the write lock is never held across a
/// network call, and a TSA that is down never loses evidence. A checkpoint that missed its token gets one
/// later from <see cref="StampCheckpoints"/>. The token is not a custody event (it would need a checkpoint
/// of its own); the database lets a checkpoint gain a token once and never change it.
/// </para>
/// </summary>
public sealed class CheckpointTimestamps(EvidenceDbContext db, ILogger<CheckpointTimestamps> log, TimestampAuthority? authority = null)
{
    public bool Enabled => authority is not null;

    /// <summary>Stamps one checkpoint; a failure is logged, not thrown, because the request it follows has already committed.</summary>
    public async Task TryStampAsync(CheckpointRecord checkpoint, CancellationToken cancellationToken)
    {
        if (authority is null)
        {
            return;
        }
        try
        {
            await StampAsync(authority, checkpoint.Id, checkpoint.Text, cancellationToken);
        }
        catch (UnavailableException e)
        {
            log.LogWarning("Checkpoint {Id} (size {Size}) has no timestamp yet: {Reason} Run `evidence log timestamp` to stamp it later.",
                checkpoint.Id, checkpoint.Size, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The checkpoint is committed: whatever the authority's answer or the database did (a garbled token, the write lock
            // held past the busy timeout), the requests it signs were recorded and must be answered so.
            log.LogWarning(e, "Checkpoint {Id} (size {Size}) has no timestamp yet. Run `evidence log timestamp` to stamp it later.",
                checkpoint.Id, checkpoint.Size);
        }
    }

    /// <summary>Stamps every checkpoint that has no token, oldest first; stops at the first failure.</summary>
    public async Task<int> StampPendingAsync(CancellationToken cancellationToken)
    {
        if (authority is null)
        {
            throw new InvalidRequestException("No time-stamping authority is configured: set EVIDENCE_TSA_URL (and EVIDENCE_TSA_CERT to pin its certificate).");
        }
        var pending = await db.Checkpoints.AsNoTracking().Where(c => c.TimestampToken == null).OrderBy(c => c.Size).ThenBy(c => c.Id)
            .Select(c => new { c.Id, c.Text }).ToListAsync(cancellationToken);
        foreach (var checkpoint in pending)
        {
            await StampAsync(authority, checkpoint.Id, checkpoint.Text, cancellationToken);
        }
        return pending.Count;
    }

    private async Task StampAsync(TimestampAuthority tsa, long id, string text, CancellationToken cancellationToken)
    {
        var token = await tsa.StampAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        // "IS NULL": two processes stamping the same checkpoint keep the first token; the trigger enforces the same.
        await db.Checkpoints.Where(c => c.Id == id && c.TimestampToken == null)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.TimestampToken, token), cancellationToken);
    }
}

/// <summary>On demand: a timestamp token for every checkpoint that has none (for example after the TSA was down).</summary>
[AllowedRoles(Role.Auditor, Role.Admin)]
public sealed record StampCheckpoints : IRequest<StampReport>;

public sealed record StampReport(int Stamped, int Checkpoints);

internal sealed class StampCheckpointsHandler(CheckpointTimestamps timestamps, EvidenceDbContext db) : IRequestHandler<StampCheckpoints, StampReport>
{
    public async Task<StampReport> Handle(StampCheckpoints request, CancellationToken cancellationToken)
    {
        var stamped = await timestamps.StampPendingAsync(cancellationToken);
        return new StampReport(stamped, await db.Checkpoints.CountAsync(cancellationToken));
    }
}
