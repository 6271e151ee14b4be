using Evidence.Access;
using Evidence.Accounts;
using Evidence.Cases;
using Evidence.Requests;
using Evidence.Search;
using Evidence.Tagging;
using Evidence.Text;
using MediatR;
using Microsoft.AspNetCore.Mvc;

namespace Evidence.Web.Pages;

/// <summary>
/// The evidence list: search with every filter the API has, and, for investigators, tag the selected items to an incident
/// in one step (one request, one commit). Auditors and admins start on their own pages.
/// </summary>
public sealed class IndexModel(IMediator mediator) : EvidencePage(mediator)
{
    [BindProperty(SupportsGet = true)] public string? Text { get; set; }
    [BindProperty(SupportsGet = true)] public Guid? Incident { get; set; }
    [BindProperty(SupportsGet = true)] public Guid? Perpetrator { get; set; }
    [BindProperty(SupportsGet = true)] public string? Victim { get; set; }
    [BindProperty(SupportsGet = true)] public string? MediaType { get; set; }
    [BindProperty(SupportsGet = true)] public string? Sha256 { get; set; }
    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true)] public string? Collector { get; set; }
    [BindProperty(SupportsGet = true)] public string? Place { get; set; }
    [BindProperty(SupportsGet = true)] public string? Language { get; set; }
    [BindProperty(SupportsGet = true)] public string? Generation { get; set; }
    [BindProperty(SupportsGet = true)] public string? Consent { get; set; }
    [BindProperty(SupportsGet = true)] public string? Confidentiality { get; set; }
    [BindProperty(SupportsGet = true)] public string? C2pa { get; set; }
    [BindProperty(SupportsGet = true)] public bool? HasGps { get; set; }
    [BindProperty(SupportsGet = true)] public string? Sort { get; set; }
    // Not "page": Razor Pages keeps that route value for the page's own name.
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;

    /// <summary>Results on one page: enough to scan, few enough that thumbnails load quickly on a poor connection.</summary>
    public const int PageSize = 50;

    /// <summary>Whether a page follows this one (one item more than a page was asked for, and not shown).</summary>
    public bool HasNextPage { get; private set; }

    [BindProperty] public List<Guid> Selected { get; set; } = [];
    [BindProperty] public Guid? TagIncident { get; set; }
    [BindProperty] public string? TagNote { get; set; }

    public IReadOnlyList<EvidenceRecord> Items { get; private set; } = [];
    public IReadOnlyList<IncidentSummary> Incidents { get; private set; } = [];

    /// <summary>Perpetrators by name and children by pseudonym to filter by, for those who may list them (investigators).</summary>
    public TagChoices? Choices { get; private set; }

    public bool MayTag => Actor.May<TagManyEvidence>();

    /// <summary>The filters in force, to carry through the tag form so the same list comes back.</summary>
    public IEnumerable<(string Name, string Value)> Filters =>
        new (string Name, string? Value)[]
        {
            ("text", Text), ("incident", Incident?.ToString()), ("perpetrator", Perpetrator?.ToString()), ("victim", Victim), ("mediaType", MediaType), ("sha256", Sha256), ("from", From), ("to", To), ("collector", Collector),
            ("place", Place), ("language", Language), ("generation", Generation), ("consent", Consent), ("confidentiality", Confidentiality), ("c2pa", C2pa),
            ("hasGps", HasGps?.ToString()), ("sort", Sort),
        }.Where(f => !string.IsNullOrEmpty(f.Value)).Select(f => (f.Name, f.Value!));

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        // Roles that may not search evidence start where their work is: accounts for admins, the audit for auditors.
        if (!Actor.May<SearchEvidence>())
        {
            return Redirect(Actor.May<ListUsers>() ? "/users" : "/audit");
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostTagAsync(CancellationToken cancellationToken)
    {
        if (Selected.Count == 0 || TagIncident is null)
        {
            Error = T["Select the items and the incident to tag them to; nothing was tagged."];
        }
        // An entry that cannot be read would be dropped by model binding and the rest tagged, as if only those were chosen:
        // the whole form is refused instead.
        else if (!Unreadable(("Selected", "the items selected")) && await TrySendAsync(new TagManyEvidence(Selected, TagIncident, Note: Fields.Trimmed(TagNote)), cancellationToken) is { } tags)
        {
            Done = T["{0} items tagged to the incident in one step.", tags.Count];
        }
        var error = Error;
        await LoadAsync(cancellationToken);
        Error = error ?? Error;
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Incidents = await TrySendAsync(new ListIncidents(), cancellationToken) ?? [];
        if (Actor.May<ListTagChoices>())
        {
            Choices = await TrySendAsync(new ListTagChoices(), cancellationToken);
        }
        Items = await TrySendAsync(new SearchEvidence(Fields.Trimmed(Text), Incident, PerpetratorId: Perpetrator, VictimCode: Fields.Trimmed(Victim), MediaType: Fields.Trimmed(MediaType), Sha256: Fields.Trimmed(Sha256),
            CapturedFrom: Fields.Trimmed(From), CapturedTo: Fields.Trimmed(To), Collector: Fields.Trimmed(Collector), Language: Fields.Trimmed(Language),
            Generation: Fields.Trimmed(Generation), Consent: Fields.Trimmed(Consent), Confidentiality: Fields.Trimmed(Confidentiality), C2pa: Fields.Trimmed(C2pa),
            HasGps: HasGps, Place: Fields.Trimmed(Place), Sort: Fields.Trimmed(Sort), Limit: PageSize + 1, Offset: (Math.Clamp(PageNumber, 1, 100_000) - 1) * PageSize),
            cancellationToken) ?? [];
        HasNextPage = Items.Count > PageSize;
        Items = [.. Items.Take(PageSize)];
    }

    /// <summary>This list with other query values (another sort, another page); the filters stay as they are.</summary>
    public string Link(string? sort, int page)
    {
        var query = Filters.Where(f => f.Name != "sort").Select(f => new KeyValuePair<string, string?>(f.Name, f.Value)).ToList();
        if (sort is not null)
        {
            query.Add(new("sort", sort));
        }
        if (page > 1)
        {
            query.Add(new("p", page.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        return "/" + Microsoft.AspNetCore.Http.QueryString.Create(query);
    }

    /// <summary>The link a column's heading points to: sorted by it, or, when it already is, the other way; from the first page.</summary>
    public string SortLink(string key) => Link(Sort == key ? "-" + key : key, 1);

    /// <summary>aria-sort for a column's heading: says to a screen reader which column orders the list, and which way.</summary>
    public string AriaSort(string key) =>
        Sort == key || (key == "ingested" && string.IsNullOrEmpty(Sort)) ? "ascending" : Sort == "-" + key ? "descending" : "none";
}
