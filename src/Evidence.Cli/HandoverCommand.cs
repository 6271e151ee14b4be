using Evidence.Handover;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>
/// `evidence handover certificate | export | import | confirm`: field intake handed to the office by two people
/// (docs/handover.md). certificate on the office's home makes the key bundles are encrypted to; export on the field laptop
/// writes the bundle; import at the office checks it against the pinned field key, ingests it
/// and writes the receipt; confirm on the field laptop checks the receipt against the pinned office key and records the
/// hand-over.
/// </summary>
internal static class HandoverCommand
{
    private const string Usage = "usage: evidence handover certificate [--out CERT.pem] | " +
                                 "handover export --to NAME --out FILE.zip (--encrypt-to CERT.pem --fingerprint SHA256 | --in-clear) [--evidence ID]... | " +
                                 "handover import FILE.zip.p7m --key FIELD-KEY --received-by NAME [--case ID] [--receipt FILE] | " +
                                 "handover confirm RECEIPT --key OFFICE-KEY";

    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--to", "--out", "--evidence", "--key", "--received-by", "--case", "--receipt", "--encrypt-to", "--fingerprint"], ["--in-clear"]);
        switch (line.Positionals)
        {
            case [_, "certificate"]:
            {
                // Making the office's handover key is the admin's (ARCHITECTURE §7: Admin holds the keys).
                await using var session = await Session.OpenAsync(app, line, Role.Admin, cancellationToken);
                var certificate = await session.SendAsync(new ShowHandoverCertificate(line.Value("--out")), cancellationToken);
                if (line.Has("--json"))
                {
                    app.WriteJson(certificate);
                }
                else
                {
                    await app.Out.WriteLineAsync($"Handover certificate ({certificate.Key}, valid until {certificate.NotAfter}): {Text.Display.Path(certificate.Path)}");
                    await app.Out.WriteLineAsync($"  SHA-256 fingerprint {certificate.Fingerprint}");
                    await app.Out.WriteLineAsync("  Field laptops export to it: `evidence handover export ... --encrypt-to CERT.pem`. Read the fingerprint out to them");
                    await app.Out.WriteLineAsync("  (`openssl x509 -in CERT.pem -outform DER | sha256sum` there), so that a swapped certificate is noticed.");
                }
                return CliApp.Ok;
            }
            case [_, "export"]:
            {
                var request = new ExportHandover(line.Required("--to"), line.Required("--out"),
                    line.Values("--evidence").Select(id => Arguments.Id(id, "--evidence")).ToList(), line.Value("--encrypt-to"), line.Has("--in-clear"),
                    line.Value("--fingerprint"));
                await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
                var bundle = await session.SendAsync(request, cancellationToken);
                if (line.Has("--json"))
                {
                    app.WriteJson(bundle);
                }
                else
                {
                    await app.Out.WriteLineAsync($"Handover {bundle.Handover} to {Text.Display.Text(bundle.To)}: {bundle.Items} items, {bundle.Bytes:N0} bytes, SHA-256 {bundle.Sha256}");
                    await app.Out.WriteLineAsync($"  {Text.Display.Path(bundle.Path)}");
                    await app.Out.WriteLineAsync(bundle.Encrypted is { } encrypted
                        ? $"  Encrypted to the office's handover certificate {encrypted.Certificate} ({encrypted.Algorithms}); only its key opens it."
                        : "  IN CLEAR (--in-clear): anyone who holds this file can read the evidence in it. The custody events record that it travelled so.");
                    await app.Out.WriteLineAsync("  The office imports it with this home's key (`evidence log key`); confirm its receipt here afterwards.");
                }
                return CliApp.Ok;
            }
            case [_, "import", var bundlePath]:
            {
                var request = new ReceiveHandover(bundlePath, line.Required("--key"), line.Required("--received-by"), line.Value("--receipt"),
                    line.Value("--case") is { } caseId ? Arguments.Id(caseId, "--case") : null)
                {
                    Progress = app.Interactive && File.Exists(bundlePath) && new FileInfo(bundlePath).Length > 64L << 20
                        ? new ProgressBar(app.Error, enabled: true, 1, new FileInfo(bundlePath).Length)
                        : null,
                };
                await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
                var received = await session.SendAsync(request, cancellationToken);
                if (line.Has("--json"))
                {
                    app.WriteJson(received);
                }
                else
                {
                    await app.Out.WriteLineAsync($"Handover {received.Handover} from {Text.Display.Text(received.HandedOverBy)}, received by {Text.Display.Text(received.ReceivedBy)}: " +
                                                 $"{received.Items.Count} items, bundle SHA-256 {received.Bundle}" +
                                                 (received.Encrypted is null ? " (travelled in clear)" : " (opened with this office's handover key)"));
                    foreach (var item in received.Items)
                    {
                        await app.Out.WriteLineAsync($"  {item.Id}  {item.Sha256}  (field item {item.FieldId})");
                    }
                    await app.Out.WriteLineAsync($"Receipt: {Text.Display.Path(received.Receipt)}");
                    await app.Out.WriteLineAsync("  Send it to the field laptop with this home's key (`evidence log key`): `evidence handover confirm RECEIPT --key KEY` there.");
                }
                return CliApp.Ok;
            }
            case [_, "confirm", var receiptPath]:
            {
                await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
                var confirmed = await session.SendAsync(new ConfirmHandover(receiptPath, line.Required("--key")), cancellationToken);
                if (line.Has("--json"))
                {
                    app.WriteJson(confirmed);
                }
                else
                {
                    await app.Out.WriteLineAsync($"Handover {confirmed.Handover} confirmed: {confirmed.Items} items handed over to {Text.Display.Text(confirmed.ReceivedBy)} " +
                                                 $"(bundle SHA-256 {confirmed.Bundle}).");
                }
                return CliApp.Ok;
            }
            default:
                throw new UsageException(Usage);
        }
    }
}
