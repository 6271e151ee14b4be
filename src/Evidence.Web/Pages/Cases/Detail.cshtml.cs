using Evidence.Access;
using Evidence.Cases;
using Evidence.Requests;
using Evidence.Viewing;
using MediatR;
using Microsoft.AspNetCore.Mvc;

namespace Evidence.Web.Pages.Cases;

/// <summary>
/// A case (GetCaseOverview, the same answer as <c>GET /api/cases/{id}</c>): its incidents with their evidence and the gaps
/// of their elements matrices, who works it, and its most recent custody events. A case the reader may not see is "not found".
/// </summary>
public sealed class DetailModel(IMediator mediator) : EvidencePage(mediator)
{
    [BindProperty(SupportsGet = true)] public Guid Id { get; set; }

    public CaseOverview? Overview { get; private set; }

    /// <summary>The case's incidents and evidence on one axis; none for auditors, who may not read timelines (they name files).</summary>
    public Evidence.Timeline.TimelineEvents? Timeline { get; private set; }

    /// <summary>Whether incidents link to their own page (their elements matrix): the roles GetElementsMatrix accepts.</summary>
    public bool MayOpenIncidents => Actor.May<GetElementsMatrix>();

    /// <summary>Whether events link to their item's page: the roles GetEvidence accepts.</summary>
    public bool MayOpenItems => Actor.May<GetEvidence>();

    public bool Auditor => Actor.Role == Role.Auditor;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Overview = await TrySendAsync(new GetCaseOverview(Id), cancellationToken);
        if (Overview is null)
        {
            return NotFound();
        }
        if (Actor.May<Evidence.Timeline.GetTimeline>())
        {
            Timeline = await TrySendAsync(new Evidence.Timeline.GetTimeline(CaseId: Id), cancellationToken);
        }
        return Page();
    }
}
