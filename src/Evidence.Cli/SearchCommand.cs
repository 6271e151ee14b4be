using Evidence.Requests;
using Evidence.Search;

namespace Evidence.Cli;

/// <summary>`evidence search [WORDS] [--incident ID] [--perpetrator ID] [--victim CODE] ...` finds evidence by words and filters.</summary>
internal static class SearchCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--incident", "--perpetrator", "--victim", "--media-type", "--from", "--to", "--collector", "--sha256", "--limit",
            "--language", "--generation", "--consent", "--confidentiality", "--c2pa", "--has-gps", "--place", "--sort", "--offset"], []);
        await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
        var records = await session.SendAsync(new SearchEvidence(
            line.Positionals.Count > 1 ? string.Join(" ", line.Positionals.Skip(1)) : null,
            line.Value("--incident") is { } incident ? Arguments.Id(incident, "--incident") : null,
            line.Value("--perpetrator") is { } perpetrator ? Arguments.Id(perpetrator, "--perpetrator") : null,
            line.Value("--victim"),
            line.Value("--media-type"),
            line.Value("--from"),
            line.Value("--to"),
            line.Value("--collector"),
            line.Value("--sha256"),
            line.Value("--limit") is { } limit ? Arguments.Int(limit, "--limit") : 200,
            line.Value("--language"), line.Value("--generation"), line.Value("--consent"), line.Value("--confidentiality"), line.Value("--c2pa"),
            line.Value("--has-gps") switch { null => null, "yes" => true, "no" => false, var other => throw new UsageException($"--has-gps must be yes or no, not '{Text.Display.Text(other)}'.") },
            line.Value("--place"),
            line.Value("--sort"),
            line.Value("--offset") is { } offset ? Arguments.Int(offset, "--offset") : 0),
            cancellationToken);
        if (line.Has("--json"))
        {
            app.WriteJson(records);
            return CliApp.Ok;
        }
        foreach (var r in records)
        {
            await app.Out.WriteLineAsync($"{r.Id}  {r.Sha256[..12]}  {r.MediaType,-16} {r.CapturedAt ?? "-",-20} {Text.Display.Text(r.OriginalName)}");
        }
        await app.Out.WriteLineAsync($"{records.Count} items");
        return CliApp.Ok;
    }
}
