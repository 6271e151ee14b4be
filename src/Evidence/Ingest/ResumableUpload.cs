using System.Text.Json;
using Evidence.Access;
using Evidence.Requests;
using MediatR;

namespace Evidence.Ingest;

/// <summary>
/// Starts a resumable upload for a large file on a poor connection. The file arrives in numbered chunks, in any
/// order, each as often as needed; nothing is evidence until <see cref="CompleteUpload"/> reads the whole file,
/// hashes it and records it exactly as <see cref="IngestUpload"/> does.
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record BeginUpload(
    string FileName,
    long Size,
    string Collector,
    Guid? CaseId = null,
    string? Source = null,
    string? CapturedAt = null,
    string? Sha256 = null) : IRequest<UploadState>, IValidatedRequest
{
    public IEnumerable<string> Validate()
    {
        var asIngest = new IngestUpload(Stream.Null, FileName, Collector, CaseId, Source, CapturedAt, Size, Sha256);
        foreach (var problem in asIngest.Validate())
        {
            yield return problem;
        }
        if (Size == 0)
        {
            yield return "the file is empty (0 bytes): an empty upload is almost always a failed one.";
        }
    }
}

/// <summary>Where an upload stands: which chunks the server holds, so a client that lost its connection sends only the rest.</summary>
public sealed record UploadState(Guid Id, string FileName, long Size, int ChunkSize, int Chunks, IReadOnlyList<int> Received, DateTime StartedAtUtc)
{
    public IReadOnlyList<int> Missing => Enumerable.Range(0, Chunks).Except(Received).ToList();
}

[AllowedRoles(Role.Investigator)]
public sealed record GetUpload(Guid Id) : IRequest<UploadState>;

/// <summary>One chunk: every chunk but the last is exactly <see cref="UploadState.ChunkSize"/> bytes. Sending a chunk again replaces it.</summary>
[AllowedRoles(Role.Investigator)]
public sealed record ReceiveUploadChunk(Guid Id, int Index, Stream Content) : IRequest<UploadState>;

/// <summary>Ingests the assembled file and removes the upload; refused, with nothing recorded, while any chunk is missing.</summary>
[AllowedRoles(Role.Investigator)]
public sealed record CompleteUpload(Guid Id) : IRequest<IngestedEvidence>;

[AllowedRoles(Role.Investigator)]
public sealed record CancelUpload(Guid Id) : IRequest<Unit>;

/// <summary>The upload is larger than the installation accepts (<see cref="EvidenceSettings.MaxUploadBytes"/>).</summary>
public sealed class UploadTooLargeException(string message) : EvidenceException(message);

internal sealed class ResumableUploadHandlers(UploadStaging staging, EvidenceIntake intake, CurrentActor actor) :
    IRequestHandler<BeginUpload, UploadState>,
    IRequestHandler<GetUpload, UploadState>,
    IRequestHandler<ReceiveUploadChunk, UploadState>,
    IRequestHandler<CompleteUpload, IngestedEvidence>,
    IRequestHandler<CancelUpload, Unit>
{
    public async Task<UploadState> Handle(BeginUpload request, CancellationToken cancellationToken)
    {
        await intake.CheckAsync(new IntakeFields(request.Collector, request.CaseId, request.Source, request.CapturedAt), cancellationToken);
        return staging.Begin(actor.Value.Name, request);
    }

    public Task<UploadState> Handle(GetUpload request, CancellationToken cancellationToken) =>
        Task.FromResult(staging.State(staging.Find(actor.Value.Name, request.Id)));

    public async Task<UploadState> Handle(ReceiveUploadChunk request, CancellationToken cancellationToken)
    {
        var upload = staging.Find(actor.Value.Name, request.Id);
        await staging.WriteChunkAsync(upload, request.Index, request.Content, cancellationToken);
        return staging.State(upload);
    }

    public async Task<IngestedEvidence> Handle(CompleteUpload request, CancellationToken cancellationToken)
    {
        var upload = staging.Find(actor.Value.Name, request.Id);
        var begun = upload.Request;
        var fields = new IntakeFields(begun.Collector, begun.CaseId, begun.Source, begun.CapturedAt);
        await using var claim = staging.Claim(upload);
        await using var content = claim.OpenAssembled();
        var recorded = await intake.RecordAsync(content, IngestUpload.KeptName(begun.FileName), fields, progress: null, copied =>
        {
            if (copied.Size != begun.Size)
            {
                throw new InvalidRequestException($"The upload assembled to {copied.Size} bytes, not the {begun.Size} announced; nothing was recorded.");
            }
            if (begun.Sha256 is { } sha256 && !string.Equals(sha256, copied.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidRequestException($"The upload assembled to SHA-256 {copied.Sha256}, but the sender computed {sha256.ToLowerInvariant()}: " +
                    "a chunk was damaged on the way. Nothing was recorded; cancel the upload and send the file again.");
            }
        }, cancellationToken);
        claim.RemoveOnDispose();
        return recorded;
    }

    public Task<Unit> Handle(CancelUpload request, CancellationToken cancellationToken)
    {
        staging.Remove(staging.Find(actor.Value.Name, request.Id));
        return Task.FromResult(Unit.Value);
    }
}

/// <summary>
/// Chunks of resumable uploads, as files under the installation's <c>uploads/</c> folder: one folder per upload
/// holding <c>upload.json</c> and <c>&lt;index&gt;.part</c> files. A chunk is written under a temporary name and
/// renamed only when it is whole, so a dropped connection never leaves half a chunk that looks complete.
/// </summary>
internal sealed class UploadStaging(string folder, long maxBytes, TimeProvider clock)
{
    public const int ChunkSize = 4 << 20;
    private const string Manifest = "upload.json";

    /// <summary>An upload being completed is renamed with this suffix, so that only one request ingests it.</summary>
    public const string ClaimedSuffix = ".completing";

    public string Folder => folder;

    internal sealed record Upload(Guid Id, string Owner, string Folder, BeginUpload Request, DateTime StartedAtUtc)
    {
        public int Chunks => (int)((Request.Size + ChunkSize - 1) / ChunkSize);

        public long LengthOf(int index) => Math.Min(ChunkSize, Request.Size - ((long)index * ChunkSize));

        public string PartPath(int index) => Path.Combine(Folder, $"{index}.part");
    }

    private sealed record ManifestFile(Guid Id, string Owner, DateTime StartedAtUtc, BeginUpload Request);

    public UploadState Begin(string owner, BeginUpload request)
    {
        if (request.Size > maxBytes)
        {
            throw new UploadTooLargeException($"The file is {request.Size:N0} bytes; this server accepts at most {maxBytes:N0} bytes per file.");
        }
        var id = Guid.NewGuid();
        var path = Path.Combine(folder, id.ToString("N"));
        Storage.OwnerOnly.CreateFolder(path);
        var manifest = new ManifestFile(id, owner, clock.GetUtcNow().UtcDateTime, request);
        using (var file = Storage.OwnerOnly.CreateNew(Path.Combine(path, Manifest)))
        {
            JsonSerializer.Serialize(file, manifest);
        }
        return State(new Upload(id, owner, path, request, manifest.StartedAtUtc));
    }

    /// <summary>The caller's own upload; anyone else's is "not found", like one that never existed.</summary>
    public Upload Find(string owner, Guid id)
    {
        var path = Path.Combine(folder, id.ToString("N"));
        var manifestPath = Path.Combine(path, Manifest);
        ManifestFile? manifest = null;
        try
        {
            manifest = File.Exists(manifestPath) ? JsonSerializer.Deserialize<ManifestFile>(File.ReadAllText(manifestPath)) : null;
        }
        catch (IOException)
        {
            // Removed while we read it: completed or cancelled by another request.
        }
        if (manifest is null || manifest.Owner != owner)
        {
            throw new NotFoundException($"There is no upload {id} in progress (it was completed, cancelled, or never started).");
        }
        return new Upload(manifest.Id, manifest.Owner, path, manifest.Request, manifest.StartedAtUtc);
    }

    public UploadState State(Upload upload)
    {
        var received = Enumerable.Range(0, upload.Chunks)
            .Where(i => new FileInfo(upload.PartPath(i)) is { Exists: true } part && part.Length == upload.LengthOf(i))
            .ToList();
        return new UploadState(upload.Id, IngestUpload.KeptName(upload.Request.FileName), upload.Request.Size, ChunkSize, upload.Chunks, received, upload.StartedAtUtc);
    }

    public async Task WriteChunkAsync(Upload upload, int index, Stream content, CancellationToken cancellationToken)
    {
        if (index < 0 || index >= upload.Chunks)
        {
            throw new InvalidRequestException($"Chunk {index} does not exist: this upload has chunks 0 to {upload.Chunks - 1}.");
        }
        var expected = upload.LengthOf(index);
        var temporary = upload.PartPath(index) + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            long written = 0;
            await using (var file = Storage.OwnerOnly.CreateNew(temporary, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    written += read;
                    if (written > expected)
                    {
                        throw new InvalidRequestException($"Chunk {index} is longer than the {expected} bytes it should have; it was not kept.");
                    }
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                await file.FlushAsync(cancellationToken);
            }
            if (written != expected)
            {
                throw new InvalidRequestException($"Chunk {index} arrived with {written} of its {expected} bytes (the connection dropped?); it was not kept. Send it again.");
            }
            File.Move(temporary, upload.PartPath(index), overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Takes the upload for completion by renaming its folder, so two completions of one upload cannot both
    /// become evidence; the second finds nothing. Released (renamed back) unless <see cref="Claimed.RemoveOnDispose"/>.
    /// </summary>
    public Claimed Claim(Upload upload)
    {
        var missing = State(upload).Missing;
        if (missing.Count > 0)
        {
            throw new InvalidRequestException($"The upload is missing {missing.Count} of its {upload.Chunks} chunks ({string.Join(", ", missing.Take(20))}); send them, then complete it. Nothing was recorded.");
        }
        var claimedFolder = upload.Folder + ClaimedSuffix;
        try
        {
            Directory.Move(upload.Folder, claimedFolder);
        }
        catch (IOException)
        {
            throw new NotFoundException($"Upload {upload.Id} is already being completed.");
        }
        return new Claimed(upload with { Folder = claimedFolder }, upload.Folder);
    }

    public void Remove(Upload upload) => Directory.Delete(upload.Folder, recursive: true);

    internal sealed class Claimed(Upload upload, string releaseTo) : IAsyncDisposable
    {
        private bool remove;

        public Stream OpenAssembled() => new ChunkedFileStream(Enumerable.Range(0, upload.Chunks).Select(upload.PartPath).ToList());

        public void RemoveOnDispose() => remove = true;

        public ValueTask DisposeAsync()
        {
            if (remove)
            {
                Directory.Delete(upload.Folder, recursive: true);
            }
            else
            {
                Directory.Move(upload.Folder, releaseTo);
            }
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>Reads several files one after another as one stream.</summary>
internal sealed class ChunkedFileStream(IReadOnlyList<string> paths) : Stream
{
    private int next;
    private FileStream? current;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (current is null)
            {
                if (next == paths.Count)
                {
                    return 0;
                }
                current = new FileStream(paths[next++], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            }
            var read = await current.ReadAsync(buffer, cancellationToken);
            if (read > 0)
            {
                return read;
            }
            await current.DisposeAsync();
            current = null;
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            current?.Dispose();
        }
        base.Dispose(disposing);
    }
}
