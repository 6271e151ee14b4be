using Evidence.Metadata;
using Evidence.Requests;
using Evidence.Viewing;

namespace Evidence.Cli;

/// <summary>
/// `show ID [--json]`: one item with its hashes, what was stated about it (and every earlier statement), what the file
/// says about itself, the items derived from it, its tags and its custody history; the JSON is <c>GET /api/evidence/{id}</c>'s. `amend ID --FIELD VALUE... --reason TEXT` states it anew.
/// </summary>
internal static class ShowCommand
{
    public static async Task<int> ShowAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, [], []);
        var id = Arguments.Id(line.Positionals.ElementAtOrDefault(1) ?? throw new UsageException("show needs an evidence ID."), "the evidence ID");
        await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
        var item = await session.SendAsync(new GetEvidence(id), cancellationToken);
        if (line.Has("--json"))
        {
            app.WriteJson(item);
            return CliApp.Ok;
        }
        await app.Out.WriteLineAsync($"{item.Id}  sha256 {item.Sha256}  {item.Size} bytes  {item.MediaType}");
        await app.Out.WriteLineAsync($"  name {Text.Display.Text(item.OriginalName ?? "(withheld)")}, collected by {Text.Display.Text(item.Collector)}" +
                                     $"{(item.CapturedAt is { } at ? ", captured " + at : "")}, ingested {item.IngestedAtUtc:u} by {Text.Display.Text(item.IngestedBy)}");
        if (item.Provenance?.Exif is { } exif)
        {
            await app.Out.WriteLineAsync($"  the file says (read at intake): metadata {exif.State}" +
                                         $"{(exif.CapturedAt is { } fileTime ? ", captured " + fileTime : "")}" +
                                         $"{(exif is { Latitude: { } lat, Longitude: { } lon } ? FormattableString.Invariant($", GPS {lat},{lon}") : "")}" +
                                         $"{((exif.Make ?? exif.Model) is not null ? ", device " + Text.Display.Text($"{exif.Make} {exif.Model}".Trim()) : "")}");
        }
        if (item.Provenance?.C2pa is { State: not Provenance.C2paStates.Absent } c2pa)
        {
            await app.Out.WriteLineAsync($"  C2PA {c2pa.State}{(c2pa.Failures.Count > 0 ? " (" + string.Join(", ", c2pa.Failures) + ")" : "")}" +
                                         $"{(c2pa.Signer is { } signer ? ", signed by " + Text.Display.Text(signer) : "")}" +
                                         $"{(c2pa.TrustReason is { } trust ? "; " + Text.Display.Text(trust) : "")}{(c2pa.Reason is { } why ? ": " + Text.Display.Text(why) : "")}");
        }
        foreach (var signature in item.Provenance?.Signatures ?? [])
        {
            await app.Out.WriteLineAsync($"  signature {Text.Display.Text(signature.Sidecar)}: {Text.Display.Text(signature.InWords)}");
        }
        foreach (var warning in item.Provenance?.Warnings ?? [])
        {
            await app.Out.WriteLineAsync($"  warning: {Text.Display.Text(warning)}");
        }
        foreach (var statement in item.MetadataHistory)
        {
            await app.Out.WriteLineAsync($"  statement {statement.Version} by {Text.Display.Text(statement.StatedBy)} at {statement.StatedAtUtc:u}" +
                                         $"{(statement.Reason is { } reason ? ": " + Text.Display.Text(reason) : "")}");
            foreach (var (name, value) in Fields(statement))
            {
                await app.Out.WriteLineAsync($"    {name,-20} {Text.Display.Text(value)}");
            }
        }
        foreach (var derived in item.Derived)
        {
            await app.Out.WriteLineAsync($"  derived {derived.Id}  {derived.Kind ?? "(kind not stated)"}{(derived.Languages.Count > 0 ? " " + string.Join(' ', derived.Languages) : "")}" +
                                         $"{(derived.OriginalName is { } name ? "  " + Text.Display.Text(name) : "")}");
        }
        foreach (var tag in item.Tags)
        {
            await app.Out.WriteLineAsync($"  tag {tag.Id}  incident {tag.IncidentId}  {string.Join(' ', tag.Elements)}");
        }
        foreach (var e in item.Custody)
        {
            await app.Out.WriteLineAsync($"  #{e.Index} {e.OccurredAtUtc:u} {e.Action} by {Text.Display.Text(e.Actor)} ({e.Role})");
        }
        return CliApp.Ok;
    }

    public static async Task<int> AmendAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, [.. MetadataOptions.Valued, "--reason", "--derived-from"], MetadataOptions.Flags);
        var id = Arguments.Id(line.Positionals.ElementAtOrDefault(1) ?? throw new UsageException("amend needs an evidence ID."), "the evidence ID");
        var changes = MetadataOptions.From(line) with
        {
            DerivedFrom = line.Value("--derived-from") is { } original ? Arguments.Id(original, "--derived-from") : null,
        };
        if (changes.DerivedFrom is not null && changes.Generation is null)
        {
            changes = changes with { Generation = "derived" };
        }
        await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
        var amended = await session.SendAsync(new AmendMetadata(id, changes, line.Value("--reason") ?? ""), cancellationToken);
        if (line.Has("--json"))
        {
            app.WriteJson(amended);
        }
        else
        {
            await app.Out.WriteLineAsync($"{id}: statement {amended.Version} recorded.");
        }
        return CliApp.Ok;
    }

    private static IEnumerable<(string Name, string Value)> Fields(ItemMetadataView m)
    {
        if (m.Place is { } place) yield return ("place", place);
        if (m.Latitude is { } lat && m.Longitude is { } lon) yield return ("coordinates", FormattableString.Invariant($"{lat},{lon}"));
        if (m.Languages.Count > 0) yield return ("language", string.Join(' ', m.Languages));
        if (m.Generation is { } generation) yield return ("generation", generation + (m.OriginalHeldAt is { } held ? ", original held at " + held : "") + (m.DerivedFrom is { } from ? ", from " + from : ""));
        if (m.SourceUrl is { } url) yield return ("source-url", url);
        if (m.RetrievedAt is { } retrieved) yield return ("retrieved-at", retrieved);
        if (m.Device is { } device) yield return ("device", device);
        if (m.Consent is { } consent) yield return ("consent", consent + (m.ConsentScope is { } scope ? ": " + scope : ""));
        if (m.WillingToTestify is { } willing) yield return ("willing-to-testify", willing ? "yes" : "no");
        yield return ("confidentiality", m.Confidentiality);
    }
}
