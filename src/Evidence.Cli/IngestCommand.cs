using Evidence.Ingest;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>
/// `evidence ingest`: every named file, folders walked recursively, sent a few dozen per request (IngestEvidenceFiles), each file
/// recorded whole or not at all. A detached
/// signature beside a file (X.asc, X.sig) is recorded as X's, not as an item (Ingest/SignatureSidecars.cs); a single file
/// takes its signature with --signature, and keys that came with it with --signer-key.
/// </summary>
internal static class IngestCommand
{
    // A group is one request (IngestEvidenceFiles): up to this many files, or this many bytes, whichever comes first; a file
    // larger than that goes alone. Small files share the request's pipeline, savepoint and save; large ones gain nothing by it.
    private const int FilesPerRequest = 32;
    private const long BytesPerRequest = 16L << 20;

    // Requests in flight: enough that the two cores read and hash while a batch commits. Each holds at most two 1 MiB buffers
    // at a time (its files are read one after another).
    private const int RequestsAtOnce = 4;

    private static long SizeOf(string file) => File.Exists(file) ? new FileInfo(file).Length : 0;

    /// <summary>A file to send, with what its answer is reported with.</summary>
    private sealed record Pending(IngestEvidence Request, int? SheetLine, string File, long Size);

    private static IEnumerable<List<Pending>> Groups(IEnumerable<Pending> files)
    {
        var group = new List<Pending>();
        long bytes = 0;
        foreach (var file in files)
        {
            var size = file.Size;
            if (group.Count > 0 && (group.Count == FilesPerRequest || bytes + size > BytesPerRequest))
            {
                yield return group;
                (group, bytes) = ([], 0);
            }
            group.Add(file);
            bytes += size;
        }
        if (group.Count > 0)
        {
            yield return group;
        }
    }

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
        var sizes = pairing.Files.Select(SizeOf).ToList(); // one stat per file, for the progress bar and the grouping
        var totalBytes = sizes.Sum();
        var progress = new ProgressBar(app.Error, app.Interactive && (pairing.Files.Count > 1 || totalBytes > 64L << 20), pairing.Files.Count, totalBytes);
        var ingested = new List<IngestedEvidence>();
        var failures = new List<string>();
        foreach (var refusal in (sheet?.Refusals ?? []).Concat(sheet?.RowsNotWalked(expansion.Files) ?? []))
        {
            failures.Add($"{Text.Display.Path(line.Value("--metadata")!)} {refusal}");
        }
        // Files are sent a few dozen at a time (IngestEvidenceFiles: one unit of work, each file still recorded whole or not at
        // all), and several such requests at once, so that reading and hashing overlap and their commits share batches (one
        // transaction, one checkpoint). The results are reported in the folder's order, which is also the order they are recorded
        // in, except for files sent again alone after their request failed as a whole: those are recorded after later requests.
        var toSend = new List<Pending>();
        for (var f = 0; f < pairing.Files.Count; f++)
        {
            var file = pairing.Files[f];
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
                Within = expansion.FolderOf(file),
            };
            toSend.Add(new Pending(request, row?.Line, file, sizes[f]));
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var inFlight = new SemaphoreSlim(RequestsAtOnce);
        var outcomes = new List<Task<List<(IngestedEvidence? Ingested, string? Failure)>>>();
        var previousQueued = Task.CompletedTask;
        foreach (var group in Groups(toSend))
        {
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
            outcomes.Add(Task.Run(() => SendGroupAsync(group, after, queued), CancellationToken.None));
        }

        async Task<List<(IngestedEvidence? Ingested, string? Failure)>> SendGroupAsync(
            List<Pending> group, Task after, TaskCompletionSource queued)
        {
            var results = new List<(IngestedEvidence?, string?)>();
            try
            {
                var answers = await session.SendInTurnAsync(new IngestEvidenceFiles([.. group.Select(g => g.Request)]), after, queued, stop.Token);
                for (var i = 0; i < group.Count; i++)
                {
                    results.Add(answers[i].Refused is { } refused ? (null, Refusal(refused, group[i].SheetLine, group[i].File)) : (answers[i].Ingested, null));
                }
                if (sheet is null && answers.Any(a => a.Refused is InvalidRequestException { Problems.Count: > 0 }))
                {
                    // Field problems are the same for every file: say them once, and send no more.
                    await stop.CancelAsync();
                }
            }
            catch (EvidenceException e) when (group.Count == 1 || e is UnavailableException { MayHaveBeenRecorded: true })
            {
                results.AddRange(group.Select(g => ((IngestedEvidence?)null, (string?)Refusal(e, g.SheetLine, g.File))));
            }
            catch (EvidenceException)
            {
                // The group's write failed as a whole, so nothing of it was recorded; the cause may be one file (a row the database
                // refuses), which must not take its neighbours down. Each is sent again alone, and answered for itself.
                foreach (var g in group)
                {
                    try
                    {
                        var answer = (await session.SendAsync(new IngestEvidenceFiles([g.Request]), stop.Token))[0];
                        results.Add(answer.Refused is { } refused ? (null, Refusal(refused, g.SheetLine, g.File)) : (answer.Ingested, null));
                    }
                    catch (EvidenceException alone)
                    {
                        results.Add((null, Refusal(alone, g.SheetLine, g.File)));
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    {
                        break; // not sent: an earlier file's field problem applies to it too
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // not sent: an earlier file's field problem applies to these too
            }
            finally
            {
                queued.TrySetResult(); // never sent (stopped): the next one goes on
                foreach (var _ in group)
                {
                    progress.FileDone();
                }
                inFlight.Release();
            }
            return results;
        }

        // Without a sheet, refusals alike are said once (a field problem is the same for every file). A refusal of the write
        // (the database's) names no file and can be alike for several: it is said with its file, so that each is told and counted.
        string Refusal(EvidenceException e, int? sheetLine, string file) =>
            sheetLine is not null ? $"{Text.Display.Path(file)} (line {sheetLine}): {e.Message}"
            : e is UnavailableException ? $"{Text.Display.Path(file)}: {e.Message}"
            : e.Message;

        foreach (var (done, failure) in (await Task.WhenAll(outcomes)).SelectMany(g => g))
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
