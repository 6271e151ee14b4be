using Evidence.Crypto;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Custody;

// The ledger's public face: what an auditor or a defence expert fetches to check the log without our code.
// None of these reveals evidence content or identities, so any role may ask and no custody event is recorded.

/// <summary>
/// The verifier key string: name+hex key id+base64(0x01 || Ed25519 public key). The ledger's current key: after a rotation,
/// the new one (an auditor who pinned an earlier key follows the rotations to it, docs/ledger.md).
/// </summary>
public sealed record GetVerifierKey : IRequest<string>;

/// <summary>The key as `log key --json` and <c>GET /api/log/key</c> answer it.</summary>
public sealed record VerifierKeyView(string Key);

/// <summary>The latest signed checkpoint.</summary>
public sealed record GetLatestCheckpoint : IRequest<CheckpointView>;

/// <summary>The checkpoint of a tree of <see cref="Size"/> leaves: what a download of the events up to that size is checked against.</summary>
public sealed record GetCheckpoint(long Size) : IRequest<CheckpointView>;

/// <summary>
/// A checkpoint as published; <see cref="TimestampToken"/> is the base64 DER RFC 3161 token over <see cref="Text"/>, when it
/// has one. <see cref="Time"/> is when our clock says it was signed: only the token fixes it to an outside time.
/// </summary>
public sealed record CheckpointView(long Size, string Root, string Text, string? TimestampToken, DateTime Time);

/// <summary>The audit path of leaf <see cref="Index"/> in the tree of <see cref="Size"/> leaves (default: the latest checkpoint's size).</summary>
public sealed record GetInclusionProof(long Index, long? Size = null) : IRequest<InclusionProofView>;

public sealed record InclusionProofView(long Index, long Size, string Leaf, string LeafHash, string Root, IReadOnlyList<string> Proof);

/// <summary>The proof that the tree of <see cref="From"/> leaves is a prefix of the tree of <see cref="To"/> leaves.</summary>
public sealed record GetConsistencyProof(long From, long To) : IRequest<ConsistencyProofView>;

public sealed record ConsistencyProofView(long From, long To, string OldRoot, string NewRoot, IReadOnlyList<string> Proof);

internal sealed class LogQueryHandlers(Ledger ledger, Data.EvidenceDbContext db) :
    IRequestHandler<GetVerifierKey, string>,
    IRequestHandler<GetLatestCheckpoint, CheckpointView>,
    IRequestHandler<GetCheckpoint, CheckpointView>,
    IRequestHandler<GetInclusionProof, InclusionProofView>,
    IRequestHandler<GetConsistencyProof, ConsistencyProofView>
{
    public async Task<string> Handle(GetVerifierKey request, CancellationToken cancellationToken) =>
        (await ledger.SigningKeyAsync(cancellationToken)).Verifier.VerifierKey;

    public async Task<CheckpointView> Handle(GetLatestCheckpoint request, CancellationToken cancellationToken)
    {
        var latest = await ledger.LatestCheckpointAsync(cancellationToken)
            ?? throw new NotFoundException("The ledger has no checkpoint yet: nothing has been recorded.");
        return View(latest);
    }

    public async Task<CheckpointView> Handle(GetCheckpoint request, CancellationToken cancellationToken)
    {
        // Every commit that appends signs one checkpoint; the newest of a size is the one a later token may have stamped.
        var checkpoint = await db.Checkpoints.AsNoTracking().Where(c => c.Size == request.Size).OrderByDescending(c => c.Id).FirstOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"The ledger has no checkpoint of size {request.Size}.");
        return View(checkpoint);
    }

    private static CheckpointView View(Domain.CheckpointRecord checkpoint) =>
        new(checkpoint.Size, checkpoint.RootHash, checkpoint.Text, checkpoint.TimestampToken is { } token ? Convert.ToBase64String(token) : null,
            DateTime.SpecifyKind(checkpoint.CreatedAtUtc, DateTimeKind.Utc));

    public async Task<InclusionProofView> Handle(GetInclusionProof request, CancellationToken cancellationToken)
    {
        var size = request.Size ?? (await ledger.LatestCheckpointAsync(cancellationToken))?.Size ?? 0;
        var logSize = await ledger.SizeAsync(cancellationToken);
        if (size < 1 || size > logSize || request.Index < 0 || request.Index >= size)
        {
            throw new InvalidRequestException($"There is no leaf {request.Index} in a tree of {size} leaves (the log has {logSize}).");
        }
        var leaf = await db.CustodyEvents.Where(e => e.Sequence == request.Index).Select(e => new { e.Leaf, e.LeafHash }).SingleAsync(cancellationToken);
        var proof = ledger.InclusionProof(request.Index, size);
        return new InclusionProofView(request.Index, size, leaf.Leaf, leaf.LeafHash, Convert.ToHexStringLower(ledger.Root(size)),
            proof.Select(Convert.ToHexStringLower).ToList());
    }

    public async Task<ConsistencyProofView> Handle(GetConsistencyProof request, CancellationToken cancellationToken)
    {
        var logSize = await ledger.SizeAsync(cancellationToken);
        if (request.From < 1 || request.From > request.To || request.To > logSize)
        {
            throw new InvalidRequestException($"There is no consistency proof from {request.From} to {request.To} leaves (the log has {logSize}; 1 <= from <= to).");
        }
        var proof = ledger.ConsistencyProof(request.From, request.To);
        return new ConsistencyProofView(request.From, request.To, Convert.ToHexStringLower(ledger.Root(request.From)),
            Convert.ToHexStringLower(ledger.Root(request.To)), proof.Select(Convert.ToHexStringLower).ToList());
    }
}
