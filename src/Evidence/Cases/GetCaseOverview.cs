using System.Text.Json;
using Evidence.Access;
using Evidence.Accounts;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Viewing;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Cases;

/// <summary>
/// A case as its page shows it: its incidents with their evidence counts and the gaps of each one's elements matrix, the
/// most recent custody events that concern it, and who works it. Everything is what the reader may see (Access/Visibility):
/// <list type="bullet">
/// <item>a member investigator (and a reader without an office) sees the whole case;</item>
/// <item>a prosecutor's office sees the case through the incidents referred to it only: those incidents, their evidence
/// and events, its own office's referrals and packages; not the case's other incidents, its members nor its own events;</item>
/// <item>an auditor sees what the custody log they verify already shows in the clear (ids, kinds, periods, articles,
/// elements, names of actors, events) and never the titles and places, which the log binds only by their hashes;</item>
/// <item>a child appears only by a pseudonym the reader may see, never by identity.</item>
/// </list>
/// Reading it records no custody event: it opens no content and no identity.
/// </summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor, Role.Auditor)]
public sealed record GetCaseOverview(Guid CaseId, int RecentEvents = GetCaseOverview.DefaultRecentEvents) : IRequest<CaseOverview>, IValidatedRequest
{
    public const int DefaultRecentEvents = 20;

    public IEnumerable<string> Validate()
    {
        if (RecentEvents is < 1 or > 200)
        {
            yield return "the number of recent events must be 1 to 200.";
        }
    }
}

/// <summary>
/// The answer of <c>GET /api/cases/{id}</c>. <c>Title</c> is null for an auditor (the log carries only its hash);
/// <c>Evidence</c> counts the distinct items of the case the reader sees, filed in it or tagged to one of its incidents;
/// <c>Members</c> is null where the reader may not know who works the case (a prosecutor's office); <c>RecentEvents</c>
/// are newest first, at most as many as asked.
/// </summary>
public sealed record CaseOverview(
    Guid Id,
    string? Title,
    DateTime OpenedAtUtc,
    int Evidence,
    IReadOnlyList<CaseIncident> Incidents,
    IReadOnlyList<CaseMemberView>? Members,
    IReadOnlyList<CaseEvent> RecentEvents);

/// <summary>
/// An incident of the case. <c>Title</c> and <c>Place</c> are null for an auditor; <c>Elements</c> counts the elements of
/// its articles, <c>Gaps</c> lists every one of them that no evidence the reader sees supports.
/// </summary>
public sealed record CaseIncident(
    Guid Id,
    string? Title,
    IncidentKind Kind,
    string PeriodFrom,
    string? PeriodTo,
    string? Place,
    IReadOnlyList<string> Articles,
    int Evidence,
    int Elements,
    IReadOnlyList<ElementGap> Gaps);

/// <summary>An element without evidence; <see cref="Text"/> is the Elements of Crimes' own wording.</summary>
public sealed record ElementGap(string Article, int Number, string Text);

/// <summary>
/// A custody event as an item's history shows it (<see cref="CustodyEventView"/>), with the item it concerns, if any:
/// its position in the ledger (its leaf index), who, in which role, what, and its details, which never hold content or
/// identities (names and notes are recorded by hash; a child the reader may not see shows as "(not shown)").
/// </summary>
public sealed record CaseEvent(long Index, DateTime OccurredAtUtc, string Actor, string Role, string Action, Guid? EvidenceId, string? Sha256, IReadOnlyDictionary<string, string?> Details);

/// <summary>
/// Who works the case: <c>Role</c> is their account's role now (null when no account has that name: the embedded default,
/// a removed account); <c>Opened</c> says they opened the case.
/// </summary>
public sealed record CaseMemberView(string Name, Role? Role, bool Opened, DateTime AddedAtUtc, string AddedBy);

internal sealed class GetCaseOverviewHandler(EvidenceDbContext db, UserAccounts accounts, CurrentActor actor) : IRequestHandler<GetCaseOverview, CaseOverview>
{
    // The events that concern a case without naming an evidence item, and the detail that ties each to it.
    private static readonly string[] CaseActions = ["CaseOpened", "CaseMemberAdded", "IncidentCreated", "Referred", "PackageBuilt", "VictimAdded", "IdentityRevealed"];

    private const int Page = 500;

    public async Task<CaseOverview> Handle(GetCaseOverview request, CancellationToken cancellationToken)
    {
        var reader = actor.Value;
        var found = await Visibility.Cases(db, reader).AsNoTracking().SingleOrDefaultAsync(c => c.Id == request.CaseId, cancellationToken)
            ?? throw new NotFoundException($"There is no case {request.CaseId}.");
        var auditor = reader.Role == Role.Auditor;
        var whole = Visibility.SeesWholeCase(reader);

        var incidents = await Visibility.Incidents(db, reader).AsNoTracking().Where(i => i.CaseId == found.Id)
            .OrderBy(i => i.CreatedAtUtc).ThenBy(i => i.Id).ToListAsync(cancellationToken);
        var incidentIds = incidents.Select(i => i.Id).ToList();
        var visible = Visibility.Evidence(db, reader).Select(e => e.Id);
        // The items the reader sees that belong to the case: filed in it, or tagged (live) to one of its incidents they see.
        var caseItems = Visibility.Evidence(db, reader).Where(e => e.CaseId == found.Id
            || db.EvidenceTags.Any(t => t.EvidenceId == e.Id && t.RemovedAtUtc == null && t.IncidentId != null && incidentIds.Contains(t.IncidentId.Value))).Select(e => e.Id);
        var evidence = await caseItems.CountAsync(cancellationToken);
        var tags = await db.EvidenceTags.AsNoTracking()
            .Where(t => t.IncidentId != null && incidentIds.Contains(t.IncidentId.Value) && t.RemovedAtUtc == null && visible.Contains(t.EvidenceId))
            .Select(t => new { Incident = t.IncidentId!.Value, t.EvidenceId, t.Elements })
            .ToListAsync(cancellationToken);
        var byIncident = tags.ToLookup(t => t.Incident);
        var rows = incidents.Select(i =>
        {
            var matrix = ElementsMatrix.For(i, byIncident[i.Id].Select(t => (t.EvidenceId, (IEnumerable<string>)t.Elements)));
            var gaps = matrix.Articles.SelectMany(a => a.Elements.Where(e => e.Evidence.Count == 0).Select(e => new ElementGap(a.Article, e.Number, e.Text))).ToList();
            return new CaseIncident(i.Id, auditor ? null : i.Title, i.Kind, i.PeriodFrom, i.PeriodTo, auditor ? null : i.Place, i.Articles,
                byIncident[i.Id].Select(t => t.EvidenceId).Distinct().Count(), matrix.Articles.Sum(a => a.Elements.Count), gaps);
        }).ToList();

        IReadOnlyList<CaseMemberView>? members = null;
        if (whole)
        {
            var rowsOfMembers = await db.CaseMembers.AsNoTracking().Where(m => m.CaseId == found.Id).OrderBy(m => m.AddedAtUtc).ThenBy(m => m.Member).ToListAsync(cancellationToken);
            var views = new List<CaseMemberView>();
            foreach (var m in rowsOfMembers)
            {
                var account = await accounts.FindByNameAsync(m.Member, cancellationToken);
                views.Add(new CaseMemberView(m.Member, account?.Role, m.Member == found.CreatedBy && m.AddedBy == found.CreatedBy, m.AddedAtUtc, m.AddedBy));
            }
            members = views;
        }

        var victims = await Visibility.Victims(db, reader).Where(v => v.CaseId == found.Id).Select(v => v.Code).ToListAsync(cancellationToken);
        var events = await RecentEventsAsync(found.Id, incidentIds, victims, caseItems, whole, request.RecentEvents, cancellationToken);
        return new CaseOverview(found.Id, auditor ? null : found.Title, found.CreatedAtUtc, evidence, rows, members, events);
    }

    /// <summary>
    /// The newest events about the case, found from the two ways an event can concern it. Events about its items name the
    /// item (the indexed evidence id column): the newest <paramref name="limit"/> of them come in one query. Events about
    /// the case itself, its incidents and its children carry no item and name them in their details: those are read
    /// newest first, a page at a time, only down to where the item events already fill the window, so the work follows
    /// the window's size and not the ledger's.
    /// </summary>
    private async Task<IReadOnlyList<CaseEvent>> RecentEventsAsync(Guid caseId, IReadOnlyList<Guid> incidentIds, IReadOnlyList<string> victims,
        IQueryable<Guid> caseItems, bool whole, int limit, CancellationToken cancellationToken)
    {
        var itemEvents = await db.CustodyEvents.AsNoTracking()
            .Where(e => e.EvidenceId != null && caseItems.Contains(e.EvidenceId.Value))
            .OrderByDescending(e => e.Sequence).Take(limit).ToListAsync(cancellationToken);
        var floor = itemEvents.Count == limit ? itemEvents[^1].Sequence : -1;

        var caseKey = caseId.ToString("D");
        var incidentKeys = incidentIds.Select(i => i.ToString("D")).ToHashSet(StringComparer.Ordinal);
        var victimKeys = victims.ToHashSet(StringComparer.Ordinal);
        var office = actor.Value is { Role: Role.Prosecutor, Office: { } own } ? Custody.Projections.Office(own) : null;
        bool Concerns(IReadOnlyDictionary<string, string?> d) =>
            (whole && d.GetValueOrDefault("case") == caseKey)
            // A referral or a package names its office: an office reads its own only (ListIncidents, Visibility.Packages).
            || (d.GetValueOrDefault("incident") is { } incident && incidentKeys.Contains(incident) && (office is null || d.GetValueOrDefault("office") is null || d["office"] == office))
            // A child's events (an identity opened, and why) belong to the case, not to an office that sees some of its incidents.
            || (whole && d.GetValueOrDefault("victim") is { } victim && victimKeys.Contains(victim));

        var caseEvents = new List<CustodyEvent>();
        var below = long.MaxValue;
        while (caseEvents.Count < limit)
        {
            var page = await db.CustodyEvents.AsNoTracking()
                .Where(e => e.EvidenceId == null && e.Sequence < below && e.Sequence > floor && CaseActions.Contains(e.Action))
                .OrderByDescending(e => e.Sequence).Take(Page).ToListAsync(cancellationToken);
            caseEvents.AddRange(page.Where(e => Concerns(DetailsOf(e))));
            if (page.Count < Page)
            {
                break;
            }
            below = page[^1].Sequence;
        }

        var newest = itemEvents.Concat(caseEvents).OrderByDescending(e => e.Sequence).Take(limit).ToList();
        var details = newest.ToDictionary(e => e.Sequence, DetailsOf);
        // A child the reader may not see appears by no code (GetEvidence does the same for an item's history).
        var codes = details.Values.Select(d => d.GetValueOrDefault("victim")).OfType<string>().Distinct().ToList();
        var seen = (await Visibility.Victims(db, actor.Value).Where(v => codes.Contains(v.Code)).Select(v => v.Code).ToListAsync(cancellationToken)).ToHashSet();
        foreach (var d in details.Values.Where(d => d.GetValueOrDefault("victim") is { Length: > 0 } code && !seen.Contains(code)))
        {
            d["victim"] = "(not shown)";
        }
        return newest.Select(e => new CaseEvent(e.Sequence, e.OccurredAtUtc, e.Actor, e.Role, e.Action, e.EvidenceId, e.Sha256, details[e.Sequence])).ToList();
    }

    private static Dictionary<string, string?> DetailsOf(CustodyEvent e) => JsonSerializer.Deserialize<Dictionary<string, string?>>(e.Details) ?? [];
}
