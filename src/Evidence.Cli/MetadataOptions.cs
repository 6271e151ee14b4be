using Evidence.Metadata;

namespace Evidence.Cli;

/// <summary>
/// The court metadata options `ingest` and `amend` share, named as the fields are (docs/case-model.md): --place,
/// --coordinates LAT,LON, --language TAG (repeatable), --original | --copy-of TEXT, --source-url, --retrieved-at,
/// --device, --consent, --consent-scope, --willing-to-testify yes|no, --confidentiality.
/// </summary>
internal static class MetadataOptions
{
    public static readonly string[] Valued =
        ["--place", "--coordinates", "--language", "--copy-of", "--source-url", "--retrieved-at", "--device", "--consent", "--consent-scope",
         "--willing-to-testify", "--confidentiality"];

    public static readonly string[] Flags = ["--original"];

    public static StatedMetadata From(CommandLine line)
    {
        if (line.Has("--original") && line.Value("--copy-of") is not null)
        {
            throw new UsageException("--original and --copy-of say opposite things; give one.");
        }
        return new StatedMetadata
        {
            Place = line.Value("--place"),
            Coordinates = line.Value("--coordinates"),
            Languages = line.Values("--language") is { Count: > 0 } languages ? languages : null,
            Generation = line.Has("--original") ? "original" : line.Value("--copy-of") is not null ? "copy" : null,
            OriginalHeldAt = line.Value("--copy-of"),
            SourceUrl = line.Value("--source-url"),
            RetrievedAt = line.Value("--retrieved-at"),
            Device = line.Value("--device"),
            Consent = line.Value("--consent"),
            ConsentScope = line.Value("--consent-scope"),
            WillingToTestify = line.Value("--willing-to-testify") switch
            {
                null => null,
                "yes" => true,
                "no" => false,
                var other => throw new UsageException($"--willing-to-testify must be yes or no, not '{Text.Display.Text(other)}'."),
            },
            Confidentiality = line.Value("--confidentiality"),
        };
    }
}
