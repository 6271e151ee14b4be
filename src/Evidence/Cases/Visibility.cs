using Evidence.Data;
using Evidence.Domain;
using Evidence.Pipeline;

namespace Evidence.Cases;

/// <summary>
/// What an actor may know exists (ARCHITECTURE §7). A prosecutor with an office sees only incidents referred to
/// that office and the evidence tagged to them; anything else answers "not found", never "forbidden", so that
/// guessing ids tells them nothing. Everyone else sees the installation's incidents and evidence; what they
/// may do with them is the request's <see cref="AllowedRolesAttribute"/>.
/// </summary>
internal static class Visibility
{
    public static IQueryable<Incident> Incidents(EvidenceDbContext db, Actor actor) =>
        actor is { Role: Role.Prosecutor, Office: { } office }
            ? db.Incidents.Where(i => db.IncidentReferrals.Any(r => r.IncidentId == i.Id && r.Office == office))
            : db.Incidents;

    public static IQueryable<EvidenceItem> Evidence(EvidenceDbContext db, Actor actor) =>
        actor is { Role: Role.Prosecutor, Office: { } office }
            ? db.EvidenceItems.Where(e => db.EvidenceTags.Any(t => t.EvidenceId == e.Id && t.RemovedAtUtc == null
                && db.IncidentReferrals.Any(r => r.IncidentId == t.IncidentId && r.Office == office)))
            : db.EvidenceItems;

    public static IQueryable<ReferralPackage> Packages(EvidenceDbContext db, Actor actor) =>
        actor is { Role: Role.Prosecutor, Office: { } office }
            ? db.ReferralPackages.Where(p => p.Recipient == office)
            : db.ReferralPackages;
}
