using Evidence.Crypto;
using Evidence.Custody;

namespace Evidence.Cli;

/// <summary>
/// `evidence witness --log URL --key LOG-KEY --witness-key FILE [--name NAME]`: a small C2SP witness (Custody/Witnessing.cs).
/// Needs no home: it runs on the auditor's or partner's own machine. Exit 0 cosigned, 1 refused (a fork, another key or
/// origin: the message says which), 2 bad input or an unreachable log.
/// </summary>
internal static class WitnessCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--log", "--key", "--witness-key", "--name"], []);
        if (!Uri.TryCreate(line.Required("--log"), UriKind.Absolute, out var log) || log.Scheme is not ("http" or "https"))
        {
            throw new UsageException("--log takes the log's URL prefix, for example https://evidence.example.org/log.");
        }
        NoteVerifier logKey;
        try
        {
            logKey = NoteVerifier.Parse(line.Required("--key"));
        }
        catch (FormatException e)
        {
            throw new UsageException($"--key takes the log's verifier key (evidence log key): {e.Message}");
        }
        var keyFile = Path.GetFullPath(line.Required("--witness-key"));
        // The name is part of the witness's verifier key: the one given the first time is kept in the state for later runs.
        var statePath = keyFile + ".state.json";
        var name = line.Value("--name") ?? "witness." + Environment.MachineName.ToLowerInvariant();
        var signer = WitnessSigner.LoadOrCreate(keyFile, StateName(statePath) ?? name);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        Witness.Outcome outcome;
        try
        {
            outcome = await new Witness(http, logKey, signer, statePath, TimeProvider.System).RunAsync(log, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or FormatException or InvalidOperationException)
        {
            await app.Error.WriteLineAsync($"evidence: could not witness {log}: {e.Message}");
            return CliApp.BadInput;
        }
        if (line.Has("--json"))
        {
            app.WriteJson(outcome);
        }
        else
        {
            await app.Out.WriteLineAsync(outcome.Message);
            await app.Out.WriteLineAsync($"witness key: {outcome.WitnessKey}");
        }
        return outcome.Cosigned ? CliApp.Ok : CliApp.Problem;
    }

    private static string? StateName(string statePath)
    {
        if (!File.Exists(statePath))
        {
            return null;
        }
        try
        {
            using var state = System.Text.Json.JsonDocument.Parse(File.ReadAllText(statePath));
            return state.RootElement.TryGetProperty("WitnessName", out var name) ? name.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // the witness itself reports an unreadable state
        }
    }
}
