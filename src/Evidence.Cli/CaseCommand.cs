using Evidence.Cases;
using Evidence.Pipeline;

namespace Evidence.Cli;

/// <summary>`evidence case add --title T`.</summary>
internal static class CaseCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--title"], []);
        if (line.Positionals is not [_, "add"])
        {
            throw new UsageException("usage: evidence case add --title TITLE");
        }
        await using var session = await Session.OpenAsync(line, Role.Investigator, cancellationToken);
        var id = await session.SendAsync(new CreateCase(line.Required("--title")), cancellationToken);
        if (line.Has("--json"))
        {
            app.WriteJson(new { id });
        }
        else
        {
            await app.Out.WriteLineAsync(id.ToString());
        }
        return CliApp.Ok;
    }
}
