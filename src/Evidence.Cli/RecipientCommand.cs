using System.Globalization;
using Evidence.Domain;
using Evidence.Referrals;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>
/// `recipient certificate OFFICE CERT.pem` registers the certificate an office receives packages encrypted to (the web app's
/// packages for that office are then encrypted to it); `recipient list` shows each office's. The local operator acts as
/// Admin, as for `user`; each registration is a custody event under the operator's name.
/// </summary>
internal static class RecipientCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, [], []);
        switch (line.Positionals.ElementAtOrDefault(1))
        {
            case "certificate":
            {
                if (line.Positionals is not [_, _, var office, var path])
                {
                    throw new UsageException("recipient certificate takes an office (icc or national) and a certificate file.");
                }
                await using var session = await Session.OpenActingAsAsync(app, line, Role.Admin, cancellationToken);
                var registered = await session.SendAsync(new RegisterRecipientCertificate(Arguments.Choice<RecipientKind>(office, "the office"), path), cancellationToken);
                if (line.Has("--json"))
                {
                    app.WriteJson(registered);
                }
                else
                {
                    await app.Out.WriteLineAsync($"Registered for {registered.Recipient}: {registered.Key}, valid until {Day(registered.NotAfterUtc)}.");
                    await app.Out.WriteLineAsync($"  SHA-256 fingerprint {registered.Fingerprint}");
                    await app.Out.WriteLineAsync("  Compare it with the office over another channel: `openssl x509 -in CERT.pem -outform DER | sha256sum`.");
                }
                return CliApp.Ok;
            }
            case "list":
            {
                await using var session = await Session.OpenActingAsAsync(app, line, Role.Admin, cancellationToken);
                var offices = await session.SendAsync(new ListRecipientCertificates(), cancellationToken);
                if (line.Has("--json"))
                {
                    app.WriteJson(offices);
                }
                else
                {
                    foreach (var office in offices)
                    {
                        await app.Out.WriteLineAsync(office.Fingerprint is { } fingerprint
                            ? $"{office.Office.ToString().ToLowerInvariant(),-9} {office.Recipient}: {office.Key}, valid until {Day(office.NotAfterUtc)}, SHA-256 {fingerprint}"
                            : $"{office.Office.ToString().ToLowerInvariant(),-9} {office.Recipient}: no certificate registered (packages to it are not encrypted, and cannot carry identities)");
                    }
                }
                return CliApp.Ok;
            }
            default:
                throw new UsageException("recipient needs certificate or list.");
        }
    }

    private static string Day(DateTime? utc) => utc?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "?";
}
