using Evidence.Requests;
using Evidence.Storage;

namespace Evidence.Cli;

/// <summary>
/// `encrypt-existing`: encrypts at rest the evidence blobs stored in clear before encryption existed, and seals the texts
/// extracted from them, a thousand per commit, each with an <c>Encrypted</c> or <c>TextSealed</c> custody event; then rebuilds
/// the database file so that no freed page keeps a text. Safe to stop and run again: it goes on where it stopped.
/// </summary>
internal static class EncryptExistingCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, [], []);
        await using var session = await Session.OpenAsync(app, line, Role.Admin, cancellationToken);
        int encrypted = 0, already = 0, texts = 0;
        var damaged = new SortedSet<string>(StringComparer.Ordinal);
        var textsRefused = new SortedSet<Guid>();
        EncryptedBlobs batch;
        do
        {
            batch = await session.SendAsync(new EncryptExistingBlobs(), cancellationToken);
            encrypted += batch.Encrypted;
            texts += batch.TextsSealed;
            already = batch.AlreadyEncrypted;
            damaged.UnionWith(batch.Damaged);
            textsRefused.UnionWith(batch.TextsRefused);
        }
        while (batch.More);
        if (texts > 0)
        {
            await session.SendAsync(new PurgeTextInClear(), cancellationToken);
        }
        if (line.Has("--json"))
        {
            app.WriteJson(new { encrypted, alreadyEncrypted = already, textsSealed = texts, damaged, textsRefused });
        }
        else
        {
            await app.Out.WriteLineAsync($"Encrypted {encrypted} blob(s) stored in clear; {already} already encrypted. Sealed {texts} extracted text(s).");
            foreach (var sha256 in damaged)
            {
                await app.Out.WriteLineAsync($"Left as it is: blob {sha256} does not hold the bytes of its address. Run `evidence verify`.");
            }
            foreach (var id in textsRefused)
            {
                await app.Out.WriteLineAsync($"Left as it is: the extracted text of item {id} is not the one its custody events recorded. Run `evidence verify`.");
            }
        }
        return damaged.Count == 0 && textsRefused.Count == 0 ? CliApp.Ok : CliApp.Problem;
    }
}
