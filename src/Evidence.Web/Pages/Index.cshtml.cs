using Evidence.Cases;
using Evidence.Pipeline;
using Evidence.Search;
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
        if (Actor.Role is Role.Auditor)
        {
            return Redirect("/audit");
        }
        if (Actor.Role is Role.Admin)
        {
            return Redirect("/users");
        }
        Incidents = await TrySendAsync(new ListIncidents(), cancellationToken) ?? [];
        Items = await TrySendAsync(new SearchEvidence(NullIfBlank(Text), Incident, MediaType: NullIfBlank(MediaType), Sha256: NullIfBlank(Sha256)), cancellationToken) ?? [];
        return Page();
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
