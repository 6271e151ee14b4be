using Evidence.Requests;
using Evidence.Tagging;

namespace Evidence.Cli;

/// <summary>
/// `evidence tag EVIDENCE-ID... [--incident ID] [--perpetrator ID] [--victim CODE] [--element ART:N]...` (several items, or
/// `--search WORDS` with search filters, in one request and one commit) and `evidence untag TAG-ID --reason TEXT`.
/// </summary>
internal static class TagCommands
{
    public static async Task<int> TagAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--incident", "--perpetrator", "--victim", "--element", "--note", "--search", "--media-type", "--from", "--to",
            "--collector", "--place", "--language"], []);
        var named = line.Positionals.Skip(1).Select(id => Arguments.Id(id, "the evidence id")).ToList();
        var bySearch = line.Value("--search") is not null || SearchFilters.Any(line.Has);
        if (named.Count == 0 && !bySearch || named.Count > 0 && bySearch)
        {
            throw new UsageException("usage: evidence tag <evidence-id>... | --search WORDS [--media-type T] [--from D] [--to D] [--collector NAME] [--place TEXT] [--language TAG]\n" +
                                     "                    [--incident ID] [--perpetrator ID] [--victim CODE] [--element ART:N]... [--note TEXT]");
        }
        await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
        var incident = line.Value("--incident") is { } incidentText ? Arguments.Id(incidentText, "--incident") : (Guid?)null;
        var perpetrator = line.Value("--perpetrator") is { } perpetratorText ? Arguments.Id(perpetratorText, "--perpetrator") : (Guid?)null;
        if (named.Count == 1)
        {
            await app.WriteIdAsync(line, await session.SendAsync(new TagEvidence(named[0], incident, perpetrator, line.Value("--victim"), line.Values("--element"),
                line.Value("--note")), cancellationToken));
            return CliApp.Ok;
        }
        if (bySearch && string.IsNullOrWhiteSpace(line.Value("--search")) && !SearchFilters.Any(line.Has))
        {
            // An empty search finds everything the actor sees: tagging all of it is never what was meant.
            throw new UsageException("--search needs words or a filter; nothing was tagged.");
        }
        if (bySearch)
        {
            // The same search as `search`, then one request for everything it found: one transaction, one commit.
            named = (await session.SendAsync(new Search.SearchEvidence(line.Value("--search"), MediaType: line.Value("--media-type"), CapturedFrom: line.Value("--from"),
                CapturedTo: line.Value("--to"), Collector: line.Value("--collector"), Limit: TagManyEvidence.MaxItems, Language: line.Value("--language"),
                Place: line.Value("--place")), cancellationToken)).Select(r => r.Id).ToList();
            if (named.Count == 0)
            {
                throw new UsageException("the search found no items; nothing was tagged.");
            }
        }
        var tags = await session.SendAsync(new TagManyEvidence(named, incident, perpetrator, line.Value("--victim"), line.Values("--element"), line.Value("--note")),
            cancellationToken);
        if (line.Has("--json"))
        {
            app.WriteJson(named.Distinct().Zip(tags, (evidence, tag) => new { evidenceId = evidence, tagId = tag }));
        }
        else
        {
            await app.Out.WriteLineAsync($"{tags.Count} items tagged in one step.");
        }
        return CliApp.Ok;
    }

    private static readonly string[] SearchFilters = ["--media-type", "--from", "--to", "--collector", "--place", "--language"];

    public static async Task<int> UntagAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--reason"], []);
        if (line.Positionals is not [_, var tag])
        {
            throw new UsageException("usage: evidence untag <tag-id> --reason TEXT");
        }
        await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
        var id = Arguments.Id(tag, "the tag id");
        await session.SendAsync(new UntagEvidence(id, line.Required("--reason")), cancellationToken);
        await app.WriteIdAsync(line, id);
        return CliApp.Ok;
    }
}
