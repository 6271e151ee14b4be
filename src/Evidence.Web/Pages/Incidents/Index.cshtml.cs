using Evidence.Access;
using Evidence.Cases;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Text;
using MediatR;
using Microsoft.AspNetCore.Mvc;

namespace Evidence.Web.Pages.Incidents;

public sealed class IndexModel(IMediator mediator) : EvidencePage(mediator)
{
    [BindProperty] public string? Title { get; set; }
    [BindProperty] public IncidentKind Kind { get; set; }
    [BindProperty] public string? PeriodFrom { get; set; }
    [BindProperty] public string? PeriodTo { get; set; }
    [BindProperty] public string? Place { get; set; }
    [BindProperty] public string? Articles { get; set; }

    public IReadOnlyList<IncidentSummary> Incidents { get; private set; } = [];
    public bool MayCreate => Actor.May<CreateIncident>();

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Incidents = await TrySendAsync(new ListIncidents(), cancellationToken) ?? [];

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var articles = (Articles ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var id = await TrySendAsync(new CreateIncident(Title ?? "", Kind, PeriodFrom ?? "", Place ?? "", articles, Fields.Trimmed(PeriodTo)), cancellationToken);
        if (id != Guid.Empty)
        {
            return Redirect($"/incidents/{id}");
        }
        await OnGetAsync(cancellationToken);
        return Page();
    }
}
