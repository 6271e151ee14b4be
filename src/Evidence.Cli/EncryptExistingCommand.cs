using Evidence.Requests;
using Evidence.Storage;

namespace Evidence.Cli;

/// <summary>
/// `encrypt-existing`: encrypts at rest the evidence blobs stored in clear before encryption existed, the package files the
/// home's package folder holds in clear, and the texts extracted from the evidence, a thousand per commit, each with an
/// <c>Encrypted</c>, <c>PackageSealed</c> or <c>TextSealed</c> custody event; then rebuilds the database file so that no freed
/// page keeps a text. Safe to stop and run again: it goes on where it stopped.
/// </summary>
internal static class EncryptExistingCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, [], []);
        await using var session = await Session.OpenAsync(app, line, Role.Admin, cancellationToken);
        int encrypted = 0, already = 0, texts = 0, packages = 0;
        var damaged = new SortedSet<string>(StringComparer.Ordinal);
        var textsRefused = new SortedSet<Guid>();
        var damagedPackages = new SortedSet<Guid>();
        EncryptedBlobs batch;
        do
        {
            batch = await session.SendAsync(new EncryptExistingBlobs(), cancellationToken);
            encrypted += batch.Encrypted;
            texts += batch.TextsSealed;
            packages += batch.PackagesSealed;
            already = batch.AlreadyEncrypted;
            damaged.UnionWith(batch.Damaged);
            textsRefused.UnionWith(batch.TextsRefused);
            damagedPackages.UnionWith(batch.DamagedPackages);
        }
        while (batch.More);
        if (texts > 0)
        {
            await session.SendAsync(new PurgeTextInClear(), cancellationToken);
        }
        if (line.Has("--json"))
        {
            app.WriteJson(new { encrypted, alreadyEncrypted = already, textsSealed = texts, damaged, textsRefused, packagesSealed = packages, damagedPackages });
        }
        else
        {
            await app.Out.WriteLineAsync($"Encrypted {encrypted} blob(s) stored in clear or in a version 1 envelope; {already} already encrypted. Sealed {packages} package file(s) kept in clear " +
                                         $"and {texts} extracted text(s).");
            foreach (var sha256 in damaged)
            {
                await app.Out.WriteLineAsync($"Left as it is: blob {sha256} does not hold the bytes of its address. Run `evidence verify`.");
            }
            foreach (var id in textsRefused)
            {
                await app.Out.WriteLineAsync($"Left as it is: the extracted text of item {id} is not the one its custody events recorded. Run `evidence verify`.");
            }
            foreach (var id in damagedPackages)
            {
                await app.Out.WriteLineAsync($"Left as it is: the file of referral package {id} is not the one its PackageBuilt event recorded. Restore it from a backup.");
            }
        }
        return damaged.Count == 0 && textsRefused.Count == 0 && damagedPackages.Count == 0 ? CliApp.Ok : CliApp.Problem;
    }
}
