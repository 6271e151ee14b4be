using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Evidence.Referrals;

/// <summary>
/// AES-256 in counter mode over a scratch file, by byte offset, under a key that exists only in this process's memory. An
/// encrypted package's zip must be written somewhere before it is encrypted (the zip writer goes back to fill in each
/// entry's header), and it may carry children's identities: so the zip on disk is this cipher's output, unreadable once
/// the process is gone, and only the CMS envelope made from it is ever readable by its recipient. Counter mode lets any
/// byte range be written, rewritten and read back in any order. It is not an integrity check, and needs none: the bytes
/// never leave the process that wrote them.
/// </summary>
internal sealed class ScratchCipher : IDisposable
{
    private const int BlockSize = 16;
    private readonly Aes aes = Aes.Create();
    private byte[] counters = [];
    private byte[] keystream = [];

    /// <summary>One cipher per thread: each holds its own buffers. Give both ends the same <paramref name="key"/>.</summary>
    public ScratchCipher(byte[] key) => aes.Key = key;

    /// <summary>Encrypts, or decrypts (the same operation), <paramref name="data"/> where it lies at <paramref name="offset"/> in the file.</summary>
    public void Apply(Span<byte> data, long offset)
    {
        var first = offset / BlockSize;
        var skip = (int)(offset % BlockSize);
        var length = (skip + data.Length + BlockSize - 1) / BlockSize * BlockSize;
        if (counters.Length < length)
        {
            counters = new byte[length];
            keystream = new byte[length];
        }
        for (var block = 0; block < length / BlockSize; block++)
        {
            // The block's number in the file, big-endian, in the counter's low half; the high half stays zero (one key per file).
            BinaryPrimitives.WriteInt64BigEndian(counters.AsSpan(block * BlockSize + 8, 8), first + block);
        }
        aes.EncryptEcb(counters.AsSpan(0, length), keystream.AsSpan(0, length), PaddingMode.None);
        var stream = keystream.AsSpan(skip, data.Length);
        var i = 0;
        for (; i <= data.Length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            (new Vector<byte>(data[i..]) ^ new Vector<byte>(stream[i..])).CopyTo(data[i..]);
        }
        for (; i < data.Length; i++)
        {
            data[i] ^= stream[i];
        }
    }

    public void Dispose() => aes.Dispose();
}
