using System.Text.Encodings.Web;
using System.Text.Json;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>
/// The command line of ARCHITECTURE §6. Each verb parses its words, sends requests and renders the
/// results; no business rule lives here. Exit codes: 0 success, 1 verification found a problem,
/// 2 bad input or usage (including a refused or failed request: nothing was recorded for it).
/// </summary>
/// <param name="environment">Where EVIDENCE_* variables are read: the process environment unless a test gives its own.</param>
internal sealed class CliApp(TextWriter stdout, TextWriter stderr, bool interactive, Func<string, string?>? environment = null)
{
    public const int Ok = 0;
    public const int Problem = 1;
    public const int BadInput = 2;

    /// <summary>The API's contract (<see cref="EvidenceJson"/>), printed for a terminal: same document, other bytes.</summary>
    internal static readonly JsonSerializerOptions Json = new(EvidenceJson.Options)
    {
        WriteIndented = true,
        // The default encoder escapes every non-ASCII character: odd Unicode in a file name cannot reach a terminal raw.
        Encoder = JavaScriptEncoder.Default,
    };

    public TextWriter Out => stdout;
    public TextWriter Error => stderr;
    public bool Interactive => interactive;

    /// <summary>The installation the command works on: --home, and the EVIDENCE_* variables.</summary>
    public EvidenceSettings Settings(CommandLine line) => EvidenceSettings.FromEnvironment(line.Value("--home"), environment);

    /// <summary>An environment variable, from where <see cref="Settings"/> reads them.</summary>
    public string? Variable(string name) => (environment ?? Environment.GetEnvironmentVariable)(name);

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        try
        {
            var command = CommandWord(args);
            return command switch
            {
                null or "help" => Help(args.Count == 0 ? BadInput : Ok),
                "ingest" => await IngestCommand.RunAsync(this, args, cancellationToken),
                "show" => await ShowCommand.ShowAsync(this, args, cancellationToken),
                "content" => await ContentCommand.RunAsync(this, args, cancellationToken),
                "amend" => await ShowCommand.AmendAsync(this, args, cancellationToken),
                "derive" => await DeriveCommand.RunAsync(this, args, cancellationToken),
                "case" => await CaseCommand.RunAsync(this, args, cancellationToken),
                "incident" => await IncidentCommand.RunAsync(this, args, cancellationToken),
                "perpetrator" => await PerpetratorCommand.RunAsync(this, args, cancellationToken),
                "victim" => await VictimCommand.RunAsync(this, args, cancellationToken),
                "tag" => await TagCommands.TagAsync(this, args, cancellationToken),
                "untag" => await TagCommands.UntagAsync(this, args, cancellationToken),
                "search" => await SearchCommand.RunAsync(this, args, cancellationToken),
                "demo" => await Demo.DemoCommand.RunAsync(this, args, cancellationToken),
                "log" => await LogCommand.RunAsync(this, args, cancellationToken),
                "verify" => await VerifyCommand.RunAsync(this, args, cancellationToken),
                "encrypt-existing" => await EncryptExistingCommand.RunAsync(this, args, cancellationToken),
                "package" => await PackageCommands.PackageAsync(this, args, cancellationToken),
                "verify-package" => await PackageCommands.VerifyPackageAsync(this, args),
                "handover" => await HandoverCommand.RunAsync(this, args, cancellationToken),
                "serve" => await ServeCommands.ServeAsync(this, args, cancellationToken),
                "user" => await UserCommand.RunAsync(this, args, cancellationToken),
                "recipient" => await RecipientCommand.RunAsync(this, args, cancellationToken),
                "witness" => await WitnessCommand.RunAsync(this, args, cancellationToken),
                "backup" => await BackupCommands.BackupAsync(this, args, cancellationToken),
                "restore" => await BackupCommands.RestoreAsync(this, args, cancellationToken),
                "resident" => await RunResidentAsync(args, cancellationToken),
                _ => throw new UsageException($"Unknown command '{command}'."),
            };
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"evidence: {e.Message}{Environment.NewLine}Run `evidence help` for the commands and their options.");
            return BadInput;
        }
        catch (EvidenceException e)
        {
            await stderr.WriteLineAsync($"evidence: {e.Message}");
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("evidence: cancelled; the request in progress was not recorded.");
            return BadInput;
        }
    }

    /// <summary>`evidence resident --home DIR`: what the command line starts in the background (Resident/); not for people to type.</summary>
    private async Task<int> RunResidentAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, [], []);
        await new Resident.ResidentProcess(new Resident.ResidentHome(Settings(line).Home)).RunAsync(cancellationToken);
        return Ok;
    }

    public void WriteJson<T>(T value) => stdout.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>The id a command recorded: <c>{"id": ...}</c> with --json, else the id alone on a line.</summary>
    public Task WriteIdAsync(CommandLine line, Guid id)
    {
        if (line.Has("--json"))
        {
            WriteJson(new Recorded(id));
            return Task.CompletedTask;
        }
        return stdout.WriteLineAsync(id.ToString());
    }

    /// <summary>The first word that is neither an option nor a global option's value.</summary>
    internal static string? CommandWord(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is "--home" or "--as" or "--role")
            {
                i++;
            }
            else if (args[i] is "--help" or "-h")
            {
                return "help";
            }
            else if (!args[i].StartsWith('-'))
            {
                return args[i];
            }
        }
        return null;
    }

    private int Help(int exitCode)
    {
        (exitCode == Ok ? stdout : stderr).WriteLine("""
            evidence: chain-of-custody evidence store.

            usage: evidence [--home DIR] [--as NAME] [--role ROLE] [--verbose] <command> [--json] ...

              ingest <file|folder>... --collector NAME [--case ID] [--source TEXT]
                     [--captured-at ISO8601] [--allow-empty]
                  Store each file (folders recursively), hash it (SHA-256) and record an Ingested
                  custody event. Prints id, sha256, size and duplicateOf per item.
                  Court metadata: [--place TEXT] [--coordinates LAT,LON] [--language TAG]... [--original | --copy-of TEXT]
                     [--source-url URL --retrieved-at DATE] [--device TEXT] [--consent given|refused|not-required|unknown]
                     [--consent-scope TEXT] [--willing-to-testify yes|no] [--confidentiality public|confidential|strictly-confidential]
                  --metadata SHEET.csv with one FOLDER: a row per file ('file' relative to the folder, then collector, source,
                     capturedAt, place, coordinates, language, generation, copyOf, derivedFrom, sourceUrl, retrievedAt, device,
                     consent, consentScope, willingToTestify, confidentiality); a bad row refuses its file, with its line number.
                  Signatures: X.asc or X.sig beside X is X's detached OpenPGP signature, checked and kept with X (not an item);
                     a pubkey.asc beside them verifies but is not trusted; EVIDENCE_OPENPGP_KEYS (file or folder) is trusted.
                     One file: [--signature FILE.asc] [--signer-key KEY.asc]...
              show ID
                  The item: hashes, what was stated about it (every version), tags, custody history (--json: GET /api/evidence/ID).
              content ID --out FILE
                  The item's original bytes into a new FILE (never overwritten), checked against its SHA-256; a Viewed event.
              derive ORIGINAL-ID FILE --kind translation|transcript|redaction|summary|ocr [--language TAG]... --collector NAME
                  Ingest a work made from an item, linked to it (its statement names the original and the kind).
              amend ID --FIELD VALUE... --reason TEXT
                  State an item's metadata anew (same options as ingest, '' clears one, --derived-from ID); a MetadataAmended event.
              case add --title TITLE
                  Open a case; prints its id. Its opener is its first member.
              case member CASE-ID NAME
                  Let investigator NAME work the case: they see its evidence and incidents.
              incident add --title T --kind K --from DATE [--to DATE] --place TEXT --article ART...
                     [--children N] [--region R] [--country C] [--coordinates LAT,LON] [--description TEXT]
                  Record an incident (kinds: deportation, transfer, camp, adoption, citizenship, filtration,
                  other) qualified under Rome Statute articles: 6(e), 7(1)(d), 8(2)(a)(vii)-1, 8(2)(b)(viii).
              incident matrix ID
                  Every element of the incident's articles with the evidence supporting it; gaps shown.
              perpetrator add --name N --kind person|unit|organisation [--position T] [--affiliation T] [--alias A]...
              perpetrator link ID --commands ID | --member-of ID
              victim add [--case ID] [--age N] [--sex S] [--origin TEXT] [--name NAME [--born DATE] [--documents T] [--family T]]
                  Record a child under the next pseudonym code (V-0001); the identity is sealed (AES-GCM).
              victim reveal CODE --purpose TEXT
                  Open a sealed identity (Investigator, Prosecutor); recorded in the ledger, as is a refusal.
              tag EVIDENCE-ID... [--incident ID] [--perpetrator ID] [--victim CODE] [--element ART:N]... [--note TEXT]
              tag --search WORDS [--media-type T] [--from D] [--to D] [--collector NAME] [--place TEXT] [--language TAG] [--incident ID] ...
                  Several items (named, or all a search finds) in one request and one commit, all or nothing.
              untag TAG-ID --reason TEXT
              search [WORDS] [--incident ID] [--perpetrator ID] [--victim CODE] [--media-type T]
                     [--from DATE] [--to DATE] [--collector NAME] [--sha256 HEX-OR-PREFIX] [--limit N]
                     [--language TAG] [--generation G] [--consent C] [--confidentiality C] [--c2pa valid|invalid|absent|unreadable] [--has-gps yes|no] [--place TEXT]
                     [--sort ingested|captured|name|size|type (-KEY: the other way)] [--offset N]
              package --incident ID --recipient icc|national --out FILE.zip [--perpetrator ID] [--evidence ID]...
                     [--encrypt-to CERT.pem] [--include-identities] [--redacted-only] [--recipient-name T] [--recipient-address T]
                     [--reference T] [--language en|uk]
                  Build a referral package: a signed, zipped BagIt bag of the incident's evidence with metadata,
                  a Concordance load file, custody proofs and a cover report. Victims by pseudonym unless
                  --include-identities, which needs --encrypt-to. --redacted-only gives each item as its redaction, and
                  refuses items without one. --language uk writes the cover report in Ukrainian (English by default).
                  --encrypt-to CERT.pem (the recipient's RSA or EC encryption certificate, PEM or DER) writes FILE.zip.p7m
                  instead: the zip inside a CMS EnvelopedData (AES-256; RSA-OAEP or ECDH) that only the recipient's key opens:
                  openssl cms -decrypt -inform DER -in FILE.zip.p7m -inkey KEY.pem -out FILE.zip; then verify-package FILE.zip.
                  FILE is an export for the recipient and is written as delivered (a zip anyone holding it can open, unless
                  --encrypt-to); only a FILE in the home's packages/ folder, where the web app keeps its packages, is
                  sealed at rest under the home's key (docs/packages.md, "At rest").
              recipient certificate icc|national CERT.pem | list
                  Register the certificate an office receives encrypted packages with (checked: RSA 2048+ or EC P-256/384/521,
                  for encryption, not expired; prints its SHA-256 fingerprint). The web app then encrypts that office's
                  packages to it, and can include identities. A custody event; the operator acts as Admin.
              verify-package FILE.zip --key VERIFIER-KEY | --ca ORG-CA.pem [--witness WITNESS-KEY]...
                  Check a package offline: the zip, bag, every hash, both signatures, every inclusion proof. Exit 1 on
                  any finding; without --key or --ca, exit 1 with "signer not pinned" and the key the package claims.
                  Each --witness pins a witness whose cosignature of the package's checkpoint must be there and verify;
                  cosignatures by witnesses you did not pin are listed as vouching for nothing.
              handover certificate [--out CERT.pem]
                  At the office (Admin): the certificate field laptops encrypt bundles to, with its RSA-3072 key made once in
                  keys/ (owner-only); prints its SHA-256 fingerprint, to read out to the field. --out writes a copy to take there.
              handover export --to NAME --out FILE.zip (--encrypt-to CERT.pem --fingerprint SHA256 | --in-clear) [--evidence ID]...
                  On a field laptop: a bundle of the items not yet handed over (or those named) with their custody events, inclusion
                  proofs and this home's signed checkpoint, for NAME at the office; a HandoverExported event per item. Encrypted
                  to the office's handover certificate as FILE.zip.p7m (CMS EnvelopedData, AES-256, RSA-OAEP; openssl cms
                  -decrypt opens it); only --in-clear writes a readable zip, and the events record that it travelled so.
                  --fingerprint (required with --encrypt-to): the certificate's SHA-256 fingerprint as the office read it out by another
                  way; another certificate is refused before anything is written.
              handover import FILE.zip.p7m --key FIELD-KEY --received-by NAME [--case ID] [--receipt FILE]
                  At the office: open an encrypted bundle with this home's handover key (no readable copy on disk), check it
                  against the pinned field key, or the key the bundle's key rotations lead to from it (signatures, every proof,
                  every item's bytes), refusing it whole on any mismatch; ingest each item with a Received event carrying its
                  field history; write a receipt signed by this home's ledger key naming the SHA-256 of the file received
                  (default FILE.receipt.txt). NAME is not the one who exported it.
              handover confirm RECEIPT --key OFFICE-KEY
                  On the field laptop: check the receipt against the pinned office key (or the key the receipt's office key
                  rotations lead to from it) and this home's export, then record HandedOver for each item.
              verify [--key VERIFIER-KEY] [--checkpoint FILE [--consistency PROOF.json]]
                  Decrypt and re-hash every blob, rebuild the custody ledger and every table from it, check every checkpoint,
                  every sealed text and every file of packages/ against its event. Exit 1 on any finding. --checkpoint: a checkpoint of this log kept elsewhere (a package's, an auditor's,
                  the original home's after a backup); a finding names the events #A to #B it signs that this home lacks,
                  and --consistency (`log consistency --from A --to B --json` where it was signed) proves the rest a prefix.
              encrypt-existing
                  Encrypt at rest every evidence blob stored in clear before encryption existed, or sealed in a version 1
                  envelope not bound to its address (Admin), each with an Encrypted custody event, and every package file the home's packages/ folder holds in clear (checked
                  against its PackageBuilt event), each with a PackageSealed event. Addresses, hashes and packages as
                  delivered do not change. Run it again after a stop.
              backup --out DIR
                  A consistent copy of the home in a new or empty DIR: the database (SQLite's online backup), the blobs
                  and package files it names (as stored), the keys sealed under a passphrase (Argon2id, AES-256-GCM), and
                  last manifest.txt, every file's SHA-256 signed by the ledger key; a BackedUp custody event records it.
                  On PostgreSQL, pg_dump the database first; on Azure, copy the container Azure-side (docs/deploy.md).
              restore DIR --home NEW [--key VERIFIER-KEY]
                  Check a backup whole (manifest, signature, every file's hash, nothing missing or extra) and build a
                  home in NEW, which must not hold one; its first event is Restored. Exit 1, writing nothing, if the
                  backup is incomplete or changed. --key: the key you pinned; a backup signed after rotations is
                  accepted when its ledger's rotations lead from that key to the one that signed it. The passphrase: $EVIDENCE_BACKUP_PASSPHRASE, else asked, else stdin.
              log key | checkpoint | inclusion --index N [--size M] | consistency --from A --to B
                  The ledger's verifier key, latest signed checkpoint and proofs (JSON with --json).
              log timestamp
                  Get an RFC 3161 timestamp token for every checkpoint that has none.
              log events
                  Every custody event's leaf, one a line (events.jsonl): re-derive the tables from it (docs/ledger.md).
              log tiles --out DIR
                  The log as static C2SP tlog-tiles files (checkpoint, tile/..., tile/entries/...) for a mirror. DIR is
                  empty, new, or an earlier mirror of this log; full tiles already there are kept.
              log cosign --witness-key WITNESS-KEY --signature LINE [--size N]
                  Store a witness's tlog-cosignature on the checkpoint of size N (default: the latest); the witness must
                  be in keys/witnesses.txt and the signature must verify.
              log rotate-key
                  Replace the ledger's signing key (Admin): a new key, a KeyRotated event in a checkpoint signed by the old
                  and the new key, then the new key alone; the old private key is destroyed. Verifiers who pinned the old
                  key follow the rotation; packages carry it (data/custody/key-rotations.jsonl).
              witness --log URL --key LOG-KEY --witness-key FILE [--name NAME]
                  Witness a log: check its checkpoint with the pinned key (or the key the log's key rotations lead to from
                  it) and its consistency with the last one this
                  witness cosigned (from public tiles), cosign, post to URL/cosign. Exit 1, saying why, on a fork.
                  FILE is created on first use (owner-only); its state is FILE.state.json.
              serve [--urls URL]
                  The web app (default http://127.0.0.1:5080). On first start it creates user 'admin' and prints its password once.
              user add NAME --role investigator|prosecutor|auditor|admin [--office icc|national] | role NAME --role ROLE [--office O] | list | remove NAME
                  Accounts for the web app: add prints a one-time password and an API token. Each change is a custody event.
              demo
                  Make synthetic evidence files (no real people), ingest them into a fresh home, verify.

            The home (database, blobs, keys) is --home, else $EVIDENCE_HOME, else ./.evidence.
            Set EVIDENCE_AZURE_BLOB to an Azure Storage connection string to keep blobs in Azure.
            Set EVIDENCE_TSA_URL to an RFC 3161 time-stamping authority to timestamp every checkpoint,
            and EVIDENCE_TSA_CERT to its certificate (or its CA's) to accept only its tokens.
            A command that ran in its own process starts a resident process for its home in the background, which runs
            the next commands without .NET's start-up again and stops after 5 idle minutes; EVIDENCE_RESIDENT=off runs every
            command in its own process and starts none.
            Exit codes: 0 success, 1 verification found a problem, 2 bad input (nothing was recorded for it).
            """);
        return exitCode;
    }
}
