using System.Globalization;
using System.Text;

namespace Evidence.Referrals;

/// <summary>
/// The package as a Concordance DAT load file (<c>data/metadata/loadfile.dat</c>), the format review platforms
/// (Relativity and its peers) import without retyping: one row per item, in package order, after a header row of field
/// names. Concordance's standard delimiters: fields are separated by DC4 (<c>\x14</c>), each field is enclosed in the text
/// qualifier þ (U+00FE), and a line break inside a field is written as ¶ (U+00B6). Rows end in CRLF.
/// </summary>
internal static class LoadFile
{
    public const char Separator = '\u0014';
    public const char Qualifier = '\u00FE';
    public const char NewLine = '\u00B6';

    /// <summary>The header row, in order. BEGDOC is the control number a platform keys each document by (Relativity's "Control Number").</summary>
    public static readonly IReadOnlyList<string> Fields =
    [
        "BEGDOC", "ENDDOC", "BEGATTACH", "ENDATTACH", "NATIVEPATH", "TEXTPATH", "SHA256", "SIZE", "FILENAME", "MEDIATYPE", "CAPTUREDAT", "COLLECTOR",
        "SOURCE", "INCIDENT", "PERPETRATORS", "VICTIMS", "ELEMENTS", "PLACE", "LATITUDE", "LONGITUDE", "LANGUAGE", "GENERATION", "DERIVEDKIND",
        "DERIVEDFROM", "DERIVEDFROMERN", "GIVENINSTEADOF", "ORIGINALHELDAT", "SOURCEURL", "RETRIEVEDAT", "DEVICE", "CONSENT", "CONSENTSCOPE",
        "WILLINGTOTESTIFY", "CONFIDENTIALITY", "FILECAPTUREDAT", "FILELATITUDE", "FILELONGITUDE", "FILEDEVICE", "FILEMETADATA", "C2PA",
        "C2PAFAILURES", "C2PASIGNER", "WARNINGS", "EVIDENCEID", "INGESTEDAT", "C2PATRUSTED", "SIGNATURES",
    ];

    /// <summary>
    /// The load file's bytes: UTF-8 with a byte order mark, because Relativity and its peers decide a load file's encoding by
    /// its BOM and would otherwise read the Cyrillic of Ukrainian names and places as a Windows code page.
    /// </summary>
    public static byte[] Write(IReadOnlyList<PackageItem> items)
    {
        var text = new StringBuilder("\uFEFF");
        Row(text, Fields);
        var families = Families(items);
        foreach (var item in items)
        {
            var (begAttach, endAttach) = families.GetValueOrDefault(item.Family ?? item.Ern);
            Row(text,
            [
                // An item is one document of one "page" here: ENDDOC repeats BEGDOC.
                item.Ern, item.Ern, begAttach, endAttach, PathInData(item.File), item.TextFile is null ? null : PathInData(item.TextFile),
                item.Sha256, item.Size.ToString(CultureInfo.InvariantCulture), item.OriginalName, item.Type, item.Date, item.Author,
                item.Source, item.Incident, string.Join("; ", item.Perpetrators), string.Join("; ", item.Victims), string.Join("; ", item.Elements),
                item.Place, Number(item.Latitude), Number(item.Longitude), item.Language, item.Generation, item.DerivedKind,
                item.DerivedFrom?.ToString(), item.DerivedFromErn, item.GivenInsteadOf, item.OriginalHeldAt, item.SourceUrl, item.RetrievedAt, item.Device,
                item.Consent, item.ConsentScope, item.WillingToTestify is { } willing ? (willing ? "yes" : "no") : null, item.Confidentiality,
                item.FileCapturedAt, Number(item.FileLatitude), Number(item.FileLongitude), item.FileDevice, item.FileMetadata, item.C2pa,
                string.Join("; ", item.C2paFailures ?? []), item.C2paSigner, string.Join("; ", item.Warnings ?? []), item.EvidenceId.ToString(), item.IngestedAt,
                item.C2paTrusted is { } trusted ? (trusted ? "yes" : "no") : null, string.Join("; ", item.SignatureSummaries),
            ]);
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>
    /// A value as one field that cannot break its row: the delimiter and the qualifier, should a stated text hold them, become
    /// a space (they have no meaning in a place or a name, and a load file has no escape for them); a line break becomes ¶;
    /// any other control character becomes a space. items.json keeps every value exactly as stated.
    /// </summary>
    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{Qualifier}{Qualifier}";
        }
        var field = new StringBuilder(value.Length + 2).Append(Qualifier);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\r' && i + 1 < value.Length && value[i + 1] == '\n')
            {
                continue; // CRLF is one line break: its LF writes the ¶
            }
            field.Append(c switch
            {
                '\r' or '\n' or '\u2028' or '\u2029' or '\u0085' => NewLine,
                Separator or Qualifier => ' ',
                _ when char.IsControl(c) => ' ',
                _ => c,
            });
        }
        return field.Append(Qualifier).ToString();
    }

    private static void Row(StringBuilder text, IEnumerable<string?> values) => text.AppendJoin(Separator, values.Select(Field)).Append("\r\n");

    /// <summary>
    /// The families of this package with more than one member: an original and the items made from it (translations,
    /// transcripts, redactions, ...), which the package places right after it. BEGATTACH is the first member's ERN and
    /// ENDATTACH the last's; an item alone leaves both empty, as a document without attachments does in a production.
    /// </summary>
    private static Dictionary<string, (string? Begin, string? End)> Families(IReadOnlyList<PackageItem> items) =>
        items.GroupBy(i => i.Family ?? i.Ern, StringComparer.Ordinal).Where(g => g.Count() > 1)
            .ToDictionary(g => g.Key, g => ((string?)g.First().Ern, (string?)g.Last().Ern), StringComparer.Ordinal);

    /// <summary>
    /// A file's path as the load file gives it: relative to the bag's <c>data/</c> folder, with Windows separators, as
    /// review platforms (which run on Windows) expect. Import with the bag's data folder as the base folder.
    /// </summary>
    public static string PathInData(string file) => file["data/".Length..].Replace('/', '\\');

    private static string? Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture);
}
