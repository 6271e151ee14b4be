using Evidence.Access;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Cases;

/// <summary>The incidents the actor may see, newest first, with how much evidence each has and where it was referred.</summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor)]
public sealed record ListIncidents : IRequest<IReadOnlyList<IncidentSummary>>;

public sealed record IncidentSummary(
    Guid Id,
    string Title,
    IncidentKind Kind,
    string PeriodFrom,
    string? PeriodTo,
    string Place,
    IReadOnlyList<string> Articles,
    int Evidence,
    IReadOnlyList<RecipientKind> ReferredTo);

internal sealed class ListIncidentsHandler(EvidenceDbContext db, CurrentActor actor) : IRequestHandler<ListIncidents, IReadOnlyList<IncidentSummary>>
{
    public async Task<IReadOnlyList<IncidentSummary>> Handle(ListIncidents request, CancellationToken cancellationToken)
    {
        var incidents = await Visibility.Incidents(db, actor.Value).AsNoTracking()
            .OrderByDescending(i => i.CreatedAtUtc).ToListAsync(cancellationToken);
        var ids = incidents.Select(i => i.Id).ToList();
        // Counted as the actor sees them: a strictly confidential item outside their case is not.
        var visible = Visibility.Evidence(db, actor.Value).Select(e => e.Id);
        var counts = await db.EvidenceTags.AsNoTracking()
            .Where(t => t.IncidentId != null && ids.Contains(t.IncidentId.Value) && t.RemovedAtUtc == null && visible.Contains(t.EvidenceId))
            .GroupBy(t => t.IncidentId!.Value)
            .Select(g => new { Incident = g.Key, Items = g.Select(t => t.EvidenceId).Distinct().Count() })
            .ToDictionaryAsync(g => g.Incident, g => g.Items, cancellationToken);
        // A prosecutor learns only of their own office's referrals.
        var referrals = (await db.IncidentReferrals.AsNoTracking().Where(r => ids.Contains(r.IncidentId)).ToListAsync(cancellationToken))
            .Where(r => actor.Value is not { Role: Role.Prosecutor, Office: { } office } || r.Office == office)
            .ToLookup(r => r.IncidentId);
        return incidents.Select(i => new IncidentSummary(i.Id, i.Title, i.Kind, i.PeriodFrom, i.PeriodTo, i.Place, i.Articles,
            counts.GetValueOrDefault(i.Id), referrals[i.Id].Select(r => r.Office).Order().ToList())).ToList();
    }
}
