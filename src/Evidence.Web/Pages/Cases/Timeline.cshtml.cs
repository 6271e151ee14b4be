using Evidence.Timeline;
using MediatR;
using Microsoft.AspNetCore.Mvc;

namespace Evidence.Web.Pages.Cases;

/// <summary>A case's timeline: its incidents over their periods and its evidence by capture time, as far as the reader may see them.</summary>
public sealed class TimelineModel(IMediator mediator) : EvidencePage(mediator)
{
    [BindProperty(SupportsGet = true)] public Guid Id { get; set; }

    public TimelineEvents? Timeline { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Timeline = await TrySendAsync(new GetTimeline(CaseId: Id), cancellationToken);
        return Timeline is null ? NotFound() : Page();
    }
}
