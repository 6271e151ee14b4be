using Evidence.Access;
using Evidence.Cases;
using Evidence.Domain;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Timeline;
using Evidence.Web.Localization;
using Evidence.Web.Api;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.Extensions.Localization;

namespace Evidence.Web.Pages.Incidents;

/// <summary>An incident: its timeline, the elements matrix (covered or gap), referral, package requests and downloads.</summary>
public sealed class DetailModel(IMediator mediator, EvidenceSettings settings) : EvidencePage(mediator)
{
    [BindProperty(SupportsGet = true)] public Guid Id { get; set; }
    // Required: a form sent without its office would otherwise bind the first one (the ICC) as if it had been chosen;
    // left out, it is refused as unreadable (EvidencePage.Unreadable).
    [BindProperty, BindRequired] public RecipientKind Office { get; set; }
    [BindProperty, BindRequired] public RecipientKind Recipient { get; set; }
    [BindProperty] public bool IncludeIdentities { get; set; }
    [BindProperty] public bool RedactedOnly { get; set; }
    [BindProperty] public string? Language { get; set; }

    public ElementsMatrix? Matrix { get; private set; }
    public IncidentSummary? Summary { get; private set; }
    public TimelineEvents? Timeline { get; private set; }
    public IReadOnlyList<PackageSummary> Packages { get; private set; } = [];

    /// <summary>Each office's registered certificate, which its packages are encrypted to (PackagesApi.BuildAsync).</summary>
    public IReadOnlyList<OfficeCertificate> Certificates { get; private set; } = [];

    public OfficeCertificate? CertificateOf(RecipientKind office) => Certificates.FirstOrDefault(c => c.Office == office && c.Fingerprint is not null);
    public bool MayRefer => Actor.May<ReferIncident>();

    /// <summary>Which form was sent ("refer", "package"), so that a refusal comes back beside that form's fields only.</summary>
    public string? Posted { get; private set; }

    /// <summary>An office's full name, for the recipient list.</summary>
    public string OfficeName(RecipientKind office) => T[Referrals.RecipientNames.Of(office, settings)]; // the ICC's office in the reader's language; a configured national office as configured

    /// <summary>A prosecutor can address packages only to their own office; the request would refuse any other.</summary>
    public IReadOnlyList<RecipientKind> Offices => Actor.Office is { } office ? [office] : Enum.GetValues<RecipientKind>();

    public async Task<IActionResult> OnGetAsync(Guid? built, CancellationToken cancellationToken)
    {
        var page = await LoadAsync(cancellationToken);
        if (built is { } id && Packages.FirstOrDefault(p => p.Id == id) is { } package)
        {
            var bytes = package.Bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
            Done = package.Encrypted
                ? T["Package {0} built and encrypted to the recipient's certificate: {1} items, {2} bytes, SHA-256 {3} (of the zip inside).", package.Id, package.Items, bytes, package.Sha256]
                : T["Package {0} built: {1} items, {2} bytes, SHA-256 {3}.", package.Id, package.Items, bytes, package.Sha256];
        }
        return page;
    }

    public async Task<IActionResult> OnPostReferAsync(CancellationToken cancellationToken)
    {
        Posted = "refer";
        if (!Unreadable(("Office", "the office")) && await TrySendAsync(new ReferIncident(Id, Office), cancellationToken) != Guid.Empty)
        {
            Done = T["Referred to {0}.", OfficeName(Office)];
        }
        return await LoadAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostPackageAsync(CancellationToken cancellationToken)
    {
        Posted = "package";
        var built = Unreadable(("Recipient", "the recipient"), ("IncludeIdentities", "include identities"), ("RedactedOnly", "Redacted copies only")) ? null : await TryAsync(() => PackagesApi.BuildAsync(new PackagesApi.PackageRequest(Id, Recipient, IncludeIdentities: IncludeIdentities, RedactedOnly: RedactedOnly, Language: Language),
            Mediator, settings, cancellationToken));
        // Redirect after the post, so reloading the page never requests a second package.
        return built is not null ? Redirect($"/incidents/{Id}?built={built.Id}") : await LoadAsync(cancellationToken);
    }

    private async Task<IActionResult> LoadAsync(CancellationToken cancellationToken)
    {
        var error = Error;
        Matrix = await TrySendAsync(new GetElementsMatrix(Id), cancellationToken);
        if (Matrix is null)
        {
            return NotFound();
        }
        Summary = (await TrySendAsync(new ListIncidents(), cancellationToken))?.FirstOrDefault(i => i.Id == Id);
        Timeline = await TrySendAsync(new GetTimeline(IncidentId: Id), cancellationToken);
        Packages = await TrySendAsync(new ListReferralPackages(Id), cancellationToken) ?? [];
        Certificates = Actor.May<ListRecipientCertificates>() ? await TrySendAsync(new ListRecipientCertificates(), cancellationToken) ?? [] : [];
        Error = error ?? Error;
        return Page();
    }
}
