using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Access;

/// <summary>
/// Before a child's identity is opened, what lets the reader see the child must be what the custody ledger recorded:
/// the victim's row (its case, who recorded it, its sealed identity) and, for an investigator, the membership that lets
/// them into the victim's case. A row an insider inserted or changed in the database opens nothing: `verify` would
/// name it only afterwards, and an identity once read cannot be taken back.
/// </summary>
internal static class VictimAccess
{
    public static async Task RequireRecordedAsync(EvidenceDbContext db, Ledger ledger, Actor actor, IReadOnlyCollection<Victim> victims, CancellationToken cancellationToken)
    {
        if (victims.Count == 0)
        {
            return;
        }
        var checkpoint = await ledger.LatestCheckpointAsync(cancellationToken)
            ?? throw new UnavailableException("The custody ledger has no checkpoint; no identity was opened. Run `evidence verify`.");
        var codes = victims.Select(v => v.Code).ToHashSet(StringComparer.Ordinal);
        var caseIds = victims.Where(v => v.CaseId is not null && v.CreatedBy != actor.Name).Select(v => v.CaseId!.Value).ToHashSet();
        var memberships = actor.Role == Role.Investigator
            ? await db.CaseMembers.AsNoTracking().Where(m => m.Member == actor.Name && caseIds.Contains(m.CaseId)).ToListAsync(cancellationToken)
            : [];
        var cases = caseIds.Select(c => c.ToString()).ToHashSet(StringComparer.Ordinal);
        string[] actions = ["VictimAdded", "CaseOpened", "CaseMemberAdded"];
        var proven = await ledger.ProvenNamingAsync(actions, (key, value) => (key == "victim" && codes.Contains(value)) || (key == "case" && cases.Contains(value)),
            checkpoint, cancellationToken);
        var findings = Projections.Victims.Check(victims, proven).Concat(Projections.CaseMembers.Check(memberships, proven)).ToList();
        if (findings.Count > 0)
        {
            throw new UnavailableException($"What grants access to this child does not match the custody ledger ({findings[0].Subject}); no identity was opened. " +
                                           "Run `evidence verify` and report it.");
        }
    }
}
