using Evidence.Access;
using Evidence.Cases;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Text;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Evidence.Web.Pages.Incidents;

/// <summary>
/// The incidents the reader sees, filtered by region, kind, period and article from the query string (the same names and
/// the same request as <c>GET /api/incidents</c>), and, for investigators, the form that records a new one.
/// </summary>
public sealed class IndexModel(IMediator mediator) : EvidencePage(mediator)
{
    [BindProperty] public string? Title { get; set; }
    // Required: left out, it would bind the first kind (deportation) as if chosen; it is refused as unreadable instead.
    [BindProperty, BindRequired] public IncidentKind Kind { get; set; }
    [BindProperty] public string? PeriodFrom { get; set; }
    [BindProperty] public string? PeriodTo { get; set; }
    [BindProperty] public string? Place { get; set; }
    [BindProperty] public string? Region { get; set; }
    /// <summary>The articles ticked, by their catalogue keys ("8(2)(a)(vii)-1").</summary>
    [BindProperty] public List<string> Articles { get; set; } = [];
    [BindProperty] public Guid? CaseId { get; set; }

    /// <summary>The filters as the reader typed them, shown back in their fields (bound by the GET handler only, so a posted form's fields never filter).</summary>
    public ListIncidents Filter { get; private set; } = new();

    /// <summary>Each malformed filter by its field's name; the list is not shown while there is one.</summary>
    public IReadOnlyDictionary<string, string> Problems { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyList<IncidentSummary> Incidents { get; private set; } = [];
    public IReadOnlyList<CaseSummary> Cases { get; private set; } = [];
    public bool Filtered => Filter != new ListIncidents();
    public bool MayCreate => Actor.May<CreateIncident>();
    public bool MaySeeCases => Actor.May<ListCases>();

    public async Task OnGetAsync(string? region, string? kind, string? from, string? to, string? article, CancellationToken cancellationToken)
    {
        Filter = new ListIncidents(region, kind, from, to, article);
        // The request says what is wrong with which field; the page shows it beside that field, in the reader's language.
        Problems = Filter.Problems().GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.First().Problem, StringComparer.Ordinal);
        if (Problems.Count == 0)
        {
            Incidents = await TrySendAsync(Filter, cancellationToken) ?? [];
        }
        await LoadCasesAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var id = Unreadable(("Kind", "the kind"), ("CaseId", "There is no case")) ? Guid.Empty : await TrySendAsync(new CreateIncident(Title ?? "", Kind, PeriodFrom ?? "", Place ?? "", Articles, Fields.Trimmed(PeriodTo),
            Region: Fields.Trimmed(Region), CaseId: CaseId), cancellationToken);
        if (id != Guid.Empty)
        {
            return Redirect($"/incidents/{id}");
        }
        var error = Error;
        Incidents = await TrySendAsync(Filter, cancellationToken) ?? [];
        await LoadCasesAsync(cancellationToken);
        Error = error ?? Error;
        return Page();
    }

    /// <summary>The cases a new incident can be filed in, by title (an investigator sees only the cases they work).</summary>
    private async Task LoadCasesAsync(CancellationToken cancellationToken)
    {
        if (MayCreate && MaySeeCases)
        {
            Cases = await TrySendAsync(new ListCases(), cancellationToken) ?? [];
        }
    }
}
