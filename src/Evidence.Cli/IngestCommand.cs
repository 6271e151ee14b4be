using Evidence.Ingest;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>`evidence ingest`: every named file, folders walked recursively, one request (one transaction) per file.</summary>
internal static class IngestCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--collector", "--case", "--source", "--captured-at", .. MetadataOptions.Valued], ["--allow-empty", .. MetadataOptions.Flags]);
        var paths = line.Positionals.Skip(1).ToList();
        if (paths.Count == 0)
        {
            throw new UsageException("ingest needs at least one file or folder.");
        }
        var collector = line.Required("--collector");
        Guid? caseId = line.Value("--case") is { } text
            ? Guid.TryParse(text, out var id) ? id : throw new UsageException($"--case '{text}' is not a case id.")
            : null;

        var metadata = MetadataOptions.From(line);
        var expansion = EvidenceFiles.Expand(paths);
        foreach (var skipped in expansion.Skipped)
        {
            await app.Error.WriteLineAsync($"evidence: skipped {Text.Display.Path(skipped.Path)}: {skipped.Reason}");
        }
        if (expansion.Files.Count == 0)
        {
            throw new UsageException("nothing to ingest: the folders named hold no files.");
        }

        await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
        var totalBytes = expansion.Files.Sum(f => File.Exists(f) ? new FileInfo(f).Length : 0);
        var progress = new ProgressBar(app.Error, app.Interactive && (expansion.Files.Count > 1 || totalBytes > 64L << 20), expansion.Files.Count, totalBytes);
        var ingested = new List<IngestedEvidence>();
        var failures = new List<string>();
        foreach (var file in expansion.Files)
        {
            var request = new IngestEvidence(file, collector, caseId, line.Value("--source"), line.Value("--captured-at"), line.Has("--allow-empty"), metadata)
            {
                Progress = progress,
            };
            try
            {
                ingested.Add(await session.SendAsync(request, cancellationToken));
            }
            catch (EvidenceException e)
            {
                failures.Add(e.Message);
                if (e is InvalidRequestException { Problems.Count: > 0 })
                {
                    // Field problems are the same for every file: say them once.
                    break;
                }
            }
            progress.FileDone();
        }
        progress.Finish();

        if (line.Has("--json"))
        {
            app.WriteJson(ingested);
        }
        else
        {
            foreach (var i in ingested)
            {
                var duplicate = i.DuplicateOf is { } first ? $"  duplicate of {first}" : "";
                await app.Out.WriteLineAsync($"{i.Id}  sha256 {i.Sha256}  {i.Size} bytes  {i.MediaType}  {Text.Display.Path(i.OriginalName)}{duplicate}");
            }
        }
        foreach (var failure in failures)
        {
            await app.Error.WriteLineAsync($"evidence: not ingested: {failure}");
        }
        if (failures.Count > 0)
        {
            await app.Error.WriteLineAsync($"evidence: {ingested.Count} ingested, {failures.Count} refused; nothing was recorded for the refused ones.");
            return CliApp.BadInput;
        }
        return CliApp.Ok;
    }
}
