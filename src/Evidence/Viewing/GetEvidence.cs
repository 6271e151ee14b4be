using System.Text.Json;
using Evidence.Access;
using Evidence.Cases;
using Evidence.Data;
using Evidence.Metadata;
using Evidence.Provenance;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Viewing;

/// <summary>
/// One evidence item as its detail page shows it: hashes, tags and the whole custody timeline. Auditors get
/// the hashes and the events but not what could reveal content: the original file name, the source and tag notes
/// are withheld from them.
/// </summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor, Role.Auditor)]
public sealed record GetEvidence(Guid Id) : IRequest<EvidenceDetail>;

public sealed record EvidenceDetail(
    Guid Id,
    string Sha256,
    long Size,
    string MediaType,
    string? OriginalName,
    string Collector,
    string? Source,
    string? CapturedAt,
    DateTime IngestedAtUtc,
    string IngestedBy,
    Guid? DuplicateOf,
    string? Ern,
    [property: System.Text.Json.Serialization.JsonIgnore] ItemMetadataView? Metadata,
    IReadOnlyList<ItemMetadataView> MetadataHistory,
    ProvenanceView? Provenance,
    IReadOnlyList<TagView> Tags,
    IReadOnlyList<DerivedItemView> Derived,
    IReadOnlyList<CustodyEventView> Custody)
{
    // What is stated now, at the top level of the item as courts' metadata lists have it; every version in the history.
    public string? Place => Metadata?.Place;
    public double? Latitude => Metadata?.Latitude;
    public double? Longitude => Metadata?.Longitude;
    public IReadOnlyList<string> Languages => Metadata?.Languages ?? [];
    public string? Generation => Metadata?.Generation;
    public string? OriginalHeldAt => Metadata?.OriginalHeldAt;
    public Guid? DerivedFrom => Metadata?.DerivedFrom;
    public string? DerivedKind => Metadata?.DerivedKind;
    public string? SourceUrl => Metadata?.SourceUrl;
    public string? RetrievedAt => Metadata?.RetrievedAt;
    public string? Device => Metadata?.Device;
    public string? Consent => Metadata?.Consent;
    public string? ConsentScope => Metadata?.ConsentScope;
    public bool? WillingToTestify => Metadata?.WillingToTestify;
    public string? Confidentiality => Metadata?.Confidentiality;
}

/// <summary>
/// What the file says about itself (read at intake, kept apart from what was stated), and where the two disagree.
/// Withheld from auditors: a GPS position can say where a child was.
/// </summary>
/// <param name="C2pa">The C2PA verdict; null for items ingested before C2PA was read.</param>
/// <param name="Exif">What the file's EXIF, XMP or QuickTime metadata says.</param>
/// <param name="Signatures">The detached signatures that came with the file; empty for none, and for items ingested before signatures were read.</param>
/// <param name="Warnings">Where the file and the statement disagree, or the file's credentials do not verify.</param>
public sealed record ProvenanceView(C2paVerdict? C2pa, ExifFacts Exif, IReadOnlyList<SignatureVerdict> Signatures, IReadOnlyList<string> Warnings);

/// <summary>
/// An item made from this one (a translation, a transcript, a redaction...) as its statement in force says, and as far as
/// the reader may see it. Its own page has the rest.
/// </summary>
public sealed record DerivedItemView(Guid Id, string? Kind, IReadOnlyList<string> Languages, string? OriginalName, DateTime IngestedAtUtc);

/// <summary>One tag of the item; <c>PerpetratorName</c> is the perpetrator's name as recorded, so no page shows a bare ID (withheld from auditors, as notes are).</summary>
public sealed record TagView(Guid Id, Guid? IncidentId, Guid? PerpetratorId, string? VictimCode, IReadOnlyList<string> Elements, string? Note, string TaggedBy, DateTime TaggedAtUtc,
    string? PerpetratorName = null);

/// <summary>A custody event as stored, with its position in the ledger (its leaf index) and its details.</summary>
public sealed record CustodyEventView(long Index, DateTime OccurredAtUtc, string Actor, string Role, string Action, string? Sha256, IReadOnlyDictionary<string, string?> Details);

internal sealed class GetEvidenceHandler(EvidenceDbContext db, CurrentActor actor) : IRequestHandler<GetEvidence, EvidenceDetail>
{
    public async Task<EvidenceDetail> Handle(GetEvidence request, CancellationToken cancellationToken)
    {
        var item = await Visibility.Evidence(db, actor.Value).AsNoTracking().SingleOrDefaultAsync(e => e.Id == request.Id, cancellationToken)
            ?? throw new NotFoundException($"There is no evidence item {request.Id}.");
        var auditor = actor.Value.Role == Role.Auditor;
        var tags = await db.EvidenceTags.AsNoTracking().Where(t => t.EvidenceId == item.Id && t.RemovedAtUtc == null)
            .OrderBy(t => t.TaggedAtUtc).ToListAsync(cancellationToken);
        var events = await db.CustodyEvents.AsNoTracking().Where(e => e.EvidenceId == item.Id).OrderBy(e => e.Sequence).ToListAsync(cancellationToken);
        var ern = await db.RegistrationNumbers.AsNoTracking().Where(r => r.EvidenceId == item.Id).Select(r => r.Ern).SingleOrDefaultAsync(cancellationToken);
        var details = events.ToDictionary(e => e.Sequence, e => JsonSerializer.Deserialize<Dictionary<string, string?>>(e.Details) ?? []);
        // A child the reader may not see appears by no code, in the tags or in the history (ARCHITECTURE §7, Visibility.Victims).
        var codes = tags.Select(t => t.VictimCode).Concat(details.Values.Select(d => d.GetValueOrDefault("victim"))).OfType<string>().Distinct().ToList();
        var seen = (await Visibility.Victims(db, actor.Value).Where(v => codes.Contains(v.Code)).Select(v => v.Code).ToListAsync(cancellationToken)).ToHashSet();
        foreach (var d in details.Values.Where(d => d.GetValueOrDefault("victim") is { Length: > 0 } code && !seen.Contains(code)))
        {
            d["victim"] = "(not shown)";
        }
        var statements = await db.ItemMetadata.AsNoTracking().Where(m => m.EvidenceId == item.Id).OrderBy(m => m.Version).ToListAsync(cancellationToken);
        var history = statements.Select(m => ItemMetadataView.Of(m, withText: !auditor)).ToList();
        // Only items the reader may see: a strictly confidential translation stays unknown outside its case.
        var perpetratorIds = tags.Where(t => t.PerpetratorId != null).Select(t => t.PerpetratorId!.Value).Distinct().ToList();
        var perpetrators = await db.Perpetrators.AsNoTracking().Where(p => perpetratorIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.Name, cancellationToken);
        var derived = await Statements.Current(db).AsNoTracking().Where(m => m.DerivedFrom == item.Id)
            .Join(Visibility.Evidence(db, actor.Value), m => m.EvidenceId, e => e.Id, (m, e) => new { e.Id, m.DerivedKind, m.Languages, e.OriginalName, e.IngestedAtUtc })
            .OrderBy(d => d.IngestedAtUtc).ThenBy(d => d.Id).ToListAsync(cancellationToken);
        return new EvidenceDetail(item.Id, item.Sha256, item.Size, item.MediaType,
            auditor ? null : item.OriginalName, item.Collector, auditor ? null : item.Source, item.CapturedAt,
            item.IngestedAtUtc, item.IngestedBy, item.DuplicateOf, ern, history.LastOrDefault(), history,
            auditor || FileProvenance.FromJson(item.Provenance) is not { } provenance ? null
                : new ProvenanceView(provenance.C2pa, provenance.Exif, provenance.Signatures ?? [], provenance.Warnings(item.CapturedAt, statements.LastOrDefault())),
            tags.Select(t => new TagView(t.Id, t.IncidentId, t.PerpetratorId, t.VictimCode is { } code && seen.Contains(code) ? code : null, t.Elements, auditor ? null : t.Note, t.TaggedBy, t.TaggedAtUtc,
                auditor || t.PerpetratorId is not { } p ? null : perpetrators.GetValueOrDefault(p))).ToList(),
            derived.Select(d => new DerivedItemView(d.Id, StatedMetadata.Word(d.DerivedKind), d.Languages?.Split(' ') ?? [], auditor ? null : d.OriginalName, d.IngestedAtUtc)).ToList(),
            // Event details never hold content or identities (names and notes are recorded by hash), so everyone sees them whole.
            events.Select(e => new CustodyEventView(e.Sequence, e.OccurredAtUtc, e.Actor, e.Role, e.Action, e.Sha256, details[e.Sequence])).ToList());
    }
}
