using Evidence.Access;
using Evidence.Data;
using Evidence.Provenance;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Timeline;

/// <summary>
/// The timeline of one incident (the incident and the evidence tagged to it) or of one case (its incidents and the evidence
/// of the case or tagged to one of them), as far as the reader may see them (Access/Visibility): a prosecutor sees only
/// what was referred to their office, a strictly confidential item shows only to its case's members, and what the reader
/// may not see is neither drawn nor counted. Read as the elements matrix is read, so by investigators and prosecutors:
/// auditors do not read incidents, and a timeline names files, which are withheld from them.
/// </summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor)]
public sealed record GetTimeline(Guid? IncidentId = null, Guid? CaseId = null) : IRequest<TimelineEvents>, IValidatedRequest
{
    public IEnumerable<string> Validate()
    {
        if (IncidentId.HasValue == CaseId.HasValue)
        {
            yield return "a timeline is of one incident or of one case: give exactly one of them.";
        }
    }
}

internal sealed class GetTimelineHandler(EvidenceDbContext db, CurrentActor actor) : IRequestHandler<GetTimeline, TimelineEvents>
{
    public async Task<TimelineEvents> Handle(GetTimeline request, CancellationToken cancellationToken)
    {
        var incidents = Visibility.Incidents(db, actor.Value).AsNoTracking();
        var visible = Visibility.Evidence(db, actor.Value);
        var liveTags = db.EvidenceTags.Where(t => t.RemovedAtUtc == null);
        string title;
        List<Domain.Incident> shown;
        IQueryable<Domain.EvidenceItem> items;
        if (request.IncidentId is { } incidentId)
        {
            var incident = await incidents.SingleOrDefaultAsync(i => i.Id == incidentId, cancellationToken)
                ?? throw new NotFoundException($"There is no incident {incidentId}.");
            title = incident.Title;
            shown = [incident];
            items = visible.Where(e => liveTags.Any(t => t.EvidenceId == e.Id && t.IncidentId == incidentId));
        }
        else
        {
            var caseId = request.CaseId!.Value;
            title = await Visibility.Cases(db, actor.Value).Where(c => c.Id == caseId).Select(c => c.Title).SingleOrDefaultAsync(cancellationToken)
                ?? throw new NotFoundException($"There is no case {caseId}.");
            shown = await incidents.Where(i => i.CaseId == caseId).OrderBy(i => i.CreatedAtUtc).ThenBy(i => i.Id).ToListAsync(cancellationToken);
            var ofCase = incidents.Where(i => i.CaseId == caseId).Select(i => (Guid?)i.Id);
            items = visible.Where(e => e.CaseId == caseId || liveTags.Any(t => t.EvidenceId == e.Id && ofCase.Contains(t.IncidentId)));
        }
        var rows = await items.AsNoTracking().OrderBy(e => e.IngestedAtUtc).ThenBy(e => e.Id)
            .Select(e => new { e.Id, e.OriginalName, e.MediaType, e.CapturedAt, e.Provenance, e.IngestedAtUtc })
            .ToListAsync(cancellationToken);
        return new TimelineEvents(title,
            shown.Select(i => new TimelineIncident(i.Id, i.Title, i.PeriodFrom, i.PeriodTo)).ToList(),
            rows.Select(r => new TimelineItem(r.Id, r.OriginalName, r.MediaType, r.CapturedAt, FileProvenance.FromJson(r.Provenance)?.Exif.CapturedAt,
                DateTime.SpecifyKind(r.IngestedAtUtc, DateTimeKind.Utc))).ToList());
    }
}
