using Evidence.Data;
using Evidence.Domain;

namespace Evidence.Metadata;

/// <summary>
/// One version of what was stated about an item, as `show --json` and <c>GET /api/evidence/{id}</c> give it, with words
/// as the command line writes them. Free text (place, where the original is held, source URL, device, consent scope,
/// reason) and the stated coordinates are withheld from auditors, who never see what could reveal content or where a child is.
/// </summary>
public sealed record ItemMetadataView(
    int Version,
    string? Place,
    double? Latitude,
    double? Longitude,
    IReadOnlyList<string> Languages,
    string? Generation,
    string? OriginalHeldAt,
    Guid? DerivedFrom,
    string? DerivedKind,
    string? SourceUrl,
    string? RetrievedAt,
    string? Device,
    string? Consent,
    string? ConsentScope,
    bool? WillingToTestify,
    string Confidentiality,
    string? Reason,
    DateTime StatedAtUtc,
    string StatedBy)
{
    public static ItemMetadataView Of(ItemMetadata m, bool withText) => new(
        m.Version,
        withText ? m.Place : null,
        // Where an item was made can be where a child lives: withheld with the free text, as the file's own GPS is.
        withText ? m.Latitude : null,
        withText ? m.Longitude : null,
        m.Languages?.Split(' ') ?? [],
        StatedMetadata.Word(m.Generation),
        withText ? m.OriginalHeldAt : null,
        m.DerivedFrom,
        StatedMetadata.Word(m.DerivedKind),
        withText ? m.SourceUrl : null,
        m.RetrievedAt,
        withText ? m.Device : null,
        StatedMetadata.Word(m.Consent),
        withText ? m.ConsentScope : null,
        m.WillingToTestify,
        StatedMetadata.Word<Domain.Confidentiality>(m.Confidentiality)!,
        withText ? m.Reason : null,
        m.StatedAtUtc,
        m.StatedBy);
}

/// <summary>Which statement of an item is in force: its latest version. One definition for every query that filters on it.</summary>
internal static class Statements
{
    public static IQueryable<ItemMetadata> Current(EvidenceDbContext db) =>
        db.ItemMetadata.Where(m => m.Version == db.ItemMetadata.Where(n => n.EvidenceId == m.EvidenceId).Max(n => n.Version));
}
