using System.Globalization;
using System.Net;
using System.Text;
using Evidence.Text;

namespace Evidence.Referrals;

/// <summary>
/// data/README.html: the page a person opens first. What the package is, for whom, what it holds (per incident,
/// perpetrator and element), and how to check it with standard tools. Plain HTML, no scripts, every value encoded and
/// every recorded name shown through <see cref="Display"/>, so a direction override cannot make "txt.exe" read "exe.txt".
/// Written in the package's language (<see cref="PackageMetadata.Cover"/>: English or Ukrainian, words in <see cref="CoverTexts"/>).
/// </summary>
internal static class CoverReport
{
    public static string Html(PackageMetadata m, string verifierKey, bool timestamped)
    {
        var html = new StringBuilder();
        var bag = $"referral-{m.PackageId:N}";
        var t = m.Cover;
        html.Append(CultureInfo.InvariantCulture, $"""
            <!DOCTYPE html>
            <html lang="{t.Code}">
            <head>
            <meta charset="utf-8">
            <title>{t.ReferralPackage} {E(m.PackageId.ToString())}</title>
            {Style}
            </head>
            <body>
            <h1>{t.ReferralPackage}</h1>
            <p>{Prose(t.Description(m))}</p>
            <p>{t.ValuesAsRecorded}</p>
            <table>
            <tr><th>{t.PackageId}</th><td><code>{E(m.PackageId.ToString())}</code></td></tr>
            <tr><th>{t.For}</th><td>{E(m.Recipient.Name)}<br>{Prose(m.Recipient.Address)}</td></tr>
            <tr><th>{t.Reference}</th><td>{E(m.Recipient.Reference ?? t.NoneGiven)}</td></tr>
            <tr><th>{t.From}</th><td>{E(m.Organisation)}</td></tr>
            <tr><th>{t.Assembled}</th><td>{E(m.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))}</td></tr>
            <tr><th>{t.ItemsHeading}</th><td>{t.ItemsAndBytes(m.Items.Count, t.Number(m.Items.Sum(i => i.Size)))}</td></tr>
            <tr><th>{t.CustodyLedger}</th><td>{t.Proofs(m.CheckpointSize, timestamped)}</td></tr>
            </table>

            """);
        html.Append(m.Identities is null
            ? $"<p>{t.PseudonymsOnly}</p>\n"
            : $"<p class=\"warning\">{t.IdentitiesIncluded}</p>\n");
        if (m.RedactedOnly)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>{t.RedactedOnly}</p>\n");
        }

        html.Append(CultureInfo.InvariantCulture, $"<h2>{t.Incident}</h2>\n<p><strong>{E(m.Incident.Title)}</strong>, {E(m.Incident.Place)}{(m.Incident.Region is { } region ? ", " + E(region) : "")}, " +
                                                  $"{E(m.Incident.PeriodFrom)}{(m.Incident.PeriodTo is { } to ? t.To + E(to) : "")}. {t.QualifiedUnder} {E(string.Join(", ", m.Incident.Articles))}.</p>\n");
        if (m.Incident.Description is { } description)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>{Prose(description)}</p>\n");
        }
        // The incident's timeline as its page draws it (Timeline/), of this package's items: inline SVG, no script.
        html.Append(CultureInfo.InvariantCulture, $"<h2>{E(t.Timeline)}</h2>\n").Append(Timeline.TimelineSvg.Draw(Timeline.TimelineEvents.For(m.Incident, m.Items), Timeline.TimelineLabels.For(t.Code))).Append('\n');

        html.Append(CultureInfo.InvariantCulture, $"<h2>{t.Evidence}</h2>\n<table>\n<tr>{string.Concat(t.EvidenceColumns.Select(c => $"<th>{c}</th>"))}</tr>\n");
        foreach (var i in m.Items)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td><code>{E(i.Ern)}</code></td><td>{E(i.Title)}</td><td>{E(i.Date ?? t.Unknown)}</td><td>{E(i.Type)}</td><td>{E(i.Author)}</td><td>{MadeFrom(m, i, t)}</td>" +
                $"<td>{E(string.Join(", ", i.Victims))}</td><td>{E(string.Join(", ", i.Elements))}</td><td>{Provenance(i, t)}</td><td><code>{E(i.Sha256)}</code></td></tr>\n");
        }
        html.Append(CultureInfo.InvariantCulture, $"</table>\n<p>{t.DerivedItemsNote}</p>\n");

        html.Append(CultureInfo.InvariantCulture, $"<h2>{t.ByPerpetrator}</h2>\n");
        if (m.Perpetrators.Count == 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>{t.NoPerpetrator}</p>\n");
        }
        else
        {
            html.Append("<ul>\n");
            foreach (var p in m.Perpetrators)
            {
                var items = m.Items.Where(i => i.Perpetrators.Contains(p.Name)).Select(i => i.Ern);
                html.Append(CultureInfo.InvariantCulture, $"<li><strong>{E(p.Name)}</strong> ({E(t.Word(p.Kind.ToString().ToLowerInvariant()))}{(p.Position is { } position ? ", " + E(position) : "")}): {E(string.Join(", ", items))}</li>\n");
            }
            html.Append("</ul>\n");
        }

        html.Append(CultureInfo.InvariantCulture, $"<h2>{t.ByElement}</h2>\n<p>{t.ElementsWording}</p>\n");
        foreach (var article in m.Matrix)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h3>{t.Article} {E(article.Article)}: {E(article.Title)}</h3>\n<table>\n<tr>{string.Concat(t.ElementColumns.Select(c => $"<th>{c}</th>"))}</tr>\n");
            foreach (var element in article.Elements)
            {
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><td>{element.Number}</td><td>{E(element.Text)}</td><td>{(element.Evidence.Count == 0 ? t.NoEvidence : E(string.Join(", ", element.Evidence)))}</td></tr>\n");
            }
            html.Append("</table>\n");
        }

        html.Append(CultureInfo.InvariantCulture, $"""
            <h2>{t.HowToVerify}</h2>
            <p>{t.VerifyIntro(bag)}</p>
            <ol>
            <li>{t.VerifyFiles}
            <pre>sha256sum -c manifest-sha256.txt
            sha512sum -c manifest-sha512.txt
            sha256sum -c tagmanifest-sha256.txt</pre></li>
            <li>{t.VerifySigned}
            <pre>openssl cms -verify -binary -inform DER -in tagmanifest-sha256.txt.p7s \
              -content tagmanifest-sha256.txt -CAfile data/custody/organisation-ca.pem -out /dev/null</pre>
            {t.VerifyFingerprint("openssl x509 -in data/custody/organisation.pem -noout -fingerprint -sha256")}</li>
            <li>{t.VerifyLedger(E(verifierKey))}
            {(timestamped ? t.VerifyTimestamp("openssl ts -reply -token_in -in data/custody/checkpoint.tsr -text") : "")}</li>
            <li>{t.VerifyTool}
            <pre>evidence verify-package package.zip --key '{E(verifierKey)}'</pre></li>
            </ol>
            <p>{t.VerifyExported}</p>
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
    private static string MadeFrom(PackageMetadata m, PackageItem i, CoverTexts t)
    {
        if (i.GivenInsteadOf is { } original)
        {
            return $"{t.RedactionInsteadOf} <code>{E(original)}</code>";
        }
        if (i.DerivedFrom is null)
        {
            return "";
        }
        var kind = E(t.Word(i.DerivedKind ?? "derived"));
        var from = i.DerivedFromErn ?? i.DerivedFrom.Value.ToString();
        return m.Items.Any(other => other.EvidenceId == i.DerivedFrom)
            ? $"{kind} {t.MadeFrom} <code>{E(from)}</code>"
            : $"{kind} {t.MadeFrom} <code>{E(from)}</code>{t.NotInPackage}";
    }

    // What the file says about itself and what was stated for it, in one cell: the C2PA verdict, the file's own capture
    // time and GPS, the statement's generation and language, and every warning where the two disagree.
    private static string Provenance(PackageItem i, CoverTexts t)
    {
        var parts = new List<string>();
        if (i.C2pa is { } c2pa && c2pa != "absent")
        {
            parts.Add($"C2PA {E(t.Word(c2pa))}{(i.C2paFailures is { Count: > 0 } failures ? " (" + E(string.Join(", ", failures)) + ")" : "")}" +
                      $"{(i.C2paSigner is { } signer ? $", {t.SignedBy} " + E(signer) + " " + (i.C2paTrusted == true ? t.TrustedSigner : t.UntrustedSigner) : "")}");
        }
        foreach (var signature in i.SignatureSummaries)
        {
            parts.Add(t.Signature + " " + E(signature));
        }
        if (i.FileCapturedAt is { } captured)
        {
            parts.Add($"{t.FileSaysCaptured} {E(captured)}");
        }
        if (i.FileLatitude is { } lat && i.FileLongitude is { } lon)
        {
            parts.Add(t.FileGps + " " + E(FormattableString.Invariant($"{lat}, {lon}")));
        }
        if (i.Generation is { } generation)
        {
            parts.Add(E(t.Word(generation)));
        }
        if (i.Language is { } language)
        {
            parts.Add(E(language));
        }
        parts.AddRange((i.Warnings ?? []).Select(w => $"<strong>{t.Warning}</strong> " + E(w)));
        return parts.Count == 0 ? "" : string.Join("<br>", parts);
    }
}
