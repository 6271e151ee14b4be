using System.Globalization;
using Evidence.Cases;
using Evidence.Domain;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>`evidence incident add --title T --kind K ...` records an incident; `evidence incident matrix ID` prints its elements matrix.</summary>
internal static class IncidentCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
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
                await app.WriteIdAsync(line, id);
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
