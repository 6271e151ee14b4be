using Evidence.Access;
using Evidence.Data;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Cases;

/// <summary>
/// The cases the actor may see (Access/Visibility: an investigator's own, an office's through its referred incidents,
/// every case for an auditor), newest first, with how many of their incidents and items the actor sees. An auditor gets
/// no titles: the custody log they verify carries only their hashes.
/// </summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor, Role.Auditor)]
public sealed record ListCases : IRequest<IReadOnlyList<CaseSummary>>;

/// <summary>A case in the list; <c>Title</c> is null for an auditor.</summary>
public sealed record CaseSummary(Guid Id, string? Title, DateTime OpenedAtUtc, int Incidents, int Evidence);

internal sealed class ListCasesHandler(EvidenceDbContext db, CurrentActor actor) : IRequestHandler<ListCases, IReadOnlyList<CaseSummary>>
{
    public async Task<IReadOnlyList<CaseSummary>> Handle(ListCases request, CancellationToken cancellationToken)
    {
        var reader = actor.Value;
        var cases = await Visibility.Cases(db, reader).AsNoTracking().OrderByDescending(c => c.CreatedAtUtc).ThenBy(c => c.Id).ToListAsync(cancellationToken);
        var ids = cases.Select(c => c.Id).ToList();
        var incidents = await Visibility.Incidents(db, reader).Where(i => i.CaseId != null && ids.Contains(i.CaseId.Value))
            .Select(i => new { i.Id, Case = i.CaseId!.Value }).ToListAsync(cancellationToken);
        var incidentIds = incidents.Select(i => i.Id).ToList();
        var caseOfIncident = incidents.ToDictionary(i => i.Id, i => i.Case);
        // An item belongs to a case when it was filed in it or is tagged (live) to one of its incidents, counted once.
        var filed = await Visibility.Evidence(db, reader).Where(e => e.CaseId != null && ids.Contains(e.CaseId.Value))
            .Select(e => new { e.Id, Case = e.CaseId!.Value }).ToListAsync(cancellationToken);
        var visible = Visibility.Evidence(db, reader).Select(e => e.Id);
        var tagged = await db.EvidenceTags.Where(t => t.IncidentId != null && incidentIds.Contains(t.IncidentId.Value) && t.RemovedAtUtc == null && visible.Contains(t.EvidenceId))
            .Select(t => new { t.EvidenceId, Incident = t.IncidentId!.Value }).ToListAsync(cancellationToken);
        var items = filed.Select(f => (f.Case, f.Id)).Concat(tagged.Select(t => (Case: caseOfIncident[t.Incident], Id: t.EvidenceId)))
            .Distinct().ToLookup(x => x.Case);
        var auditor = reader.Role == Role.Auditor;
        return cases.Select(c => new CaseSummary(c.Id, auditor ? null : c.Title, c.CreatedAtUtc,
            incidents.Count(i => i.Case == c.Id), items[c.Id].Count())).ToList();
    }
}
