using System.Globalization;
using Evidence.Cases;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Search;
using Evidence.Tagging;

namespace Evidence.Cli;

/// <summary>
/// `incident add|matrix`, `perpetrator add|link`, `victim add|reveal`, `tag`, `untag`, `search` (ARCHITECTURE §6).
/// Each parses its words, sends one request and prints the result; --json prints the request's answer record, as the API does.
/// </summary>
internal static class CaseModelCommands
{
    public static async Task<int> IncidentAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--title", "--kind", "--from", "--to", "--place", "--region", "--country", "--coordinates", "--article", "--children", "--description", "--case"], []);
        await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
        switch (line.Positionals)
        {
            case [_, "add"]:
                var (latitude, longitude) = Coordinates(line.Value("--coordinates"));
                var id = await session.SendAsync(new CreateIncident(
                    line.Required("--title"),
                    Arguments.Choice<IncidentKind>(line.Required("--kind"), "--kind"),
                    line.Required("--from"),
                    line.Required("--place"),
                    line.Values("--article"),
                    line.Value("--to"),
                    line.Value("--description"),
                    line.Value("--region"),
                    line.Value("--country"),
                    latitude,
                    longitude,
                    line.Value("--children") is { } children ? Arguments.Int(children, "--children") : null,
                    line.Value("--case") is { } caseId ? Arguments.Id(caseId, "--case") : null), cancellationToken);
                await WriteIdAsync(app, line, id);
                return CliApp.Ok;
            case [_, "matrix", var incident]:
                var matrix = await session.SendAsync(new GetElementsMatrix(Arguments.Id(incident, "the incident id")), cancellationToken);
                if (line.Has("--json"))
                {
                    app.WriteJson(matrix);
                    return CliApp.Ok;
                }
                await app.Out.WriteLineAsync($"Elements matrix: {Text.Display.Text(matrix.Title)} ({matrix.Gaps} gaps)");
                foreach (var article in matrix.Articles)
                {
                    await app.Out.WriteLineAsync($"\nArticle {article.Article}: {article.Title}");
                    foreach (var element in article.Elements)
                    {
                        var cover = element.Evidence.Count == 0 ? "GAP      " : $"{element.Evidence.Count,3} item{(element.Evidence.Count == 1 ? " " : "s")}";
                        await app.Out.WriteLineAsync($"  {cover}  {element.Number}. {element.Text}");
                    }
                }
                return CliApp.Ok;
            default:
                throw new UsageException("usage: evidence incident add --title T --kind K --from DATE [--to DATE] --place TEXT --article ART [--article ART]... " +
                                         "[--children N] [--region R] [--country C] [--coordinates LAT,LON] [--description TEXT] | incident matrix <id>");
        }
    }

    public static async Task<int> PerpetratorAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
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
                await WriteIdAsync(app, line, link);
                return CliApp.Ok;
            default:
                throw new UsageException("usage: evidence perpetrator add --name N --kind person|unit|organisation [--position T] [--affiliation T] [--alias A]... | " +
                                         "perpetrator link <id> --commands <id> | --member-of <id>");
        }
    }

    public static async Task<int> VictimAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
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

    public static async Task<int> TagAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--incident", "--perpetrator", "--victim", "--element", "--note"], []);
        if (line.Positionals is not [_, var evidence])
        {
            throw new UsageException("usage: evidence tag <evidence-id> [--incident ID] [--perpetrator ID] [--victim CODE] [--element ART:N]... [--note TEXT]");
        }
        await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
        var id = await session.SendAsync(new TagEvidence(
            Arguments.Id(evidence, "the evidence id"),
            line.Value("--incident") is { } incident ? Arguments.Id(incident, "--incident") : null,
            line.Value("--perpetrator") is { } perpetrator ? Arguments.Id(perpetrator, "--perpetrator") : null,
            line.Value("--victim"),
            line.Values("--element"),
            line.Value("--note")), cancellationToken);
        await WriteIdAsync(app, line, id);
        return CliApp.Ok;
    }

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
        await WriteIdAsync(app, line, id);
        return CliApp.Ok;
    }

    public static async Task<int> SearchAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--incident", "--perpetrator", "--victim", "--media-type", "--from", "--to", "--collector", "--sha256", "--limit"], []);
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
            line.Value("--limit") is { } limit ? Arguments.Int(limit, "--limit") : 200), cancellationToken);
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

    private static Task WriteIdAsync(CliApp app, CommandLine line, Guid id)
    {
        if (line.Has("--json"))
        {
            app.WriteJson(new Recorded(id));
            return Task.CompletedTask;
        }
        return app.Out.WriteLineAsync(id.ToString());
    }

    private static (double?, double?) Coordinates(string? text)
    {
        if (text is null)
        {
            return (null, null);
        }
        var parts = text.Split(',');
        return parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var latitude)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var longitude)
            ? (latitude, longitude)
            : throw new UsageException($"--coordinates takes LAT,LON in decimal degrees, for example 46.6354,32.6169; not '{Text.Display.Text(text)}'.");
    }
}
