using Evidence.Ingest;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>
/// `evidence ingest`: every named file, folders walked recursively, one request (one transaction) per file. A detached
/// signature beside a file (X.asc, X.sig) is recorded as X's, not as an item (Ingest/SignatureSidecars.cs); a single file
/// takes its signature with --signature, and keys that came with it with --signer-key.
/// </summary>
internal static class IngestCommand
{
    // Enough requests in flight to fill a batch while others are being read and hashed: with 16, a folder of 10,000 small files
    // made batches of about 8 (1,309 commits, 372 files/s); with 48, about 17 (573 commits, 499 files/s). Each file in flight
    // holds two 1 MiB buffers, so at most 96 MiB.
    private const int FilesAtOnce = 48;

    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--collector", "--case", "--source", "--captured-at", "--metadata", "--signature", "--signer-key", .. MetadataOptions.Valued], ["--allow-empty", .. MetadataOptions.Flags]);
        var paths = line.Positionals.Skip(1).ToList();
        if (paths.Count == 0)
        {
            throw new UsageException("ingest needs at least one file or folder.");
        }
        // With a sheet, each row may name its own collector; without one, the command line must.
        var collector = line.Value("--metadata") is null ? line.Required("--collector") : line.Value("--collector");
        MetadataSheet? sheet = null;
        if (line.Value("--metadata") is { } sheetPath)
        {
            if (paths.Count != 1 || !Directory.Exists(paths[0]))
            {
                throw new UsageException("--metadata needs exactly one folder: the sheet names its files relative to it.");
            }
            sheet = MetadataSheet.Read(sheetPath, paths[0], DateTimeOffset.UtcNow);
        }
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
        var signature = line.Value("--signature");
        if (signature is not null && (paths.Count != 1 || Directory.Exists(paths[0])))
        {
            throw new UsageException("--signature needs exactly one file: the one it signs. In a folder, X.asc or X.sig beside X is X's signature.");
        }
        // A file the sheet has a row for stays an item of its own, whatever its name.
        var pairing = SignatureSidecars.Pair(expansion.Files, file => sheet is not null && (sheet.For(paths[0], file) is not null || sheet.Refuses(paths[0], file)));

        await using var session = await Session.OpenAsync(app, line, Role.Investigator, cancellationToken);
        var totalBytes = pairing.Files.Sum(f => File.Exists(f) ? new FileInfo(f).Length : 0);
        var progress = new ProgressBar(app.Error, app.Interactive && (pairing.Files.Count > 1 || totalBytes > 64L << 20), pairing.Files.Count, totalBytes);
        var ingested = new List<IngestedEvidence>();
        var failures = new List<string>();
        foreach (var refusal in (sheet?.Refusals ?? []).Concat(sheet?.RowsNotWalked(expansion.Files) ?? []))
        {
            failures.Add($"{Text.Display.Path(line.Value("--metadata")!)} {refusal}");
        }
        // Several files at once, so that their commits share batches (one transaction, one checkpoint): a folder of small
        // files is bound by commits, not by reading. Each file is still its own request, recorded whole or not at all; the
        // results are reported in the folder's order.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var inFlight = new SemaphoreSlim(FilesAtOnce);
        var outcomes = new List<Task<(IngestedEvidence? Ingested, string? Failure)>>();
        var previousQueued = Task.CompletedTask;
        foreach (var file in pairing.Files)
        {
            if (sheet is not null && sheet.Refuses(paths[0], file))
            {
                progress.FileDone();
                continue; // its row was refused above, with its line number
            }
            var row = sheet?.For(paths[0], file);
            var request = new IngestEvidence(file, row?.Collector ?? collector ?? "", caseId, row?.Source ?? line.Value("--source"), row?.CapturedAt ?? line.Value("--captured-at"),
                line.Has("--allow-empty"), row is null ? metadata : row.Metadata.Over(metadata))
            {
                Progress = progress,
                Signatures = [.. pairing.Signatures(file), .. signature is null ? [] : new[] { signature }],
                SignerKeys = [.. pairing.Keys(file), .. line.Values("--signer-key")],
            };
            try
            {
                await inFlight.WaitAsync(stop.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break; // a field problem stopped the run: said once below
            }
            var (after, queued) = (previousQueued, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            previousQueued = queued.Task;
            outcomes.Add(Task.Run(() => SendOneAsync(request, row?.Line, file, after, queued), CancellationToken.None));
        }

        async Task<(IngestedEvidence? Ingested, string? Failure)> SendOneAsync(IngestEvidence request, int? sheetLine, string file, Task after, TaskCompletionSource queued)
        {
            try
            {
                return (await session.SendInTurnAsync(request, after, queued, stop.Token), null);
            }
            catch (EvidenceException e)
            {
                if (e is InvalidRequestException { Problems.Count: > 0 } && sheet is null)
                {
                    // Field problems are the same for every file: say them once, and send no more.
                    await stop.CancelAsync();
                }
                return (null, sheetLine is null ? e.Message : $"{Text.Display.Path(file)} (line {sheetLine}): {e.Message}");
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return (null, null); // not sent: an earlier file's field problem applies to it too
            }
            finally
            {
                queued.TrySetResult(); // never sent (stopped): the next one goes on
                progress.FileDone();
                inFlight.Release();
            }
        }

        foreach (var (done, failure) in await Task.WhenAll(outcomes))
        {
            if (done is not null)
            {
                ingested.Add(done);
            }
            else if (failure is not null && !(failures.Contains(failure) && sheet is null))
            {
                failures.Add(failure);
            }
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
                foreach (var s in i.Signatures)
                {
                    await app.Out.WriteLineAsync($"  signature {Text.Display.Path(s.Sidecar)}: {s.State}{(s.Trusted ? ", trusted key" : "")}");
                }
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
