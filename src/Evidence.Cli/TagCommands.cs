using Evidence.Requests;
using Evidence.Tagging;

namespace Evidence.Cli;

/// <summary>`evidence tag EVIDENCE-ID [--incident ID] [--perpetrator ID] [--victim CODE] [--element ART:N]...` and `evidence untag TAG-ID --reason TEXT`.</summary>
internal static class TagCommands
{
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
        await app.WriteIdAsync(line, id);
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
        await app.WriteIdAsync(line, id);
        return CliApp.Ok;
    }
}
