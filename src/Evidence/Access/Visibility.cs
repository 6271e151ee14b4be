using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;

namespace Evidence.Access;

/// <summary>
/// What an actor may know exists (ARCHITECTURE §7). Whatever is outside it answers "not found", never
/// "forbidden", so that guessing ids tells nothing.
/// <list type="bullet">
/// <item>A prosecutor with an office sees the incidents referred to that office, the evidence tagged to them, the
/// packages addressed to the office, and the cases of those incidents (through them only: not the case's other
/// incidents, nor who works it).</item>
/// <item>An investigator sees the cases they are a member of; the incidents of those cases and the ones they
/// recorded; the evidence of those cases, the evidence they ingested and the evidence tagged to an incident they
/// see unless it is strictly confidential; and the packages of the incidents they see.</item>
/// <item>Auditors and admins see the installation's records; what they may do with them (never content) is the
/// request's <see cref="AllowedRolesAttribute"/>.</item>
/// </list>
/// </summary>
internal static class Visibility
{
    public static IQueryable<Case> Cases(EvidenceDbContext db, Actor actor) => actor switch
    {
        // A prosecutor learns of a case through an incident of it referred to their office, and of no other case.
        { Role: Role.Prosecutor, Office: not null } => db.Cases.Where(c => Incidents(db, actor).Any(i => i.CaseId == c.Id)),
        { Role: Role.Investigator } => db.Cases.Where(c => db.CaseMembers.Any(m => m.CaseId == c.Id && m.Member == actor.Name)),
        _ => db.Cases,
    };

    /// <summary>
    /// Whether the actor sees the whole of a case they see (its members, its own events, every incident they see): its
    /// members and everyone without an office. A prosecutor's office sees a case only through the incidents referred to it.
    /// </summary>
    public static bool SeesWholeCase(Actor actor) => actor is not { Role: Role.Prosecutor, Office: not null };

    public static IQueryable<Incident> Incidents(EvidenceDbContext db, Actor actor) => actor switch
    {
        { Role: Role.Prosecutor, Office: { } office } =>
            db.Incidents.Where(i => db.IncidentReferrals.Any(r => r.IncidentId == i.Id && r.Office == office)),
        { Role: Role.Investigator } =>
            db.Incidents.Where(i => i.CreatedBy == actor.Name
                || db.CaseMembers.Any(m => m.CaseId == i.CaseId && m.Member == actor.Name)),
        _ => db.Incidents,
    };

    public static IQueryable<EvidenceItem> Evidence(EvidenceDbContext db, Actor actor)
    {
        if (actor is { Role: Role.Prosecutor, Office: { } office })
        {
            return db.EvidenceItems.Where(e => db.EvidenceTags.Any(t => t.EvidenceId == e.Id && t.RemovedAtUtc == null
                && db.IncidentReferrals.Any(r => r.IncidentId == t.IncidentId && r.Office == office)));
        }
        if (actor.Role is Role.Investigator)
        {
            var incidents = Incidents(db, actor).Select(i => (Guid?)i.Id);
            // A strictly confidential item is not seen through an incident it is tagged to: only its case's members (and
            // who ingested it) see it. Its current statement decides (Metadata/).
            var strictlyConfidential = Metadata.Statements.Current(db).Where(m => m.Confidentiality == Confidentiality.StrictlyConfidential).Select(m => m.EvidenceId);
            return db.EvidenceItems.Where(e => e.IngestedBy == actor.Name
                || db.CaseMembers.Any(m => m.CaseId == e.CaseId && m.Member == actor.Name)
                || (db.EvidenceTags.Any(t => t.EvidenceId == e.Id && t.RemovedAtUtc == null && incidents.Contains(t.IncidentId))
                    && !strictlyConfidential.Contains(e.Id)));
        }
        return db.EvidenceItems;
    }

    /// <summary>
    /// The children an actor may name in a tag or whose identity they may ask for: for an investigator, those recorded in
    /// a case they work and those they recorded; for a prosecutor, those tagged to evidence they see. Victim codes are
    /// sequential, so an unseen code must answer exactly as a code that does not exist.
    /// </summary>
    public static IQueryable<Victim> Victims(EvidenceDbContext db, Actor actor)
    {
        if (actor is { Role: Role.Prosecutor, Office: not null })
        {
            var visible = Evidence(db, actor).Select(e => e.Id);
            return db.Victims.Where(v => db.EvidenceTags.Any(t => t.VictimCode == v.Code && t.RemovedAtUtc == null && visible.Contains(t.EvidenceId)));
        }
        return actor.Role is Role.Investigator
            ? db.Victims.Where(v => v.CreatedBy == actor.Name || db.CaseMembers.Any(m => m.CaseId == v.CaseId && m.Member == actor.Name))
            : db.Victims;
    }

    public static IQueryable<ReferralPackage> Packages(EvidenceDbContext db, Actor actor) => actor switch
    {
        { Role: Role.Prosecutor, Office: { } office } => db.ReferralPackages.Where(p => p.Recipient == office),
        { Role: Role.Investigator } => db.ReferralPackages.Where(p => Incidents(db, actor).Any(i => i.Id == p.IncidentId)),
        _ => db.ReferralPackages,
    };
}
