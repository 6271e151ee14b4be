using Evidence.Requests;

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

    /// <summary>
    /// When set (<c>postgres://user:password@host:5432/database</c> or an Npgsql connection string), the records live
    /// in PostgreSQL instead of the home's SQLite file: the way to several app servers.
    /// </summary>
    public string? PostgresDatabase { get; init; }

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

    /// <summary>Who sends referral packages: bag-info's Source-Organization and the signing certificate's name.</summary>
    public string OrganisationName { get; init; } = "Evidence documentation team";

    /// <summary>bag-info's Contact-Name: the person a recipient calls about a package.</summary>
    public string OrganisationContact { get; init; } = "Evidence custodian";

    /// <summary>The first two parts of every evidence registration number: situation code and submitting organisation.</summary>
    public string ErnPrefix { get; init; } = "UKR-EVD";

    /// <summary>The default national recipient: the Office of the Prosecutor General of Ukraine.</summary>
    public string NationalProsecutorName { get; init; } = "Office of the Prosecutor General of Ukraine";

    public string NationalProsecutorAddress { get; init; } = "13/15 Riznytska Street, Kyiv 01011, Ukraine";

    /// <summary>A configured organisation signing certificate (PEM) and its PKCS#8 private key; when absent, one is created in the key folder.</summary>
    public string? OrganisationCertificate { get; init; }
    public string? OrganisationKey { get; init; }

    /// <summary>The CA that issued <see cref="OrganisationCertificate"/>; the certificate itself when absent.</summary>
    public string? OrganisationCa { get; init; }

    /// <summary>
    /// The OpenPGP public keys whose detached signatures are trusted (a file of armored keys, or a folder of such files):
    /// EVIDENCE_OPENPGP_KEYS. Read at intake; a key that comes with the evidence verifies but is never trusted.
    /// </summary>
    public string? OpenPgpKeys { get; init; }

    /// <summary>
    /// The trust anchors for C2PA signers (a PEM bundle of CA certificates): EVIDENCE_C2PA_TRUST_ANCHORS. A valid C2PA
    /// manifest is <c>trusted</c> only when its signer's chain reaches one of them; decided at intake.
    /// </summary>
    public string? C2paTrustAnchors { get; init; }

    public string DatabasePath => Path.Combine(Home, "evidence.db");
    public string BlobFolder => Path.Combine(Home, "blobs");
    public string KeyFolder => Path.Combine(Home, "keys");

    /// <summary>The largest file the web app accepts (one multipart request, or one resumable upload): EVIDENCE_MAX_UPLOAD_MB.</summary>
    public long MaxUploadBytes { get; init; } = 8L << 30;

    /// <summary>Where the web app builds referral packages, and the only folder it serves them from.</summary>
    public string PackageFolder => Path.Combine(Home, "packages");

    /// <summary>
    /// The reverse proxies (addresses, or networks as ADDRESS/PREFIX) whose X-Forwarded-For and X-Forwarded-Proto the web
    /// app believes: EVIDENCE_TRUSTED_PROXIES, comma-separated. Empty: only a proxy on the same machine (loopback).
    /// </summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];

    /// <summary>
    /// Chunks of resumable uploads until they are complete, never evidence until then: in the blob store's staging area,
    /// so that every app server sharing the store sees them. This is where the folder store keeps them; on Azure they are
    /// blocks under <c>staging/uploads/</c> of the container.
    /// </summary>
    public string UploadFolder => Path.Combine(BlobFolder, "staging", "uploads");

    /// <summary>The home when neither --home nor EVIDENCE_HOME names one: relative to the working folder.</summary>
    public const string DefaultHome = ".evidence";

    /// <summary>Reads the environment: EVIDENCE_HOME, EVIDENCE_DB, EVIDENCE_AZURE_BLOB, EVIDENCE_AZURE_CONTAINER, EVIDENCE_LEDGER_NAME, EVIDENCE_DB_TIMEOUT (seconds),
    /// EVIDENCE_TSA_URL, EVIDENCE_TSA_CERT, EVIDENCE_ORG_NAME, EVIDENCE_ORG_CONTACT, EVIDENCE_ERN_PREFIX, EVIDENCE_NATIONAL_NAME,
    /// EVIDENCE_NATIONAL_ADDRESS, EVIDENCE_ORG_CERT, EVIDENCE_ORG_KEY, EVIDENCE_ORG_CA, EVIDENCE_MAX_UPLOAD_MB, EVIDENCE_TRUSTED_PROXIES,
    /// EVIDENCE_OPENPGP_KEYS, EVIDENCE_C2PA_TRUST_ANCHORS.</summary>
    /// <param name="home">--home, which wins over EVIDENCE_HOME.</param>
    /// <param name="environment">Where the variables are read: the process environment unless a test gives its own.</param>
    public static EvidenceSettings FromEnvironment(string? home = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        // A variable set to blanks is a variable not set.
        string? Variable(string name) => Text.Fields.Trimmed(environment(name));
        var settings = new EvidenceSettings
        {
            Home = Path.GetFullPath(home ?? environment("EVIDENCE_HOME") ?? DefaultHome),
            AzureBlobConnectionString = Variable("EVIDENCE_AZURE_BLOB"),
            PostgresDatabase = DatabaseFrom(Variable("EVIDENCE_DB")),
        };
        if (Variable("EVIDENCE_AZURE_CONTAINER") is { } container)
        {
            settings = settings with { AzureBlobContainer = container };
        }
        if (Variable("EVIDENCE_LEDGER_NAME") is { } ledgerName)
        {
            settings = settings with { LedgerName = ledgerName };
        }
        if (Variable("EVIDENCE_TSA_URL") is { } tsa)
        {
            settings = settings with { TimestampAuthorityUrl = Uri.TryCreate(tsa, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                ? url
                : throw new Requests.InvalidRequestException($"EVIDENCE_TSA_URL must be an http or https URL, not '{tsa}'.") };
        }
        if (Variable("EVIDENCE_TSA_CERT") is { } tsaCertificate)
        {
            settings = settings with { TimestampAuthorityCertificate = Path.GetFullPath(tsaCertificate) };
        }
        settings = settings with
        {
            OrganisationName = Variable("EVIDENCE_ORG_NAME") ?? settings.OrganisationName,
            OrganisationContact = Variable("EVIDENCE_ORG_CONTACT") ?? settings.OrganisationContact,
            ErnPrefix = Variable("EVIDENCE_ERN_PREFIX") is { } prefix
                ? Referrals.RegistrationNumbers.CheckPrefix(prefix)
                : settings.ErnPrefix,
            NationalProsecutorName = Variable("EVIDENCE_NATIONAL_NAME") ?? settings.NationalProsecutorName,
            NationalProsecutorAddress = Variable("EVIDENCE_NATIONAL_ADDRESS") ?? settings.NationalProsecutorAddress,
            OrganisationCertificate = Variable("EVIDENCE_ORG_CERT") is { } certificate ? Path.GetFullPath(certificate) : null,
            OrganisationKey = Variable("EVIDENCE_ORG_KEY") is { } key ? Path.GetFullPath(key) : null,
            OrganisationCa = Variable("EVIDENCE_ORG_CA") is { } ca ? Path.GetFullPath(ca) : null,
            OpenPgpKeys = Variable("EVIDENCE_OPENPGP_KEYS") is { } keys ? Path.GetFullPath(keys) : null,
            C2paTrustAnchors = Variable("EVIDENCE_C2PA_TRUST_ANCHORS") is { } anchors ? Path.GetFullPath(anchors) : null,
        };
        if (int.TryParse(environment("EVIDENCE_DB_TIMEOUT"), out var seconds) && seconds > 0)
        {
            settings = settings with { DatabaseBusyTimeout = TimeSpan.FromSeconds(seconds) };
        }
        if (Variable("EVIDENCE_TRUSTED_PROXIES") is { } proxies)
        {
            settings = settings with { TrustedProxies = proxies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
        }
        if (long.TryParse(environment("EVIDENCE_MAX_UPLOAD_MB"), out var megabytes) && megabytes > 0)
        {
            settings = settings with { MaxUploadBytes = megabytes << 20 };
        }
        return settings;
    }

    /// <summary>EVIDENCE_DB: unset or <c>sqlite</c> for the home's SQLite file, else a PostgreSQL URL or connection string.</summary>
    private static string? DatabaseFrom(string? value) => value switch
    {
        null or "sqlite" => null,
        _ when Data.Postgres.IsUrl(value) || value.Contains("Host=", StringComparison.OrdinalIgnoreCase) => value,
        _ => throw new Requests.InvalidRequestException("EVIDENCE_DB must be 'sqlite', a postgres://user:password@host:5432/database URL or an Npgsql connection string."),
    };

}
