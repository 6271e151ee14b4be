using System.Globalization;
using System.Net;
using System.Text;
using Evidence.Text;

namespace Evidence.Referrals;

/// <summary>
/// data/README.html: the page a person opens first. What the package is, for whom, what it holds (per incident,
/// perpetrator and element), and how to check it with standard tools. Plain HTML, no scripts, every value encoded and
/// every recorded name shown through <see cref="Display"/>, so a direction override cannot make "txt.exe" read "exe.txt".
/// </summary>
internal static class CoverReport
{
    public static string Html(PackageMetadata m, string verifierKey, bool timestamped)
    {
        var html = new StringBuilder();
        var bag = $"referral-{m.PackageId:N}";
        html.Append(CultureInfo.InvariantCulture, $"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Referral package {E(m.PackageId.ToString())}</title>
            {Style}
            </head>
            <body>
            <h1>Referral package</h1>
            <p>{Prose(m.Description)}</p>
            <table>
            <tr><th>Package id</th><td><code>{E(m.PackageId.ToString())}</code></td></tr>
            <tr><th>For</th><td>{E(m.Recipient.Name)}<br>{Prose(m.Recipient.Address)}</td></tr>
            <tr><th>Reference</th><td>{E(m.Recipient.Reference ?? "none given")}</td></tr>
            <tr><th>From</th><td>{E(m.Organisation)}</td></tr>
            <tr><th>Assembled</th><td>{E(m.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))}</td></tr>
            <tr><th>Items</th><td>{m.Items.Count} ({m.Items.Sum(i => i.Size).ToString("N0", CultureInfo.InvariantCulture)} bytes of evidence)</td></tr>
            <tr><th>Custody ledger</th><td>proofs against checkpoint of {m.CheckpointSize} events{(timestamped ? ", with its RFC 3161 timestamp" : "")}</td></tr>
            </table>

            """);
        html.Append(m.Identities is null
            ? "<p>Child victims appear by pseudonym code only (V-0001, ...). Their identities stay with the sender and are released only on request, as a recorded act.</p>\n"
            : "<p class=\"warning\">This package contains the identities of child victims (<code>metadata/identities.json</code>), released for this package as recorded custody events. Protect it under Rome Statute article 68(1).</p>\n");
        if (m.RedactedOnly)
        {
            html.Append("<p>Redacted copies only: each item is given as its redaction, never as its original. The column <em>Made from</em> names the " +
                        "original each redaction is given instead of; the originals stay with the sender.</p>\n");
        }

        html.Append(CultureInfo.InvariantCulture, $"<h2>Incident</h2>\n<p><strong>{E(m.Incident.Title)}</strong>, {E(m.Incident.Place)}{(m.Incident.Region is { } region ? ", " + E(region) : "")}, " +
                                                  $"{E(m.Incident.PeriodFrom)}{(m.Incident.PeriodTo is { } to ? " to " + E(to) : "")}. Qualified under {E(string.Join(", ", m.Incident.Articles))}.</p>\n");
        if (m.Incident.Description is { } description)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>{Prose(description)}</p>\n");
        }
        // The incident's timeline as its page draws it (Timeline/), of this package's items: inline SVG, no script.
        html.Append("<h2>Timeline</h2>\n").Append(Timeline.TimelineSvg.Draw(Timeline.TimelineEvents.For(m.Incident, m.Items), Timeline.TimelineLabels.English)).Append('\n');

        html.Append("<h2>Evidence</h2>\n<table>\n<tr><th>ERN</th><th>Title</th><th>Captured</th><th>Type</th><th>Collector</th><th>Made from</th><th>Victims</th><th>Elements</th><th>Provenance</th><th>SHA-256</th></tr>\n");
        foreach (var i in m.Items)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td><code>{E(i.Ern)}</code></td><td>{E(i.Title)}</td><td>{E(i.Date ?? "unknown")}</td><td>{E(i.Type)}</td><td>{E(i.Author)}</td><td>{MadeFrom(m, i)}</td>" +
                $"<td>{E(string.Join(", ", i.Victims))}</td><td>{E(string.Join(", ", i.Elements))}</td><td>{Provenance(i)}</td><td><code>{E(i.Sha256)}</code></td></tr>\n");
        }
        html.Append("</table>\n<p>Each item made from another (a translation, transcript, redaction, summary or OCR text) follows the item it was made from, " +
                    "and its ERN is that item's with a suffix: T translation, X transcript, R redaction, S summary, O OCR text, D derived of an unstated kind. " +
                    "<code>metadata/loadfile.dat</code> is a Concordance load file of the same rows for review platforms; its paths are relative to <code>data/</code>.</p>\n");

        html.Append("<h2>By perpetrator</h2>\n");
        if (m.Perpetrators.Count == 0)
        {
            html.Append("<p>No item is tagged to a perpetrator.</p>\n");
        }
        else
        {
            html.Append("<ul>\n");
            foreach (var p in m.Perpetrators)
            {
                var items = m.Items.Where(i => i.Perpetrators.Contains(p.Name)).Select(i => i.Ern);
                html.Append(CultureInfo.InvariantCulture, $"<li><strong>{E(p.Name)}</strong> ({E(p.Kind.ToString().ToLowerInvariant())}{(p.Position is { } position ? ", " + E(position) : "")}): {E(string.Join(", ", items))}</li>\n");
            }
            html.Append("</ul>\n");
        }

        html.Append("<h2>By element of crime</h2>\n");
        foreach (var article in m.Matrix)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h3>Article {E(article.Article)}: {E(article.Title)}</h3>\n<table>\n<tr><th>#</th><th>Element</th><th>Evidence</th></tr>\n");
            foreach (var element in article.Elements)
            {
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{element.Number}</td><td>{E(element.Text)}</td><td>{(element.Evidence.Count == 0 ? "<em>no evidence in this package</em>" : E(string.Join(", ", element.Evidence)))}</td></tr>\n");
            }
            html.Append("</table>\n");
        }

        html.Append(CultureInfo.InvariantCulture, $"""
            <h2>How to verify this package</h2>
            <p>The package is a BagIt 1.0 bag (RFC 8493). Each step uses standard tools; run them in the folder the zip unpacks to, <code>{bag}</code>.</p>
            <ol>
            <li>Every file is the one listed, byte for byte:
            <pre>sha256sum -c manifest-sha256.txt
            sha512sum -c manifest-sha512.txt
            sha256sum -c tagmanifest-sha256.txt</pre></li>
            <li>The tag manifest (which pins the manifests, and so every byte) was signed by the sender's organisation certificate:
            <pre>openssl cms -verify -binary -inform DER -in tagmanifest-sha256.txt.p7s \
              -content tagmanifest-sha256.txt -CAfile data/custody/organisation-ca.pem -out /dev/null</pre>
            Compare the certificate's fingerprint (<code>openssl x509 -in data/custody/organisation.pem -noout -fingerprint -sha256</code>) with the one the sender gave you by another channel.</li>
            <li>Every custody event in <code>data/custody/events.jsonl</code> is in the sender's append-only ledger: each line's leaf hash
            SHA-256(0x00 || line) and the audit path in <code>proofs.jsonl</code> lead to the root in <code>checkpoint.txt</code>
            (RFC 6962), which is signed by the ledger key <code>{E(verifierKey)}</code>.
            {(timestamped ? "The checkpoint's RFC 3161 token: <code>openssl ts -reply -token_in -in data/custody/checkpoint.tsr -text</code>." : "")}</li>
            <li>All of the above, offline, with the sender's tool:
            <pre>evidence verify-package package.zip --key '{E(verifierKey)}'</pre></li>
            </ol>
            <p>Each item also has an <code>Exported</code> event in the sender's ledger, recorded after this package was sealed, with the package's SHA-256.
            The sender can prove it with <code>evidence log inclusion</code> and <code>evidence log consistency</code> against a later checkpoint.</p>
            </body>
            </html>

            """);
        return html.ToString();
    }

    private const string Style = """
        <style>
        body { font-family: sans-serif; max-width: 60em; margin: 2em auto; line-height: 1.4; }
        table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
        th, td { border: 1px solid #999; padding: 0.2em 0.4em; text-align: left; vertical-align: top; }
        code, pre { background: #f3f3f3; }
        pre { padding: 0.5em; overflow-x: auto; }
        .warning { border: 2px solid #a00; padding: 0.5em; }
        </style>
        """;

    /// <summary>A recorded value, HTML-encoded, with the characters that would reorder or hide its text shown (<see cref="Display"/>).</summary>
    private static string E(string value) => WebUtility.HtmlEncode(Display.Text(value));

    /// <summary>As <see cref="E"/>, for text of several lines.</summary>
    private static string Prose(string value) => WebUtility.HtmlEncode(Display.Lines(value));

    // What a derived item was made from, and whether that item travels in this package.
    private static string MadeFrom(PackageMetadata m, PackageItem i)
    {
        if (i.GivenInsteadOf is { } original)
        {
            return $"redaction given instead of <code>{E(original)}</code>";
        }
        if (i.DerivedFrom is null)
        {
            return "";
        }
        var kind = E(i.DerivedKind ?? "derived");
        var from = i.DerivedFromErn ?? i.DerivedFrom.Value.ToString();
        return m.Items.Any(other => other.EvidenceId == i.DerivedFrom)
            ? $"{kind} of <code>{E(from)}</code>"
            : $"{kind} of <code>{E(from)}</code>, which is not in this package";
    }

    // What the file says about itself and what was stated for it, in one cell: the C2PA verdict, the file's own capture
    // time and GPS, the statement's generation and language, and every warning where the two disagree.
    private static string Provenance(PackageItem i)
    {
        var parts = new List<string>();
        if (i.C2pa is { } c2pa && c2pa != "absent")
        {
            parts.Add($"C2PA {E(c2pa)}{(i.C2paFailures is { Count: > 0 } failures ? " (" + E(string.Join(", ", failures)) + ")" : "")}" +
                      $"{(i.C2paSigner is { } signer ? ", signed by " + E(signer) + (i.C2paTrusted == true ? " (trusted signer)" : " (untrusted signer)") : "")}");
        }
        foreach (var signature in i.SignatureSummaries)
        {
            parts.Add("signature " + E(signature));
        }
        if (i.FileCapturedAt is { } captured)
        {
            parts.Add($"file says captured {E(captured)}");
        }
        if (i.FileLatitude is { } lat && i.FileLongitude is { } lon)
        {
            parts.Add(E(FormattableString.Invariant($"file GPS {lat}, {lon}")));
        }
        if (i.Generation is { } generation)
        {
            parts.Add(E(generation));
        }
        if (i.Language is { } language)
        {
            parts.Add(E(language));
        }
        parts.AddRange((i.Warnings ?? []).Select(w => "<strong>warning:</strong> " + E(w)));
        return parts.Count == 0 ? "" : string.Join("<br>", parts);
    }
}
