using Evidence.Custody;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>
/// `evidence verify [--key VERIFIER-KEY] [--checkpoint FILE [--consistency PROOF.json]] [--json]`: exit 0 when clean, 1 with
/// every finding listed.
/// </summary>
internal static class VerifyCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--key", "--checkpoint", "--consistency"], []);
        var later = line.Value("--checkpoint") is { } checkpointFile ? CheckpointText(Read(checkpointFile, "--checkpoint", 64 << 10)) : null;
        var proof = line.Value("--consistency") is { } proofFile
            ? later is null ? throw new UsageException("--consistency proves a --checkpoint: give both.") : Read(proofFile, "--consistency", 1 << 20)
            : null;
        await using var session = await Session.OpenAsync(app, line, Role.Auditor, cancellationToken, StartUp.Full);
        var report = await session.SendAsync(new VerifyCustody(line.Value("--key"), later, proof), cancellationToken);
        if (line.Has("--json"))
        {
            app.WriteJson(report);
        }
        else
        {
            await WriteFindingsAsync(app, report.Findings);
            await app.Out.WriteLineAsync(
                $"{(report.Clean ? "OK" : "PROBLEMS")}: {report.ItemsChecked} items, {report.BlobsChecked} blobs re-hashed, {report.EventsChecked} events, {report.CheckpointsChecked} checkpoints, {report.TimestampsChecked} timestamps; {report.Findings.Count} findings.");
        }
        return report.Clean ? CliApp.Ok : CliApp.Problem;
    }

    private static string Read(string path, string option, int maxBytes)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new UsageException($"{option}: {Text.Display.Path(path)} does not exist.");
        }
        return file.Length > maxBytes
            ? throw new UsageException($"{option}: {Text.Display.Path(path)} is larger than {maxBytes} bytes; it is not one.")
            : File.ReadAllText(path);
    }

    /// <summary>The signed note as `log checkpoint` prints it, or its <c>text</c> when the file is the JSON of `log checkpoint --json`.</summary>
    private static string CheckpointText(string content)
    {
        if (!content.TrimStart().StartsWith('{'))
        {
            return content;
        }
        try
        {
            return System.Text.Json.JsonDocument.Parse(content).RootElement.GetProperty("text").GetString() ?? "";
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new UsageException("--checkpoint: the file is JSON without a checkpoint's \"text\"; give the signed note `log checkpoint` prints.");
        }
    }

    /// <summary>Findings as `verify` and `verify-package` print them without --json: one line each.</summary>
    public static async Task WriteFindingsAsync(CliApp app, IEnumerable<Finding> findings)
    {
        foreach (var f in findings)
        {
            await app.Out.WriteLineAsync($"FINDING {f.Kind} {f.Subject}: expected {f.Expected}; found {f.Found}");
        }
    }
}
