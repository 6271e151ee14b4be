using System.Text.Json;
using Evidence.Requests;

namespace Evidence.Ingest;

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
