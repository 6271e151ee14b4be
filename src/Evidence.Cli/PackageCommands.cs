using Evidence.Domain;
using Evidence.Referrals;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>`package` builds a referral package; `verify-package` checks one offline, needing only the zip (ARCHITECTURE §5, §6).</summary>
internal static class PackageCommands
{
    public static async Task<int> PackageAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args,
            ["--incident", "--perpetrator", "--evidence", "--recipient", "--recipient-name", "--recipient-address", "--reference", "--out", "--language", "--encrypt-to"],
            ["--include-identities", "--redacted-only"]);
        if (line.Positionals.Count > 1)
        {
            throw new UsageException($"package takes no words after it: '{line.Positionals[1]}'.");
        }
        var request = new BuildReferralPackage(
            Arguments.Id(line.Required("--incident"), "--incident"),
            Arguments.Choice<RecipientKind>(line.Required("--recipient"), "--recipient"),
            line.Required("--out"),
            line.Value("--perpetrator") is { } perpetrator ? Arguments.Id(perpetrator, "--perpetrator") : null,
            line.Values("--evidence").Select(id => Arguments.Id(id, "--evidence")).ToList(),
            line.Has("--include-identities"),
            line.Value("--recipient-name"),
            line.Value("--recipient-address"),
            line.Value("--reference"),
            line.Has("--redacted-only"),
            line.Value("--language"),
            line.Value("--encrypt-to"));
        await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
        var package = await session.SendAsync(request, cancellationToken);
        if (line.Has("--json"))
        {
            app.WriteJson(package);
        }
        else
        {
            await app.Out.WriteLineAsync($"Package {package.Id}: {package.Items} items, {package.Bytes:N0} bytes, SHA-256 {package.Sha256}");
            await app.Out.WriteLineAsync($"  {Text.Display.Path(package.Path)}");
            if (package.Encrypted is { } encrypted)
            {
                await app.Out.WriteLineAsync($"  encrypted to the certificate with SHA-256 {encrypted.Certificate} ({encrypted.Algorithms}): " +
                                             $"{encrypted.Bytes:N0} bytes, SHA-256 {encrypted.Sha256}; the recipient opens it with " +
                                             "`openssl cms -decrypt -inform DER -in FILE.p7m -inkey THEIR-KEY.pem -out FILE.zip`");
            }
        }
        return CliApp.Ok;
    }

    public static async Task<int> VerifyPackageAsync(CliApp app, IReadOnlyList<string> args)
    {
        var line = CommandLine.Parse(args, ["--key", "--ca", "--witness"], []);
        if (line.Positionals is not [_, var path])
        {
            throw new UsageException("verify-package takes one zip file.");
        }
        if (!File.Exists(path))
        {
            throw new UsageException($"There is no file {path}.");
        }
        var ca = line.Value("--ca") is { } caPath ? Crypto.Certificates.Load(caPath) : null;
        // Offline on purpose: no home, no database, no key of ours; only the zip and what the recipient pinned.
        var witnesses = line.Values("--witness").Select(key =>
        {
            try
            {
                return Crypto.CosignatureVerifier.Parse(key);
            }
            catch (FormatException e)
            {
                throw new UsageException($"--witness {key}: {e.Message}");
            }
        }).ToList();
        var report = PackageVerifier.Verify(path, line.Value("--key"), ca, witnesses);
        if (line.Has("--json"))
        {
            app.WriteJson(report);
        }
        else
        {
            await VerifyCommand.WriteFindingsAsync(app, report.Findings);
            await app.Out.WriteLineAsync(
                $"{(report.Clean ? "OK" : "PROBLEMS")}: package {report.PackageId ?? "?"}, {report.Files} files, {report.Items} items, {report.Events} custody events proved" +
                $"{(report.Timestamped ? ", checkpoint timestamped" : "")}; {report.Findings.Count} findings.");
            foreach (var witness in report.WitnessedBy)
            {
                await app.Out.WriteLineAsync($"witnessed by {witness} (pinned)");
            }
            foreach (var witness in report.WitnessesNotPinned)
            {
                await app.Out.WriteLineAsync($"cosigned by {witness}, a witness the package names but you did not pin (--witness KEY): it vouches for nothing until you compare it with the key that witness published");
            }
        }
        return report.Clean ? CliApp.Ok : CliApp.Problem;
    }
}
