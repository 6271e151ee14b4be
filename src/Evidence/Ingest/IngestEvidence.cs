using Evidence.Data;
using Evidence.Domain;
using Evidence.Pipeline;
using Evidence.Storage;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Evidence.Ingest;

/// <summary>
/// Ingests one file as evidence: reads it once, hashing it (SHA-256) while it is written to a staging blob,
/// records what the investigator said about it, and appends an <c>Ingested</c> custody event. The same bytes
/// ingested again are stored once; the new item names the first one in <see cref="IngestedEvidence.DuplicateOf"/>.
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record IngestEvidence(
    string FilePath,
    string Collector,
    Guid? CaseId = null,
    string? Source = null,
    string? CapturedAt = null,
    bool AllowEmpty = false) : IRequest<IngestedEvidence>, IValidatedRequest
{
    /// <summary>Told the number of bytes read after each chunk, for a progress bar.</summary>
    public IProgress<long>? Progress { get; init; }

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(FilePath))
        {
            yield return "a file path is required.";
        }
        if (string.IsNullOrWhiteSpace(Collector))
        {
            yield return "the collector (who collected the item) is required.";
        }
        else if (Collector.Length > 200 || Collector.Any(char.IsControl))
        {
            yield return "the collector must be a name of at most 200 characters without control characters.";
        }
        if (Source is { Length: > 4000 })
        {
            yield return "the source description is longer than 4000 characters.";
        }
        if (CapturedAt is not null && Ingest.CapturedAt.Normalize(CapturedAt, DateTimeOffset.MaxValue, out var problem) is null)
        {
            yield return problem!;
        }
    }
}

/// <summary>What was recorded for one ingested file.</summary>
public sealed record IngestedEvidence(Guid Id, string Sha256, long Size, Guid? DuplicateOf, string MediaType, string OriginalName);

internal sealed class IngestEvidenceHandler(
    EvidenceDbContext db,
    IBlobStore blobs,
    UnitOfWork unitOfWork,
    CurrentActor actor,
    TimeProvider clock,
    ILogger<IngestEvidenceHandler> log) : IRequestHandler<IngestEvidence, IngestedEvidence>
{
    public async Task<IngestedEvidence> Handle(IngestEvidence request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var capturedAt = request.CapturedAt is null ? null : CapturedAt.Normalize(request.CapturedAt, now, out var problem)
            ?? throw new InvalidRequestException(problem!);
        if (request.CaseId is { } caseId && !await db.Cases.AnyAsync(c => c.Id == caseId, cancellationToken))
        {
            throw new NotFoundException($"There is no case {caseId}; create it first with `evidence case add`.");
        }

        var file = new FileInfo(Path.GetFullPath(request.FilePath));
        var shown = Display.Path(file.FullName);
        if (Directory.Exists(file.FullName))
        {
            throw new InvalidRequestException($"{shown} is a folder; name the folder on the command line to ingest every file in it.");
        }
        if (!file.Exists)
        {
            throw new InvalidRequestException($"{shown} does not exist.");
        }
        var lengthBefore = file.Length;
        var modifiedBefore = file.LastWriteTimeUtc;
        if (lengthBefore == 0 && !request.AllowEmpty)
        {
            throw new InvalidRequestException(
                $"{shown} is empty (0 bytes). An empty file recorded as evidence usually means a failed copy or download; " +
                "pass --allow-empty if the empty file itself is the evidence.");
        }

        HashingCopy.Result copied;
        StagedBlob staged;
        await using (var source = Open(file, shown))
        await using (var writer = await blobs.BeginStagingAsync(cancellationToken))
        {
            copied = await HashingCopy.CopyAsync(source, writer, request.Progress is { } p ? p.Report : null, cancellationToken);
            file.Refresh();
            if (copied.Size != lengthBefore || file.Length != lengthBefore || file.LastWriteTimeUtc != modifiedBefore)
            {
                throw new InvalidRequestException(
                    $"{shown} changed while it was being read ({lengthBefore} bytes before, {copied.Size} read, {file.Length} now); " +
                    "nothing was recorded. Ingest it again once nothing is writing to it.");
            }
            staged = await writer.CompleteAsync(copied.Sha256, copied.Size, cancellationToken);
        }
        unitOfWork.PromoteOnCommit(staged);

        var duplicateOf = await db.EvidenceItems
            .Where(e => e.Sha256 == copied.Sha256)
            .OrderBy(e => e.IngestedAtUtc).ThenBy(e => e.Id)
            .Select(e => (Guid?)e.Id)
            .FirstOrDefaultAsync(cancellationToken);
        var mediaType = MediaTypes.Detect(copied.Head);
        var item = new EvidenceItem
        {
            Id = Guid.CreateVersion7(now),
            CaseId = request.CaseId,
            Sha256 = copied.Sha256,
            Size = copied.Size,
            MediaType = mediaType,
            ExtractedText = ExtractedText.FromHead(mediaType, copied.Head),
            OriginalName = file.Name,
            Collector = request.Collector.Trim(),
            Source = string.IsNullOrWhiteSpace(request.Source) ? null : request.Source.Trim(),
            CapturedAt = capturedAt,
            IngestedAtUtc = now.UtcDateTime,
            IngestedBy = actor.Value.Name,
            DuplicateOf = duplicateOf,
        };
        db.EvidenceItems.Add(item);
        // The original name stays out of the custody log: names of files often name the child.
        unitOfWork.Record("Ingested", item.Id, item.Sha256,
        [
            new("size", item.Size.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("mediaType", item.MediaType),
            new("case", item.CaseId?.ToString()),
            new("duplicateOf", item.DuplicateOf?.ToString()),
        ]);
        log.LogInformation("Staged evidence {EvidenceId}: sha256 {Sha256}, {Size} bytes, {MediaType}", item.Id, item.Sha256, item.Size, item.MediaType);
        return new IngestedEvidence(item.Id, item.Sha256, item.Size, item.DuplicateOf, item.MediaType, item.OriginalName);
    }

    private static FileStream Open(FileInfo file, string shown)
    {
        try
        {
            return new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        }
        catch (UnauthorizedAccessException)
        {
            throw new InvalidRequestException($"{shown} cannot be read: permission denied.");
        }
        catch (IOException e)
        {
            throw new InvalidRequestException($"{shown} cannot be read: {e.Message}");
        }
    }
}
