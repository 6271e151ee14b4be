using Evidence.Cases;
using Evidence.Domain;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>`evidence perpetrator add --name N --kind K` and `evidence perpetrator link ID --commands ID | --member-of ID`.</summary>
internal static class PerpetratorCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--name", "--kind", "--position", "--affiliation", "--alias", "--commands", "--member-of"], []);
        await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
        switch (line.Positionals)
        {
            case [_, "add"]:
                var added = await session.SendAsync(new AddPerpetrator(line.Required("--name"), Arguments.Choice<PerpetratorKind>(line.Required("--kind"), "--kind"),
                    line.Value("--position"), line.Value("--affiliation"), line.Values("--alias")), cancellationToken);
                if (added.SameName.Count > 0)
                {
                    // Allowed: names and aliases collide in reality. The investigator decides whether they are one person.
                    await app.Error.WriteLineAsync($"evidence: warning: already recorded under the same name or alias: {string.Join(", ", added.SameName)}");
                }
                if (line.Has("--json"))
                {
                    app.WriteJson(added);
                }
                else
                {
                    await app.Out.WriteLineAsync(added.Id.ToString());
                }
                return CliApp.Ok;
            case [_, "link", var from]:
                var (relation, to) = (line.Value("--commands"), line.Value("--member-of")) switch
                {
                    ({ } commanded, null) => (PerpetratorRelation.Commands, commanded),
                    (null, { } group) => (PerpetratorRelation.MemberOf, group),
                    _ => throw new UsageException("give exactly one of --commands ID or --member-of ID."),
                };
                var link = await session.SendAsync(new LinkPerpetrators(Arguments.Id(from, "the perpetrator id"), relation, Arguments.Id(to, "the linked perpetrator id")), cancellationToken);
                await app.WriteIdAsync(line, link);
                return CliApp.Ok;
            default:
                throw new UsageException("usage: evidence perpetrator add --name N --kind person|unit|organisation [--position T] [--affiliation T] [--alias A]... | " +
                                         "perpetrator link <id> --commands <id> | --member-of <id>");
        }
    }
}
