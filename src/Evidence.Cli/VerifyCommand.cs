using Evidence.Custody;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>`evidence verify [--key VERIFIER-KEY] [--json]`: exit 0 when clean, 1 with every finding listed.</summary>
internal static class VerifyCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--key"], []);
        await using var session = await Session.OpenAsync(app, line, Role.Auditor, cancellationToken, StartUp.Full);
        var report = await session.SendAsync(new VerifyCustody(line.Value("--key")), cancellationToken);
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

    /// <summary>Findings as `verify` and `verify-package` print them without --json: one line each.</summary>
    public static async Task WriteFindingsAsync(CliApp app, IEnumerable<Finding> findings)
    {
        foreach (var f in findings)
        {
            await app.Out.WriteLineAsync($"FINDING {f.Kind} {f.Subject}: expected {f.Expected}; found {f.Found}");
        }
    }
}
