using Evidence.Access;
using Evidence.Crypto;
using Evidence.Data;
using Evidence.Requests;
using MediatR;

namespace Evidence.Custody;

/// <summary>
/// Replaces the ledger's signing key (<c>evidence log rotate-key</c>): a new Ed25519 key is made, a <c>KeyRotated</c>
/// custody event names the old and the new verifier key, and the checkpoint that signs it is signed by both keys; every
/// later checkpoint by the new key alone, and the old private key is destroyed (<see cref="LedgerKeys"/>). Verifiers who
/// pinned the old key follow the rotation to the new one (<see cref="KeyRotation"/>). Admins only: it changes what every
/// auditor's pinned key leads to. docs/ledger.md, "Key rotation".
/// </summary>
[AllowedRoles(Role.Admin)]
public sealed record RotateLedgerKey : IRequest<LedgerKeyRotated>;

/// <summary>What `log rotate-key` prints: the old and the new verifier key, and the new key's fingerprint to publish.</summary>
public sealed record LedgerKeyRotated(string OldKey, string NewKey, string OldFingerprint, string NewFingerprint);

internal sealed class RotateLedgerKeyHandler(Ledger ledger, LedgerKeys keys, UnitOfWork unitOfWork) : IRequestHandler<RotateLedgerKey, LedgerKeyRotated>
{
    public async Task<LedgerKeyRotated> Handle(RotateLedgerKey request, CancellationToken cancellationToken)
    {
        // The key the ledger is signed with now, taking up a rotation another process recorded; the batch checks again under the lock.
        var old = (await ledger.SigningKeyAsync(cancellationToken)).Verifier;
        var next = keys.CreateNext();
        unitOfWork.RotateKeyOnCommit(old, next, () => keys.DiscardNext(next.Verifier));
        unitOfWork.Record(KeyRotation.Action, null, null, KeyRotation.Details(old, next.Verifier));
        return new LedgerKeyRotated(old.VerifierKey, next.Verifier.VerifierKey, old.Fingerprint, next.Verifier.Fingerprint);
    }
}
