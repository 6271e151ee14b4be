using Evidence.Requests;
using Evidence.Viewing;

namespace Evidence.Cli;

/// <summary>
/// `content ID --out FILE`: an item's original bytes, as collected, into a new file; recorded as <c>Viewed</c> before the first
/// byte is read. The bytes are hashed on the way out (<see cref="Storage.CheckedContent"/>) and the file is kept only when they are the recorded ones, so a damaged
/// blob never leaves a file that looks like evidence.
/// </summary>
internal static class ContentCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--out"], []);
        var id = Arguments.Id(line.Positionals.ElementAtOrDefault(1) ?? throw new UsageException("content needs an evidence ID."), "the evidence ID");
        var output = Path.GetFullPath(line.Required("--out"));
        if (File.Exists(output) || Directory.Exists(output))
        {
            throw new UsageException($"{output} already exists; content never overwrites a file.");
        }
        await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
        var item = await session.SendAsync(new OpenEvidenceContent(id), cancellationToken);
        var partial = Path.Combine(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}.{Guid.NewGuid():N}.part");
        try
        {
            // Checked as it is read (OpenEvidenceContent): other bytes than those recorded are refused before the file is kept.
            await using (var content = item.Content)
            // Owner-only from its first byte, as a package is: the only copy in clear of what is sealed at rest in the home.
            await using (var file = Evidence.Storage.OwnerOnly.CreateNew(partial, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(file, 1 << 20, cancellationToken);
            }
            File.Move(partial, output, overwrite: false);
        }
        finally
        {
            File.Delete(partial);
        }
        if (line.Has("--json"))
        {
            app.WriteJson(new { item.Id, item.Sha256, item.Size, item.MediaType, file = output });
        }
        else
        {
            await app.Out.WriteLineAsync($"{output}  sha256 {item.Sha256}  {item.Size} bytes  {item.MediaType}");
        }
        return CliApp.Ok;
    }
}
