using Evidence.Ingest;
using Evidence.Metadata;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>
/// `derive ORIGINAL-ID FILE --kind translation|transcript|redaction|summary|ocr [--language L]... --collector NAME`: ingests
/// a work made from an item (a translation of a testimony, a transcript of a video, a redacted copy) as an item of its
/// own, whose statement names the original and what it is. The original's bytes and record are not touched.
/// </summary>
internal static class DeriveCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--kind", "--collector", "--case", "--source", "--captured-at", .. MetadataOptions.Valued], MetadataOptions.Flags);
        var original = Arguments.Id(line.Positionals.ElementAtOrDefault(1) ?? throw new UsageException("derive needs the ORIGINAL item's ID and a FILE."), "the original's ID");
        var file = line.Positionals.ElementAtOrDefault(2) ?? throw new UsageException("derive needs a FILE after the original's ID.");
        var kind = line.Required("--kind");
        if (line.Has("--original") || line.Value("--copy-of") is not null)
        {
            throw new UsageException("a derived item is neither the original nor a copy: leave out --original and --copy-of.");
        }
        Guid? caseId = line.Value("--case") is { } text ? Arguments.Id(text, "--case") : null;
        var metadata = MetadataOptions.From(line) with { Generation = "derived", DerivedFrom = original, DerivedKind = kind };
        await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
        var item = await session.SendAsync(new IngestEvidence(file, line.Required("--collector"), caseId, line.Value("--source"), line.Value("--captured-at"),
            Metadata: metadata), cancellationToken);
        if (line.Has("--json"))
        {
            app.WriteJson(new[] { item });
        }
        else
        {
            await app.Out.WriteLineAsync($"{item.Id}  sha256 {item.Sha256}  {item.Size} bytes  {item.MediaType}  {kind} of {original}");
        }
        return CliApp.Ok;
    }
}
