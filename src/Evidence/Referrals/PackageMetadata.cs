using System.Globalization;
using System.Text.Json;
using System.Text;
using Evidence.Cases;
using Evidence.Domain;
using Evidence.Text;

namespace Evidence.Referrals;

/// <summary>One row of items.csv and items.json: what a prosecutor's e-Court tool needs to register the item.</summary>
public sealed record PackageItem(
    string Ern,
    string File,
    string Title,
    string? Date,
    string Type,
    string Author,
    string? Source,
    string? Language,
    string Confidentiality,
    string Sha256,
    long Size,
    string OriginalName,
    string Incident,
    IReadOnlyList<string> Perpetrators,
    IReadOnlyList<string> Victims,
    IReadOnlyList<string> Elements,
    Guid EvidenceId,
    string IngestedAt,
    // What the investigator stated for the court (Metadata/) and what the file says about itself (Provenance/); absent in
    // packages built before they were recorded.
    string? Place = null,
    double? Latitude = null,
    double? Longitude = null,
    string? Generation = null,
    string? OriginalHeldAt = null,
    Guid? DerivedFrom = null,
    string? SourceUrl = null,
    string? RetrievedAt = null,
    string? Device = null,
    string? Consent = null,
    string? ConsentScope = null,
    bool? WillingToTestify = null,
    string? FileCapturedAt = null,
    double? FileLatitude = null,
    double? FileLongitude = null,
    string? FileDevice = null,
    string? FileMetadata = null,
    IReadOnlyList<string>? Warnings = null,
    string? C2pa = null,
    IReadOnlyList<string>? C2paFailures = null,
    string? C2paSigner = null,
    // Since the load file (issue 17): what a derived item is and the number of the item it was made from, the family it
    // belongs to in this package (the ERN of the family's first item), the extracted text's file, and, in a redacted-only
    // package, the ERN of the original this redaction is given instead of.
    string? DerivedKind = null,
    string? DerivedFromErn = null,
    string? Family = null,
    string? TextFile = null,
    string? GivenInsteadOf = null,
    // Since signer trust and detached signatures (issue 17, item 3): whether the C2PA signer chains to a configured trust
    // anchor and why (or why not), and each detached OpenPGP signature that came with the file, with the signature and the
    // key that checked it, armored, so that a recipient can check it again with gpg.
    bool? C2paTrusted = null,
    string? C2paTrust = null,
    IReadOnlyList<Provenance.SignatureVerdict>? Signatures = null)
{
    /// <summary>Each signature in one line: its kind and its verdict in words.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string> SignatureSummaries => (Signatures ?? []).Select(s => $"{s.Kind} {s.InWords}").ToList();
}

/// <summary>
/// Everything the package says about its evidence, built once from the database and written as items.csv,
/// items.json, case.json (and identities.json when identities were requested and allowed) and the cover report.
/// Victims appear by pseudonym code only, everywhere but identities.json.
/// </summary>
internal sealed class PackageMetadata
{
    // Children are the victims: an item without a statement leaves as confidential, and the recipient reclassifies it.
    private const string DefaultConfidentiality = "confidential";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly Dictionary<Guid, string> files;
    private readonly Dictionary<Guid, string> texts;

    public PackageMetadata(Guid packageId, DateTimeOffset createdAt, Recipient recipient, string organisation, Incident incident,
        IReadOnlyList<EvidenceItem> items, IReadOnlyDictionary<Guid, ItemMetadata> statements, IReadOnlyDictionary<Guid, string> erns, IReadOnlyList<EvidenceTag> tags,
        IReadOnlyList<Perpetrator> perpetrators, IReadOnlyList<PerpetratorLink> links, IReadOnlyList<Victim> victims, long checkpointSize,
        IReadOnlyDictionary<string, VictimIdentity>? identities, IReadOnlyDictionary<Guid, Guid> families, IReadOnlyDictionary<Guid, Guid> givenInsteadOf,
        Func<EvidenceItem, string?> extractedText)
    {
        PackageId = packageId;
        CreatedAt = createdAt;
        Recipient = recipient;
        Organisation = organisation;
        Incident = incident;
        Perpetrators = perpetrators;
        Links = links;
        Victims = victims;
        CheckpointSize = checkpointSize;
        Identities = identities;
        files = items.ToDictionary(i => i.Id, i => BagNames.EvidenceFile(erns[i.Id], i.OriginalName));
        // The text Evidence extracted for search travels beside the item, so that the recipient's platform searches the same words.
        // The database keeps it sealed (Search/SealedText.cs); the package carries it opened, as extracted.
        var opened = items.ToDictionary(i => i.Id, extractedText);
        texts = items.Where(i => !string.IsNullOrEmpty(opened[i.Id])).ToDictionary(i => i.Id, i => $"data/text/{erns[i.Id]}.txt");
        ItemTexts = items.Where(i => texts.ContainsKey(i.Id)).Select(i => (texts[i.Id], opened[i.Id]!)).ToList();
        var names = perpetrators.ToDictionary(p => p.Id, p => p.Name);
        Items = items.Select(item =>
        {
            var own = tags.Where(t => t.EvidenceId == item.Id).ToList();
            var stated = statements.GetValueOrDefault(item.Id);
            var file = Provenance.FileProvenance.FromJson(item.Provenance);
            return new PackageItem(
                erns[item.Id],
                files[item.Id],
                FileNames.LastSegment(item.OriginalName),
                item.CapturedAt,
                item.MediaType,
                item.Collector,
                item.Source,
                stated?.Languages,
                Metadata.StatedMetadata.Word<Confidentiality>(stated?.Confidentiality) ?? DefaultConfidentiality,
                item.Sha256,
                item.Size,
                item.OriginalName,
                incident.Title,
                own.Where(t => t.PerpetratorId is not null).Select(t => names[t.PerpetratorId!.Value]).Distinct().Order(StringComparer.Ordinal).ToList(),
                own.Where(t => t.VictimCode is not null).Select(t => t.VictimCode!).Distinct().Order(StringComparer.Ordinal).ToList(),
                own.Where(t => t.IncidentId == incident.Id).SelectMany(t => t.Elements).Distinct().Order(StringComparer.Ordinal).ToList(),
                item.Id,
                item.IngestedAtUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                stated?.Place,
                stated?.Latitude,
                stated?.Longitude,
                Metadata.StatedMetadata.Word(stated?.Generation),
                stated?.OriginalHeldAt,
                stated?.DerivedFrom,
                stated?.SourceUrl,
                stated?.RetrievedAt,
                stated?.Device,
                Metadata.StatedMetadata.Word(stated?.Consent),
                stated?.ConsentScope,
                stated?.WillingToTestify,
                file?.Exif.CapturedAt,
                file?.Exif.Latitude,
                file?.Exif.Longitude,
                file?.Exif is { } exif && (exif.Make ?? exif.Model) is not null ? $"{exif.Make} {exif.Model}".Trim() : null,
                file?.Exif.State,
                file?.Warnings(item.CapturedAt, stated) ?? [],
                file?.C2pa?.State,
                file?.C2pa?.Failures ?? [],
                file?.C2pa?.Signer,
                Metadata.StatedMetadata.Word(stated?.DerivedKind),
                stated?.DerivedFrom is { } from ? erns.GetValueOrDefault(from) : null,
                erns[families[item.Id]],
                texts.GetValueOrDefault(item.Id),
                givenInsteadOf.TryGetValue(item.Id, out var original) ? erns.GetValueOrDefault(original) : null,
                file?.C2pa is { State: not Provenance.C2paStates.Absent } trust ? trust.Trusted : null,
                file?.C2pa?.TrustReason,
                file?.Signatures ?? []);
        }).ToList();
        var ernOf = Items.ToDictionary(i => i.EvidenceId, i => i.Ern);
        var matrix = ElementsMatrix.For(incident, tags.Where(t => t.IncidentId == incident.Id).Select(t => (t.EvidenceId, (IEnumerable<string>)t.Elements)));
        Matrix = matrix.Articles.Select(a => new MatrixArticle(a.Article, a.Title,
            a.Elements.Select(e => new MatrixElement(e.Number, e.Text, e.Evidence.Select(id => ernOf[id]).Order(StringComparer.Ordinal).ToList())).ToList())).ToList();
    }

    public Guid PackageId { get; }
    public DateTimeOffset CreatedAt { get; }
    public Recipient Recipient { get; }
    public string Organisation { get; }
    public Incident Incident { get; }
    public IReadOnlyList<PackageItem> Items { get; }
    public IReadOnlyList<Perpetrator> Perpetrators { get; }
    public IReadOnlyList<PerpetratorLink> Links { get; }
    public IReadOnlyList<Victim> Victims { get; }
    public IReadOnlyList<MatrixArticle> Matrix { get; }
    public long CheckpointSize { get; }
    public IReadOnlyDictionary<string, VictimIdentity>? Identities { get; }

    /// <summary>Each extracted text file of the package (data/text/&lt;ERN&gt;.txt) and its text.</summary>
    public IReadOnlyList<(string File, string Text)> ItemTexts { get; }

    /// <summary>Whether the package gives redactions instead of originals (package --redacted-only).</summary>
    public bool RedactedOnly { get; init; }

    /// <summary>The language of the cover report (package --language); the metadata files keep their English field names and recorded values.</summary>
    public CoverTexts Cover { get; init; } = CoverTexts.English;

    public string Description =>
        $"Referral package for {Recipient.Name} ({Recipient.Purpose}): {Items.Count} items on incident \"{Incident.Title}\"{(RedactedOnly ? ", redacted copies only" : "")}, from {Organisation}.";

    public string FileOf(Guid evidenceId) => files[evidenceId];

    public string ItemsJson() => JsonSerializer.Serialize(Items, Json);

    /// <summary>The Concordance DAT load file (LoadFile.cs).</summary>
    public byte[] LoadFileDat() => LoadFile.Write(Items);

    /// <summary>An extracted text as its file in the bag: UTF-8 with a byte order mark, read by review platforms as the load file is.</summary>
    public static byte[] TextFileBytes(string text) => Encoding.UTF8.GetBytes("\uFEFF" + text);

    /// <summary>RFC 4180 CSV, UTF-8 with a byte order mark so that spreadsheet programs read Cyrillic correctly.</summary>
    public byte[] ItemsCsv()
    {
        var csv = new StringBuilder("\uFEFF");
        csv.Append("ERN,Title,Date,Type,Author,Source,Language,Confidentiality,SHA-256,Size,Original name,Incident,Perpetrators,Victims,Elements,Evidence id,File,Ingested at," +
                   "Place,Latitude,Longitude,Generation,Original held at,Derived from,Source URL,Retrieved at,Device,Consent,Consent scope,Willing to testify," +
                   "File captured at,File latitude,File longitude,File device,File metadata,Warnings,C2PA,C2PA failures,C2PA signer," +
                   "Derived kind,Derived from ERN,Family,Text file,Given instead of,C2PA trusted,C2PA trust,Signatures\r\n");
        foreach (var i in Items)
        {
            csv.AppendJoin(',', new[]
            {
                i.Ern, i.Title, i.Date, i.Type, i.Author, i.Source, i.Language, i.Confidentiality, i.Sha256, i.Size.ToString(CultureInfo.InvariantCulture),
                i.OriginalName, i.Incident, string.Join("; ", i.Perpetrators), string.Join("; ", i.Victims), string.Join("; ", i.Elements),
                i.EvidenceId.ToString(), i.File, i.IngestedAt,
                i.Place, Number(i.Latitude), Number(i.Longitude), i.Generation, i.OriginalHeldAt, i.DerivedFrom?.ToString(), i.SourceUrl, i.RetrievedAt, i.Device,
                i.Consent, i.ConsentScope, i.WillingToTestify is { } willing ? (willing ? "yes" : "no") : null,
                i.FileCapturedAt, Number(i.FileLatitude), Number(i.FileLongitude), i.FileDevice, i.FileMetadata, string.Join("; ", i.Warnings ?? []),
                i.C2pa, string.Join("; ", i.C2paFailures ?? []), i.C2paSigner,
                i.DerivedKind, i.DerivedFromErn, i.Family, i.TextFile, i.GivenInsteadOf,
                i.C2paTrusted is { } trusted ? (trusted ? "yes" : "no") : null, i.C2paTrust, string.Join("; ", i.SignatureSummaries),
            }.Select(Cell)).Append("\r\n");
        }
        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    private static string? Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture);

    public string CaseJson() => JsonSerializer.Serialize(new
    {
        package = new
        {
            id = PackageId,
            createdAt = CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            from = Organisation,
            recipient = new { kind = Recipient.Kind.ToString().ToLowerInvariant(), name = Recipient.Name, address = Recipient.Address, reference = Recipient.Reference },
            checkpointSize = CheckpointSize,
            identities = Identities is null ? "pseudonyms only" : "included in identities.json",
            // Which items were given as a redaction instead of their original: items.json's givenInsteadOf names each original.
            redactedOnly = RedactedOnly,
            givenRedacted = Items.Where(i => i.GivenInsteadOf is not null).Select(i => new { ern = i.Ern, insteadOf = i.GivenInsteadOf }),
            // The language README.html is written in ("en", "uk"), so that a reader, or a tool, knows which report they hold.
            coverReportLanguage = Cover.Code,
        },
        incident = new
        {
            id = Incident.Id,
            title = Incident.Title,
            description = Incident.Description,
            kind = Incident.Kind.ToString(),
            periodFrom = Incident.PeriodFrom,
            periodTo = Incident.PeriodTo,
            place = Incident.Place,
            region = Incident.Region,
            country = Incident.Country,
            latitude = Incident.Latitude,
            longitude = Incident.Longitude,
            childrenAffected = Incident.ChildrenAffected,
            articles = Incident.Articles,
        },
        perpetrators = Perpetrators.Select(p => new { id = p.Id, name = p.Name, kind = p.Kind.ToString(), position = p.Position, affiliation = p.Affiliation, aliases = p.Aliases }),
        perpetratorLinks = Links.Select(l => new { from = l.FromId, relation = l.Relation.ToString(), to = l.ToId }),
        victims = Victims.Select(v => new { code = v.Code, ageAtIncident = v.AgeAtIncident, sex = v.Sex, origin = v.Origin, status = v.Status.ToString() }),
        elementsMatrix = Matrix,
        gaps = Matrix.Sum(a => a.Elements.Count(e => e.Evidence.Count == 0)),
    }, Json);

    public string IdentitiesJson() => JsonSerializer.Serialize(new
    {
        warning = "Identities of child victims, released for this package only. Protect under Rome Statute article 68(1).",
        identities = (Identities ?? new Dictionary<string, VictimIdentity>()).OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new { code = p.Key, name = p.Value.Name, bornOn = p.Value.BornOn, documents = p.Value.Documents, familyContacts = p.Value.FamilyContacts }),
    }, Json);

    private static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        // A cell a spreadsheet would run as a formula is shown as text.
        // A number (a western longitude, a southern latitude) stays a number: "-33.5" is not a formula.
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r'
            && !double.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}

public sealed record MatrixArticle(string Article, string Title, IReadOnlyList<MatrixElement> Elements);

public sealed record MatrixElement(int Number, string Text, IReadOnlyList<string> Evidence);
