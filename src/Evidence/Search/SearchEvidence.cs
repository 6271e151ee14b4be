using Evidence.Access;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Metadata;
using Evidence.Requests;
using Evidence.Text;
using MediatR;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Search;

/// <summary>
/// Finds evidence by words (in incident titles and descriptions, tag notes, original names, sources and the
/// text of documents; SQLite FTS5) and by filters. Results never carry protected identity fields: victims
/// appear by pseudonym code. Auditors may not search: word search over documents would let them probe content.
/// </summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor)]
public sealed record SearchEvidence(
    string? Text = null,
    Guid? IncidentId = null,
    Guid? PerpetratorId = null,
    string? VictimCode = null,
    string? MediaType = null,
    string? CapturedFrom = null,
    string? CapturedTo = null,
    string? Collector = null,
    string? Sha256 = null,
    int Limit = 200,
    string? Language = null,
    string? Generation = null,
    string? Consent = null,
    string? Confidentiality = null,
    string? C2pa = null,
    bool? HasGps = null,
    string? Place = null,
    string? Sort = null,
    int Offset = 0) : IRequest<IReadOnlyList<EvidenceRecord>>, IValidatedRequest
{
    /// <summary>What results may be sorted by; "-" before a word sorts the other way. Ingest order is the default.</summary>
    public static readonly IReadOnlyList<string> SortKeys = ["ingested", "captured", "name", "size", "type"];

    public IEnumerable<string> Validate()
    {
        IEnumerable<string?> problems =
        [
            Fields.Optional("the search text", Text, 1000),
            Fields.Optional("the collector", Collector, 200),
            Fields.Optional("the media type", MediaType, 100),
            Fields.Optional("the place", Place, 200),
            Sha256 is null || Sha256.Length is >= 4 and <= 64 && Sha256.All(char.IsAsciiHexDigit) ? null : "the SHA-256 must be 4 to 64 hexadecimal digits (a prefix or the whole hash).",
            CapturedFrom is null || IsDate(CapturedFrom) ? null : "the from date must be YYYY, YYYY-MM or YYYY-MM-DD.",
            CapturedTo is null || IsDate(CapturedTo) ? null : "the to date must be YYYY, YYYY-MM or YYYY-MM-DD.",
            CapturedFrom is not null && CapturedTo is not null && string.CompareOrdinal(CapturedFrom, CapturedTo) > 0 ? "the from date is after the to date." : null,
            Limit is < 1 or > 10000 ? "the limit must be 1 to 10000." : null,
            Offset is < 0 or > 10_000_000 ? "the offset must be 0 to 10000000." : null,
            Sort is null || SortKeys.Contains(Sort.TrimStart('-')) && Sort.LastIndexOf('-') <= 0 ? null : $"the sort must be one of {string.Join(", ", SortKeys)}, with - before it for the other way.",
            Language is null || (Language.Length <= 35 && Language.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) ? null : "the language must be a BCP 47 tag (uk, en-GB).",
            Generation is null || StatedMetadata.Word<ItemGeneration>(Generation) is not null ? null : "the generation must be original, copy or derived.",
            Consent is null || StatedMetadata.Word<ConsentState>(Consent) is not null ? null : "the consent must be given, refused, not-required or unknown.",
            Confidentiality is null || StatedMetadata.Word<Domain.Confidentiality>(Confidentiality) is not null ? null : "the confidentiality must be public, confidential or strictly-confidential.",
            C2pa is null or "valid" or "invalid" or "absent" or "unreadable" ? null : "the C2PA state must be valid, invalid, absent or unreadable.",
        ];
        return problems.OfType<string>();
    }

    private static bool IsDate(string value) =>
        value.Length is 4 or 7 or 10 && value.Select((c, i) => i is 4 or 7 ? c == '-' : char.IsAsciiDigit(c)).All(ok => ok);
}

/// <summary>One evidence item as search shows it: metadata and links, never content, never identities.</summary>
public sealed record EvidenceRecord(
    Guid Id,
    string Sha256,
    long Size,
    string MediaType,
    string OriginalName,
    string Collector,
    string? Source,
    string? CapturedAt,
    DateTime IngestedAtUtc,
    IReadOnlyList<Guid> Incidents,
    IReadOnlyList<Guid> Perpetrators,
    IReadOnlyList<string> Victims);

internal sealed class SearchEvidenceHandler(EvidenceDbContext db, CurrentActor actor, SealedText sealedText) : IRequestHandler<SearchEvidence, IReadOnlyList<EvidenceRecord>>
{
    public async Task<IReadOnlyList<EvidenceRecord>> Handle(SearchEvidence request, CancellationToken cancellationToken)
    {
        var activeTags = db.EvidenceTags.Where(t => t.RemovedAtUtc == null);
        var items = Access.Visibility.Evidence(db, actor.Value).AsNoTracking();
        if (FullTextQuery(request.Text, _ => []) is not null)
        {
            var matched = await MatchAsync(request.Text!, cancellationToken);
            items = items.Where(e => matched.Contains(e.Id));
        }
        if (request.IncidentId is { } incident)
        {
            items = items.Where(e => activeTags.Any(t => t.EvidenceId == e.Id && t.IncidentId == incident));
        }
        if (request.PerpetratorId is { } perpetrator)
        {
            items = items.Where(e => activeTags.Any(t => t.EvidenceId == e.Id && t.PerpetratorId == perpetrator));
        }
        // A child the actor may not see is neither a filter nor a result: its code answers as one that does not exist.
        var seenVictims = Access.Visibility.Victims(db, actor.Value).Select(v => v.Code);
        if (request.VictimCode is { } victim)
        {
            items = items.Where(e => activeTags.Any(t => t.EvidenceId == e.Id && t.VictimCode == victim && seenVictims.Contains(t.VictimCode)));
        }
        if (request.MediaType is { } mediaType)
        {
            items = items.Where(e => e.MediaType == mediaType);
        }
        if (request.Collector is { } collector)
        {
            items = items.Where(e => e.Collector == collector);
        }
        if (request.Sha256?.ToLowerInvariant() is { } sha256)
        {
            items = sha256.Length == 64 ? items.Where(e => e.Sha256 == sha256) : items.Where(e => e.Sha256.StartsWith(sha256));
        }
        // What was stated for the court: the current statement of each item decides (Metadata/).
        var current = Statements.Current(db);
        if (request.Language is { } language)
        {
            items = items.Where(e => current.Any(m => m.EvidenceId == e.Id && (" " + m.Languages + " ").Contains(" " + language + " ")));
        }
        if (request.Generation is { } generationWord && StatedMetadata.Word<ItemGeneration>(generationWord) is { } generation)
        {
            items = items.Where(e => current.Any(m => m.EvidenceId == e.Id && m.Generation == generation));
        }
        if (request.Consent is { } consentWord && StatedMetadata.Word<ConsentState>(consentWord) is { } consent)
        {
            items = items.Where(e => current.Any(m => m.EvidenceId == e.Id && m.Consent == consent));
        }
        if (request.Confidentiality is { } levelWord && StatedMetadata.Word<Domain.Confidentiality>(levelWord) is { } level)
        {
            items = items.Where(e => current.Any(m => m.EvidenceId == e.Id && m.Confidentiality == level));
        }
        if (request.Place is { } place && Folded(place) is { Length: > 0 } wanted)
        {
            // Folded in memory, not by the database: SQLite's lower() knows only ASCII, and most places here are written
            // in Cyrillic. One row per stated place, so this stays small next to the items themselves.
            var placed = await current.Where(m => m.Place != null).Select(m => new { m.EvidenceId, m.Place }).ToListAsync(cancellationToken);
            var matching = placed.Where(p => Folded(p.Place!).Contains(wanted, StringComparison.Ordinal)).Select(p => p.EvidenceId).ToList();
            items = items.Where(e => matching.Contains(e.Id));
        }
        // What the file says about itself, as intake wrote it (Provenance/FileProvenance, serialized with fixed names).
        if (request.C2pa is { } c2pa)
        {
            var state = $"\"c2pa\":{{\"state\":\"{c2pa}\"";
            items = items.Where(e => e.Provenance != null && e.Provenance.Contains(state));
        }
        if (request.HasGps is { } hasGps)
        {
            items = hasGps
                ? items.Where(e => e.Provenance != null && e.Provenance.Contains("\"latitude\":") && !e.Provenance.Contains("\"latitude\":null"))
                : items.Where(e => e.Provenance == null || !e.Provenance.Contains("\"latitude\":") || e.Provenance.Contains("\"latitude\":null"));
        }
        // Captured-at is ISO 8601 at its own precision, so dates compare as text on the digits both have.
        if (request.CapturedFrom is { } from)
        {
            items = items.Where(e => e.CapturedAt != null && string.Compare(e.CapturedAt, from) >= 0);
        }
        if (request.CapturedTo is { } to)
        {
            items = items.Where(e => e.CapturedAt != null && string.Compare(e.CapturedAt.Substring(0, to.Length), to) <= 0);
        }
        var found = await Sorted(items, request.Sort).Skip(request.Offset).Take(request.Limit).ToListAsync(cancellationToken);
        var ids = found.Select(e => e.Id).ToList();
        var tags = await activeTags.AsNoTracking().Where(t => ids.Contains(t.EvidenceId))
            .Select(t => new { t.EvidenceId, t.IncidentId, t.PerpetratorId, VictimCode = seenVictims.Contains(t.VictimCode) ? t.VictimCode : null })
            .ToListAsync(cancellationToken);
        var byItem = tags.ToLookup(t => t.EvidenceId);
        return found.Select(e => new EvidenceRecord(e.Id, e.Sha256, e.Size, e.MediaType, e.OriginalName, e.Collector, e.Source, e.CapturedAt, e.IngestedAtUtc,
            byItem[e.Id].Where(t => t.IncidentId != null).Select(t => t.IncidentId!.Value).Distinct().ToList(),
            byItem[e.Id].Where(t => t.PerpetratorId != null).Select(t => t.PerpetratorId!.Value).Distinct().ToList(),
            byItem[e.Id].Where(t => t.VictimCode != null).Select(t => t.VictimCode!).Distinct().Order(StringComparer.Ordinal).ToList())).ToList();
    }

    /// <summary>
    /// The order results come in; the ID last, so that equal keys (two items of one size) keep one order from page to page.
    /// Items without a capture time come after those with one, whichever way.
    /// </summary>
    private static IQueryable<EvidenceItem> Sorted(IQueryable<EvidenceItem> items, string? sort)
    {
        var descending = sort?.StartsWith('-') == true;
        IOrderedQueryable<EvidenceItem> sorted = (sort?.TrimStart('-'), descending) switch
        {
            ("captured", false) => items.OrderBy(e => e.CapturedAt == null).ThenBy(e => e.CapturedAt),
            ("captured", true) => items.OrderBy(e => e.CapturedAt == null).ThenByDescending(e => e.CapturedAt),
            ("name", false) => items.OrderBy(e => e.OriginalName),
            ("name", true) => items.OrderByDescending(e => e.OriginalName),
            ("size", false) => items.OrderBy(e => e.Size),
            ("size", true) => items.OrderByDescending(e => e.Size),
            ("type", false) => items.OrderBy(e => e.MediaType),
            ("type", true) => items.OrderByDescending(e => e.MediaType),
            (_, true) => items.OrderByDescending(e => e.IngestedAtUtc),
            _ => items.OrderBy(e => e.IngestedAtUtc),
        };
        return descending ? sorted.ThenByDescending(e => e.Id) : sorted.ThenBy(e => e.Id);
    }

    /// <summary>
    /// A place as search compares it: lower case, runs of spaces as one (КИЇВ = Київ). Diacritics still count (Kyïv is not
    /// Kyiv): the installation runs without ICU (InvariantGlobalization), where Unicode decomposition is not available.
    /// </summary>
    internal static string Folded(string text) =>
        string.Join(' ', text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// Every word the user typed becomes a quoted FTS5 string, so that FTS syntax (AND, NEAR, *, ", :, column
    /// filters) is searched for as text instead of being obeyed; a trailing * on a word keeps its prefix meaning.
    /// A whole word may also match the extracted text through its blind tokens (<see cref="SealedText"/>): "word" OR all of
    /// its tokens. The query is then passed as a parameter, never spliced into SQL.
    /// </summary>
    internal static string? FullTextQuery(string? text, Func<string, IReadOnlyList<string>> blindTokens)
    {
        var words = (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var terms = new List<string>();
        foreach (var word in words)
        {
            var prefix = word.Length > 1 && word.EndsWith('*');
            var bare = prefix ? word.TrimEnd('*') : word;
            if (bare.Length == 0)
            {
                continue;
            }
            var clear = "\"" + bare.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" + (prefix ? "*" : "");
            var blind = prefix ? [] : blindTokens(bare);
            terms.Add(blind.Count == 0 ? clear : $"({clear} OR ({string.Join(" AND ", blind.Select(t => "\"" + t + "\""))}))");
        }
        // Explicit AND: FTS5 joins bare phrases by a space, but not groups in parentheses.
        return terms.Count == 0 ? null : string.Join(" AND ", terms);
    }

    /// <summary>
    /// The same words for PostgreSQL: each word is cut into its letters-and-digits tokens, lower-cased and without
    /// diacritics (as the stored text was, by unaccent), the tokens of one word must follow each other, a trailing *
    /// keeps its prefix meaning, and every word must match. Only letters and digits reach the query, so tsquery syntax
    /// typed by the user (&amp;, |, !, :, quotes) is never obeyed. Null when no word has a letter or digit.
    /// </summary>
    internal static string? PostgresTextQuery(string text, Func<string, IReadOnlyList<string>> blindTokens)
    {
        var terms = new List<string>();
        foreach (var word in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var prefix = word.Length > 1 && word.EndsWith('*');
            var folded = new string(word.Normalize(System.Text.NormalizationForm.FormD)
                .Where(c => char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.NonSpacingMark).ToArray()).ToLowerInvariant();
            var tokens = System.Text.RegularExpressions.Regex.Split(folded, @"[^\p{L}\p{N}]+").Where(t => t.Length > 0).Select(t => $"'{t}'").ToList();
            if (tokens.Count == 0)
            {
                continue;
            }
            if (prefix)
            {
                tokens[^1] += ":*";
            }
            var clear = tokens.Count == 1 ? tokens[0] : "(" + string.Join(" <-> ", tokens) + ")";
            var blind = prefix ? [] : blindTokens(word);
            terms.Add(blind.Count == 0 ? clear : $"({clear} | ({string.Join(" & ", blind.Select(t => $"'{t}'"))}))");
        }
        return terms.Count == 0 ? null : string.Join(" & ", terms);
    }

    private sealed record SearchHit(string Kind, string Ref);

    /// <summary>The evidence the words match: directly (its text, name, source, a tag's note) or through an incident it is tagged to.</summary>
    private async Task<HashSet<Guid>> MatchAsync(string text, CancellationToken cancellationToken)
    {
        List<SearchHit> rows;
        if (db.Database.IsNpgsql())
        {
            if (PostgresTextQuery(text, sealedText.QueryTokens) is not { } query)
            {
                return [];
            }
            rows = await db.Database.SqlQuery<SearchHit>($"SELECT kind AS \"Kind\", ref::text AS \"Ref\" FROM search_text WHERE body @@ to_tsquery('simple', {query})").ToListAsync(cancellationToken);
        }
        else
        {
            try
            {
                rows = await db.Database.SqlQuery<SearchHit>($"SELECT kind AS Kind, ref AS Ref FROM search_text WHERE search_text MATCH {FullTextQuery(text, sealedText.QueryTokens)}").ToListAsync(cancellationToken);
            }
            catch (SqliteException e)
            {
                throw new InvalidRequestException($"The search text could not be searched: {e.Message}.");
            }
        }
        var matched = rows.Where(r => r.Kind == "item").Select(r => Guid.Parse(r.Ref)).ToHashSet();
        var tagIds = rows.Where(r => r.Kind == "tag").Select(r => Guid.Parse(r.Ref)).ToList();
        var incidentIds = rows.Where(r => r.Kind == "incident").Select(r => Guid.Parse(r.Ref)).ToList();
        var viaTags = await db.EvidenceTags.Where(t => t.RemovedAtUtc == null && (tagIds.Contains(t.Id) || (t.IncidentId != null && incidentIds.Contains(t.IncidentId.Value))))
            .Select(t => t.EvidenceId).ToListAsync(cancellationToken);
        matched.UnionWith(viaTags);
        return matched;
    }
}
