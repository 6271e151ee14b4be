using System.Globalization;
using System.Text.RegularExpressions;
using Evidence.Domain;
using Evidence.Text;

namespace Evidence.Metadata;

/// <summary>
/// What an investigator states about an item for a court, as typed (command-line options, form fields, JSON): every
/// field optional. Words are written as on the command line: <c>not-required</c>, <c>strictly-confidential</c>.
/// At intake an absent field is simply not stated; in an amendment an absent field keeps its value and an empty one
/// clears it.
/// </summary>
public sealed partial record StatedMetadata
{
    public string? Place { get; init; }

    /// <summary>"latitude,longitude" in decimal degrees (WGS 84): "46.6354,32.6169".</summary>
    public string? Coordinates { get; init; }

    /// <summary>BCP 47 tags: "uk", "ru", "en-GB".</summary>
    public IReadOnlyList<string>? Languages { get; init; }

    /// <summary>original, copy or derived.</summary>
    public string? Generation { get; init; }

    /// <summary>For a copy: where the original is held.</summary>
    public string? OriginalHeldAt { get; init; }

    /// <summary>For a derived item: the item it was made from.</summary>
    public Guid? DerivedFrom { get; init; }

    /// <summary>For a derived item: translation, transcript, redaction, summary or ocr.</summary>
    public string? DerivedKind { get; init; }

    public string? SourceUrl { get; init; }
    public string? RetrievedAt { get; init; }
    public string? Device { get; init; }

    /// <summary>given, refused, not-required or unknown.</summary>
    public string? Consent { get; init; }
    public string? ConsentScope { get; init; }
    public bool? WillingToTestify { get; init; }

    /// <summary>public, confidential (the default) or strictly-confidential.</summary>
    public string? Confidentiality { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => this == new StatedMetadata();

    /// <summary>This statement, with <paramref name="under"/>'s values where it says nothing (a sheet's row over the command line).</summary>
    public StatedMetadata Over(StatedMetadata under) => new()
    {
        Place = Place ?? under.Place,
        Coordinates = Coordinates ?? under.Coordinates,
        Languages = Languages ?? under.Languages,
        Generation = Generation ?? under.Generation,
        OriginalHeldAt = OriginalHeldAt ?? (Generation is null ? under.OriginalHeldAt : null),
        DerivedFrom = DerivedFrom ?? (Generation is null ? under.DerivedFrom : null),
        DerivedKind = DerivedKind ?? (Generation is null ? under.DerivedKind : null),
        SourceUrl = SourceUrl ?? under.SourceUrl,
        RetrievedAt = RetrievedAt ?? under.RetrievedAt,
        Device = Device ?? under.Device,
        Consent = Consent ?? under.Consent,
        ConsentScope = ConsentScope ?? under.ConsentScope,
        WillingToTestify = WillingToTestify ?? under.WillingToTestify,
        Confidentiality = Confidentiality ?? under.Confidentiality,
    };

    /// <summary>What is wrong with the fields as typed, each naming the field as the command line does.</summary>
    public IEnumerable<string> Problems(DateTimeOffset now)
    {
        if (Fields.Optional("place", Place, 1000) is { } place)
        {
            yield return place;
        }
        if (Coordinates is { Length: > 0 } && ParseCoordinates(Coordinates) is null)
        {
            yield return "coordinates must be 'latitude,longitude' in decimal degrees, latitude -90 to 90 and longitude -180 to 180: 46.6354,32.6169.";
        }
        foreach (var language in Languages ?? [])
        {
            if (!LanguageTag().IsMatch(language))
            {
                yield return $"language '{Display.Text(language.Length > 40 ? language[..40] + "…" : language)}' is not a BCP 47 tag (uk, ru, en-GB).";
            }
        }
        if (Languages is { Count: > 10 })
        {
            yield return "at most 10 languages.";
        }
        if (Generation is { Length: > 0 } && Word<ItemGeneration>(Generation) is null)
        {
            yield return "generation must be original, copy or derived.";
        }
        if (DerivedKind is { Length: > 0 } && Word<Domain.DerivedKind>(DerivedKind) is null)
        {
            yield return "kind must be translation, transcript, redaction, summary or ocr.";
        }
        if (Fields.Optional("copy-of", OriginalHeldAt, 1000) is { } heldAt)
        {
            yield return heldAt;
        }
        if (SourceUrl is { Length: > 0 } && !(SourceUrl.Length <= 2000 && Uri.TryCreate(SourceUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
        {
            yield return "source-url must be an http or https URL of at most 2000 characters.";
        }
        if (RetrievedAt is { Length: > 0 } && PartialDate.Normalize("retrieved-at", RetrievedAt, now, out var problem) is null)
        {
            yield return problem!;
        }
        if (Fields.Optional("device", Device, 400) is { } device)
        {
            yield return device;
        }
        if (Consent is { Length: > 0 } && Word<ConsentState>(Consent) is null)
        {
            yield return "consent must be given, refused, not-required or unknown.";
        }
        if (Fields.Optional("consent scope", ConsentScope, 1000, multiline: true) is { } scope)
        {
            yield return scope;
        }
        if (Confidentiality is { Length: > 0 } && Word<Domain.Confidentiality>(Confidentiality) is null)
        {
            yield return "confidentiality must be public, confidential or strictly-confidential.";
        }
    }

    /// <summary>
    /// The next version of an item's statement: <paramref name="current"/> with what this states, checked as a whole (a
    /// copy says where its original is held, only a derived item names what it derives from).
    /// </summary>
    internal ItemMetadata Apply(ItemMetadata? current, Guid evidenceId, string? reason, DateTime statedAtUtc, string statedBy, DateTimeOffset now, out List<string> changed)
    {
        var (latitude, longitude) = Coordinates is null ? (current?.Latitude, current?.Longitude)
            : Coordinates.Length == 0 ? (null, null)
            : ParseCoordinates(Coordinates)!.Value;
        var next = new ItemMetadata
        {
            Id = Guid.CreateVersion7(now),
            EvidenceId = evidenceId,
            Version = current is null ? 0 : current.Version + 1,
            Place = Text(Place, current?.Place),
            Latitude = latitude,
            Longitude = longitude,
            Languages = Languages is null ? current?.Languages : Languages.Count == 0 ? null : string.Join(' ', Languages.Select(l => l.Trim())),
            Generation = Generation is null ? current?.Generation : Word<ItemGeneration>(Generation),
            // Stating a generation restates what goes with it: a derived item made original again no longer names an original.
            OriginalHeldAt = Text(OriginalHeldAt, Keeps(ItemGeneration.Copy, current) ? current?.OriginalHeldAt : null),
            DerivedFrom = DerivedFrom ?? (Keeps(ItemGeneration.Derived, current) ? current?.DerivedFrom : null),
            DerivedKind = DerivedKind is null ? (Keeps(ItemGeneration.Derived, current) ? current?.DerivedKind : null) : Word<Domain.DerivedKind>(DerivedKind),
            SourceUrl = Text(SourceUrl, current?.SourceUrl),
            RetrievedAt = RetrievedAt is null ? current?.RetrievedAt : RetrievedAt.Length == 0 ? null : PartialDate.Normalize("retrieved-at", RetrievedAt, now, out _),
            Device = Text(Device, current?.Device),
            Consent = Consent is null ? current?.Consent : Word<ConsentState>(Consent),
            ConsentScope = Text(ConsentScope, current?.ConsentScope),
            WillingToTestify = WillingToTestify ?? current?.WillingToTestify,
            Confidentiality = Confidentiality is { Length: > 0 } ? Word<Domain.Confidentiality>(Confidentiality)!.Value
                : current?.Confidentiality ?? Domain.Confidentiality.Confidential,
            Reason = Fields.Trimmed(reason),
            StatedAtUtc = statedAtUtc,
            StatedBy = statedBy,
            Salt = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)),
        };
        var problems = new List<string>();
        if (next.Generation == ItemGeneration.Copy && next.OriginalHeldAt is null)
        {
            problems.Add("a copy says where its original is held: give --copy-of TEXT.");
        }
        if (next.Generation != ItemGeneration.Copy && next.OriginalHeldAt is not null)
        {
            problems.Add("only a copy says where its original is held (--copy-of).");
        }
        if ((next.Generation == ItemGeneration.Derived) != (next.DerivedFrom is not null))
        {
            problems.Add("a derived item, and only a derived item, names the item it derives from.");
        }
        if (next.DerivedKind is not null && next.Generation != ItemGeneration.Derived)
        {
            problems.Add("only a derived item has a kind (translation, transcript, redaction, summary, ocr).");
        }
        if (next.DerivedFrom == evidenceId)
        {
            problems.Add("an item cannot derive from itself.");
        }
        if (problems.Count > 0)
        {
            throw new Requests.InvalidRequestException("The metadata was not recorded.", problems);
        }
        changed = current is null ? [] : ChangedFields(current, next);
        return next;
    }

    private static List<string> ChangedFields(ItemMetadata before, ItemMetadata after)
    {
        var changed = new List<string>();
        void Compare(string name, object? a, object? b)
        {
            if (!Equals(a, b))
            {
                changed.Add(name);
            }
        }
        Compare("place", before.Place, after.Place);
        Compare("coordinates", (before.Latitude, before.Longitude), (after.Latitude, after.Longitude));
        Compare("language", before.Languages, after.Languages);
        Compare("generation", (before.Generation, before.OriginalHeldAt, before.DerivedFrom, before.DerivedKind), (after.Generation, after.OriginalHeldAt, after.DerivedFrom, after.DerivedKind));
        Compare("source-url", before.SourceUrl, after.SourceUrl);
        Compare("retrieved-at", before.RetrievedAt, after.RetrievedAt);
        Compare("device", before.Device, after.Device);
        Compare("consent", (before.Consent, before.ConsentScope), (after.Consent, after.ConsentScope));
        Compare("willing-to-testify", before.WillingToTestify, after.WillingToTestify);
        Compare("confidentiality", before.Confidentiality, after.Confidentiality);
        return changed;
    }

    private static string? Text(string? given, string? current) => given is null ? current : Fields.Trimmed(given);

    // Whether the current value of a field that belongs to one generation carries over: only when no other generation is stated.
    private bool Keeps(ItemGeneration generation, ItemMetadata? current) =>
        Generation is null || Word<ItemGeneration>(Generation) == generation && current?.Generation == generation;

    /// <summary>A word of the command line ("not-required") as its enum value; null for anything else, numbers included.</summary>
    public static T? Word<T>(string value) where T : struct, Enum =>
        value.Length > 0 && value.All(c => char.IsAsciiLetter(c) || c == '-')
        && Enum.TryParse<T>(value.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
            ? parsed
            : null;

    /// <summary>An enum value as the command line writes it: NotRequired as "not-required".</summary>
    public static string? Word<T>(T? value) where T : struct, Enum =>
        value is { } v ? string.Concat(v.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString())) : null;

    private static (double Latitude, double Longitude)? ParseCoordinates(string text)
    {
        var parts = text.Split(',');
        return parts.Length == 2
               && double.TryParse(parts[0].Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var latitude)
               && double.TryParse(parts[1].Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var longitude)
               && latitude is >= -90 and <= 90 && longitude is >= -180 and <= 180
            ? (latitude, longitude)
            : null;
    }

    // Well-formed BCP 47 as far as courts need: a 2-3 letter language, then subtags of 1-8 letters or digits.
    [GeneratedRegex("^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,4}$")]
    private static partial Regex LanguageTag();
}
