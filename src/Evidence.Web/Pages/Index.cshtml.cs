using Evidence.Access;
using Evidence.Accounts;
using Evidence.Cases;
using Evidence.Requests;
using Evidence.Search;
using Evidence.Text;
using MediatR;
using Microsoft.AspNetCore.Mvc;

namespace Evidence.Web.Pages;

/// <summary>The evidence list with search and filters; auditors and admins start on their own pages.</summary>
public sealed class IndexModel(IMediator mediator) : EvidencePage(mediator)
{
    [BindProperty(SupportsGet = true)] public string? Text { get; set; }
    [BindProperty(SupportsGet = true)] public Guid? Incident { get; set; }
    [BindProperty(SupportsGet = true)] public string? MediaType { get; set; }
    [BindProperty(SupportsGet = true)] public string? Sha256 { get; set; }

    public IReadOnlyList<EvidenceRecord> Items { get; private set; } = [];
    public IReadOnlyList<IncidentSummary> Incidents { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        // Roles that may not search evidence start where their work is: accounts for admins, the audit for auditors.
        if (!Actor.May<SearchEvidence>())
        {
            return Redirect(Actor.May<ListUsers>() ? "/users" : "/audit");
        }
        Incidents = await TrySendAsync(new ListIncidents(), cancellationToken) ?? [];
        Items = await TrySendAsync(new SearchEvidence(Fields.Trimmed(Text), Incident, MediaType: Fields.Trimmed(MediaType), Sha256: Fields.Trimmed(Sha256)), cancellationToken) ?? [];
        return Page();
    }

}
