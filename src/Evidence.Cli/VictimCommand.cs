using Evidence.Cases;
using Evidence.Domain;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>`evidence victim add ...` records a victim under a pseudonym code; `evidence victim reveal CODE --purpose TEXT` opens the sealed identity (a custody event).</summary>
internal static class VictimCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--age", "--sex", "--origin", "--status", "--name", "--born", "--documents", "--family", "--purpose", "--case"], []);
        await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
        switch (line.Positionals)
        {
            case [_, "add"]:
                var hasIdentity = line.Value("--name") is not null;
                if (!hasIdentity && (line.Value("--born") ?? line.Value("--documents") ?? line.Value("--family")) is not null)
                {
                    throw new UsageException("--born, --documents and --family belong to an identity: give --name too.");
                }
                var code = await session.SendAsync(new AddVictim(
                    line.Value("--age") is { } age ? Arguments.Int(age, "--age") : null,
                    line.Value("--sex"),
                    line.Value("--origin"),
                    line.Value("--status") is { } status ? Arguments.Choice<VictimStatus>(status, "--status") : VictimStatus.Deported,
                    hasIdentity ? new VictimIdentity(line.Required("--name"), line.Value("--born"), line.Value("--documents"), line.Value("--family")) : null,
                    line.Value("--case") is { } caseId ? Arguments.Id(caseId, "--case") : null), cancellationToken);
                if (line.Has("--json"))
                {
                    app.WriteJson(new VictimAdded(code));
                }
                else
                {
                    await app.Out.WriteLineAsync(code);
                }
                return CliApp.Ok;
            case [_, "reveal", var victim]:
                var identity = await session.SendAsync(new RevealVictimIdentity(victim, line.Required("--purpose")), cancellationToken);
                if (line.Has("--json"))
                {
                    app.WriteJson(RevealedIdentity.Of(victim, identity));
                }
                else
                {
                    await app.Out.WriteLineAsync($"{victim}: {Text.Display.Text(identity.Name)}, born {identity.BornOn ?? "unknown"}");
                }
                return CliApp.Ok;
            default:
                throw new UsageException("usage: evidence victim add [--case ID] [--age N] [--sex S] [--origin TEXT] [--status deported|located|returned] " +
                                         "[--name NAME [--born DATE] [--documents TEXT] [--family TEXT]] | victim reveal <code> --purpose TEXT");
        }
    }
}
