using System.Buffers;
using System.Security.Cryptography;
using Evidence.Storage;

namespace Evidence.Ingest;

/// <summary>
/// Reads a stream once, writing each chunk to a staging writer while the same chunk is hashed on this
/// thread: with two cores, hashing costs almost nothing on top of the copy.
/// </summary>
internal static class HashingCopy
{
    internal const int ChunkSize = 1 << 20;
    // Enough to detect the media type and to index the start of a text document for search.
    internal const int HeadSize = 64 * 1024;

    /// <summary>The SHA-256 (lower-case hex), the byte count, and the first bytes for media type detection.</summary>
    internal sealed record Result(string Sha256, long Size, byte[] Head);

    public static async Task<Result> CopyAsync(Stream source, IStagingWriter sink, Action<long>? progress, CancellationToken cancellationToken)
    {
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var current = ArrayPool<byte>.Shared.Rent(ChunkSize);
        byte[]? next = null; // only a file of more than one chunk needs the second
        Task? write = null;
        var used = ChunkSize; // how much of each buffer may hold the file's bytes, cleared before they go back to the pool
        try
        {
            byte[]? head = null;
            long size = 0;
            var read = await ReadFullAsync(source, current, cancellationToken);
            while (read > 0)
            {
                var chunk = current.AsMemory(0, read);
                head ??= chunk[..Math.Min(read, HeadSize)].ToArray();
                if (read < ChunkSize)
                {
                    // The last chunk (a read stops short only at the end): nothing left to read while it is written, so it is
                    // written here rather than handed to another thread, which for a small file cost more than the copy.
                    sha256.AppendData(chunk.Span);
                    size += read;
                    await sink.WriteAsync(chunk, cancellationToken);
                    progress?.Invoke(read);
                    used = next is null ? read : ChunkSize;
                    break;
                }
                write = Task.Run(async () => await sink.WriteAsync(chunk, cancellationToken), cancellationToken);
                sha256.AppendData(chunk.Span);
                size += read;
                next ??= ArrayPool<byte>.Shared.Rent(ChunkSize);
                var nextRead = await ReadFullAsync(source, next, cancellationToken);
                await write;
                write = null;
                progress?.Invoke(read);
                (current, next) = (next, current);
                read = nextRead;
            }
            return new Result(Convert.ToHexStringLower(sha256.GetHashAndReset()), size, head ?? []);
        }
        finally
        {
            if (write is not null)
            {
                // The next read failed (a sender gone, a cancelled request) while the previous chunk was still being written on
                // another thread. That write goes on reading this chunk and writing into the sink, whose caller disposes it once
                // this returns: an encrypting sink hands its plaintext buffer back to the shared pool then, and a write still
                // running would copy evidence into it after it was cleared, or into another request's buffer. So it is waited for.
                try
                {
                    await write;
                }
                catch (Exception)
                {
                    // The read's failure is the one reported.
                }
            }
            // Cleared: they held the file in clear, and the shared pool hands them to any code in the process.
            current.AsSpan(0, used).Clear();
            ArrayPool<byte>.Shared.Return(current);
            if (next is not null)
            {
                next.AsSpan(0, ChunkSize).Clear();
                ArrayPool<byte>.Shared.Return(next);
            }
        }
    }

    private static async Task<int> ReadFullAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < ChunkSize)
        {
            var read = await source.ReadAsync(buffer.AsMemory(total, ChunkSize - total), cancellationToken);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }
}
