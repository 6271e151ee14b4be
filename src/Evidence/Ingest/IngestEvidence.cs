using Evidence.Access;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Metadata;
using Evidence.Requests;
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
    bool AllowEmpty = false,
    StatedMetadata? Metadata = null) : IRequest<IngestedEvidence>, IValidatedRequest
{
    /// <summary>Told the number of bytes read after each chunk, for a progress bar.</summary>
    public IProgress<long>? Progress { get; init; }

    /// <summary>
    /// The file's detached OpenPGP signatures (<c>photo.jpg.asc</c>, <c>photo.jpg.sig</c>): each is checked against the
    /// ingested bytes and kept in the item's provenance, not ingested as an item of its own.
    /// </summary>
    public IReadOnlyList<string> Signatures { get; init; } = [];

    /// <summary>Public key files that came with the evidence (ProofMode's <c>pubkey.asc</c>): they can verify a signature, never make it trusted.</summary>
    public IReadOnlyList<string> SignerKeys { get; init; } = [];

    /// <summary>
    /// The folder the file was found in by walking it (`evidence ingest FOLDER`). The walk follows a link only when it stays
    /// inside the folder; the file as opened is held to the same rule, since whoever controls the folder may replace a listed
    /// file by a link to anything this account can read (its keys) before it is read. Null for a file named on its own.
    /// </summary>
    public string? Within { get; init; }

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(FilePath))
        {
            yield return "a file path is required.";
        }
        foreach (var problem in IntakeFields.Problems(Collector, Source, CapturedAt).Concat(Metadata?.Problems(DateTimeOffset.MaxValue) ?? []))
        {
            yield return problem;
        }
        if (Signatures.Any(string.IsNullOrWhiteSpace) || SignerKeys.Any(string.IsNullOrWhiteSpace))
        {
            yield return "a signature or signer key must name a file.";
        }
    }
}

/// <summary>What was recorded for one ingested file.</summary>
public sealed record IngestedEvidence(Guid Id, string Sha256, long Size, Guid? DuplicateOf, string MediaType, string OriginalName)
{
    /// <summary>The first item recorded with the same bytes: decided under the write lock, when the request is written (<see cref="EvidenceIntake"/>).</summary>
    public Guid? DuplicateOf { get; internal set; } = DuplicateOf;

    /// <summary>The sidecars recorded as this item's detached signatures (so not items of their own), each with its verdict.</summary>
    public IReadOnlyList<IngestedSignature> Signatures { get; init; } = [];
}

/// <summary>A sidecar consumed as an item's signature, and what checking it found.</summary>
/// <param name="Sidecar">The sidecar's file name.</param>
/// <param name="State">valid, invalid, no key or unreadable (<see cref="Provenance.SignatureStates"/>).</param>
/// <param name="Trusted">Whether a configured key made it.</param>
public sealed record IngestedSignature(string Sidecar, string State, bool Trusted);

internal sealed class IngestEvidenceHandler(EvidenceIntake intake) : IRequestHandler<IngestEvidence, IngestedEvidence>
{
    public async Task<IngestedEvidence> Handle(IngestEvidence request, CancellationToken cancellationToken)
    {
        var fields = new IntakeFields(request.Collector, request.CaseId, request.Source, request.CapturedAt, request.Metadata);
        await intake.CheckAsync(fields, cancellationToken);

        var named = new FileInfo(Path.GetFullPath(request.FilePath));
        var shown = Text.Display.Path(named.FullName);
        // A link (which the walk of a folder follows when it stays inside) is read, sized and timed as its target: FileInfo of the
        // link itself gives the link's own size and time, so the read always looked "changed". It keeps the name it was found by.
        var file = named.LinkTarget is null ? named : named.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? named;
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

        var signatures = IntakeSignatures.Read(request.Signatures, request.SignerKeys);
        var opened = Open(file, shown);
        if (request.Within is { } folder && OpenedOutside(opened, folder))
        {
            await opened.DisposeAsync();
            throw new InvalidRequestException($"{shown} is now a link to outside the folder being ingested; nothing was recorded.");
        }
        await using var source = new SourceFile(opened, shown);
        return await intake.RecordAsync(source, named.Name, fields, signatures, request.Progress, copied =>
        {
            file.Refresh();
            if (copied.Size != lengthBefore || file.Length != lengthBefore || file.LastWriteTimeUtc != modifiedBefore)
            {
                throw new InvalidRequestException(
                    $"{shown} changed while it was being read ({lengthBefore} bytes before, {copied.Size} read, {file.Length} now); " +
                    "nothing was recorded. Ingest it again once nothing is writing to it.");
            }
        }, cancellationToken);
    }

    /// <summary>
    /// The file being ingested, read once. A read the disk fails (a damaged card answers EIO) refuses this file, as an
    /// unreadable one is refused when opened: in a bulk request (IngestEvidenceFiles) it is refused alone, and its neighbours
    /// are recorded, where a bare IOException would have refused them all and stopped `evidence ingest`.
    /// </summary>
    private sealed class SourceFile(FileStream file, string shown) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await file.ReadAsync(buffer, cancellationToken);
            }
            catch (IOException e)
            {
                throw new InvalidRequestException($"{shown} cannot be read: {e.Message}");
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return file.Read(buffer, offset, count);
            }
            catch (IOException e)
            {
                throw new InvalidRequestException($"{shown} cannot be read: {e.Message}");
            }
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                file.Dispose();
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await file.DisposeAsync();
            await base.DisposeAsync();
        }
    }

    // The file actually opened (the kernel's name for the descriptor, whatever links led to it) against the folder's real path.
    private static bool OpenedOutside(FileStream opened, string folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false; // Evidence runs on Linux; elsewhere the walk's own check stands alone
        }
        var real = File.ResolveLinkTarget($"/proc/self/fd/{opened.SafeFileHandle.DangerousGetHandle()}", returnFinalTarget: false)?.FullName;
        return real is null || RealPath(folder) is not { } root || !EvidenceFiles.IsInside(real, root);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenDescriptor([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int flags);

    private static string? RealPath(string path)
    {
        var resolved = RealPathOf(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }
        try
        {
            return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern IntPtr RealPathOf([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr pointer);

    private static FileStream Open(FileInfo file, string shown)
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                // Without O_NONBLOCK, opening a FIFO waits until something writes to it: one placed in the folder, or put in
                // place of a listed file, would hang the ingest for good. With it the open returns, and the FIFO (not
                // seekable, as no regular file is) is refused below. O_NONBLOCK changes nothing for a regular file.
                const int nonBlocking = 0x800, closeOnExec = 0x80000; // the same on x86-64 and arm64
                var descriptor = OpenDescriptor(file.FullName, nonBlocking | closeOnExec);
                if (descriptor < 0)
                {
                    var error = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    throw error == 13 // EACCES
                        ? new UnauthorizedAccessException()
                        : new IOException(System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(error));
                }
                var opened = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(descriptor, ownsHandle: true), FileAccess.Read, bufferSize: 0);
                if (!opened.CanSeek)
                {
                    opened.Dispose();
                    throw new IOException("not a regular file");
                }
                return opened;
            }
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
