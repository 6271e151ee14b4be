using System.Globalization;
using Evidence.Viewing;

namespace Evidence.Web.Pages;

/// <summary>
/// The court metadata fields of the upload page and the evidence page's amendment form, named as a metadata sheet's
/// columns (Ingest/MetadataSheet), so that one reader turns a form, a sheet or an upload's fields into a statement.
/// </summary>
public static class StatedFields
{
    /// <summary>
    /// The ViewData entry through which a form that can be refused (the amendment) gives _StatedFields each field's
    /// problems, to show beside it; the upload page sets none.
    /// </summary>
    public const string Beside = "StatedFieldProblems";

    /// <summary>The words the core's refusals (StatedMetadata.Problems, MetadataSheet.Statement) name each field with.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> CoreNames = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["place"] = ["place "],
        ["coordinates"] = ["coordinates"],
        ["language"] = ["language '", "at most 10 languages"],
        ["generation"] = ["generation"],
        ["copyOf"] = ["copy-of"],
        ["sourceUrl"] = ["source-url"],
        ["retrievedAt"] = ["retrieved-at"],
        ["device"] = ["device"],
        ["consent"] = ["consent must"],
        ["consentScope"] = ["consent scope"],
        ["willingToTestify"] = ["willingToTestify"],
        ["confidentiality"] = ["confidentiality"],
    };

    /// <summary>Each field's value as the form shows it: the item's statement in force, or empty for a new upload.</summary>
    public static IReadOnlyDictionary<string, string> Of(EvidenceDetail? item) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["place"] = item?.Place ?? "",
        ["coordinates"] = item is { Latitude: { } lat, Longitude: { } lon } ? string.Create(CultureInfo.InvariantCulture, $"{lat},{lon}") : "",
        ["language"] = string.Join(' ', item?.Languages ?? []),
        ["generation"] = item?.Generation ?? "",
        ["copyOf"] = item?.OriginalHeldAt ?? "",
        ["sourceUrl"] = item?.SourceUrl ?? "",
        ["retrievedAt"] = item?.RetrievedAt ?? "",
        ["device"] = item?.Device ?? "",
        ["consent"] = item?.Consent ?? "",
        ["consentScope"] = item?.ConsentScope ?? "",
        ["willingToTestify"] = item?.WillingToTestify switch { true => "yes", false => "no", null => "" },
        ["confidentiality"] = item?.Confidentiality ?? "",
    };
}
