namespace Evidence;

/// <summary>
/// Where an Evidence installation keeps its data, and which stores it uses. The embedded default is a
/// home folder holding the SQLite database, the blob folder and the keys.
/// </summary>
public sealed record EvidenceSettings
{
    /// <summary>The data folder: <c>--home</c>, else <c>EVIDENCE_HOME</c>, else <c>./.evidence</c>.</summary>
    public required string Home { get; init; }

    /// <summary>When set, blobs go to Azure Blob Storage (or Azurite) instead of the home's blob folder.</summary>
    public string? AzureBlobConnectionString { get; init; }

    public string AzureBlobContainer { get; init; } = "evidence";

    /// <summary>How long a request waits for another writer's database lock before it gives up cleanly.</summary>
    public TimeSpan DatabaseBusyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of one blob operation before the request fails (the Azure SDK's own retry policy).</summary>
    public int BlobRetries { get; init; } = 3;

    /// <summary>Azure staging blobs older than this are taken for crash leftovers and removed at start-up.</summary>
    public TimeSpan StagingMaxAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The ledger's origin line and signing-key name (C2SP checkpoint); unique per installation.</summary>
    public string LedgerName { get; init; } = "evidence.local/ledger";

    /// <summary>An RFC 3161 time-stamping authority; when set, every checkpoint gets a token from it.</summary>
    public Uri? TimestampAuthorityUrl { get; init; }

    /// <summary>The TSA's certificate or the CA that issued it (PEM or DER); tokens signed by anyone else are refused and reported.</summary>
    public string? TimestampAuthorityCertificate { get; init; }

    public TimeSpan TimestampAuthorityTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string DatabasePath => Path.Combine(Home, "evidence.db");
    public string BlobFolder => Path.Combine(Home, "blobs");
    public string KeyFolder => Path.Combine(Home, "keys");

    /// <summary>Reads the environment: EVIDENCE_HOME, EVIDENCE_AZURE_BLOB, EVIDENCE_AZURE_CONTAINER, EVIDENCE_LEDGER_NAME, EVIDENCE_DB_TIMEOUT (seconds),
    /// EVIDENCE_TSA_URL, EVIDENCE_TSA_CERT.</summary>
    public static EvidenceSettings FromEnvironment(string? home = null)
    {
        var settings = new EvidenceSettings
        {
            Home = Path.GetFullPath(home ?? Environment.GetEnvironmentVariable("EVIDENCE_HOME") ?? ".evidence"),
            AzureBlobConnectionString = NullIfBlank(Environment.GetEnvironmentVariable("EVIDENCE_AZURE_BLOB")),
        };
        if (NullIfBlank(Environment.GetEnvironmentVariable("EVIDENCE_AZURE_CONTAINER")) is { } container)
        {
            settings = settings with { AzureBlobContainer = container };
        }
        if (NullIfBlank(Environment.GetEnvironmentVariable("EVIDENCE_LEDGER_NAME")) is { } ledgerName)
        {
            settings = settings with { LedgerName = ledgerName };
        }
        if (NullIfBlank(Environment.GetEnvironmentVariable("EVIDENCE_TSA_URL")) is { } tsa)
        {
            settings = settings with { TimestampAuthorityUrl = Uri.TryCreate(tsa, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                ? url
                : throw new Pipeline.InvalidRequestException($"EVIDENCE_TSA_URL must be an http or https URL, not '{tsa}'.") };
        }
        if (NullIfBlank(Environment.GetEnvironmentVariable("EVIDENCE_TSA_CERT")) is { } tsaCertificate)
        {
            settings = settings with { TimestampAuthorityCertificate = Path.GetFullPath(tsaCertificate) };
        }
        if (int.TryParse(Environment.GetEnvironmentVariable("EVIDENCE_DB_TIMEOUT"), out var seconds) && seconds > 0)
        {
            settings = settings with { DatabaseBusyTimeout = TimeSpan.FromSeconds(seconds) };
        }
        return settings;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
