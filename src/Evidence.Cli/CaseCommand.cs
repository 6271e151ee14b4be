using Evidence.Cases;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>`evidence case add --title T` and `evidence case member CASE-ID NAME`.</summary>
internal static class CaseCommand
{
    private const string Usage = "usage: evidence case add --title TITLE | case member CASE-ID NAME";

    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--title"], []);
        switch (line.Positionals)
        {
            case [_, "add"]:
            {
                await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
                var id = await session.SendAsync(new CreateCase(line.Required("--title")), cancellationToken);
                if (line.Has("--json"))
                {
                    app.WriteJson(new Recorded(id));
                }
                else
                {
                    await app.Out.WriteLineAsync(id.ToString());
                }
                return CliApp.Ok;
            }
            case [_, "member", var caseText, var member]:
            {
                if (!Guid.TryParse(caseText, out var caseId))
                {
                    throw new UsageException($"'{caseText}' is not a case id.\n{Usage}");
                }
                await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
                var added = await session.SendAsync(new AddCaseMember(caseId, member), cancellationToken);
                if (line.Has("--json"))
                {
                    app.WriteJson(new CaseMemberAdded(added));
                }
                else
                {
                    await app.Out.WriteLineAsync(added ? $"{member} now works case {caseId}." : $"{member} already works case {caseId}.");
                }
                return CliApp.Ok;
            }
            default:
                throw new UsageException(Usage);
        }
    }
}
