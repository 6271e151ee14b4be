using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Evidence.Crypto;

namespace Evidence.Tests.Storage;

/// <summary>
/// Writes a version 1 envelope (<c>"EVBLOB" 0x00 0x01</c>), as homes sealed before version 2 hold them, written here from the
/// format's description rather than by the code under test, so that it stands for the bytes already on disk.
/// </summary>
internal static class EnvelopeVersion1
{
    public static byte[] Seal(byte[] plaintext, IKeyEncryptionKey kek)
    {
        const int chunkSize = 64 * 1024;
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var keyId = Encoding.ASCII.GetBytes(kek.Id);
        byte[] prefix = [.. "EVBLOB\0\u0001"u8, 0x00, 0x01, 0x00, 0x00, (byte)keyId.Length, .. keyId];
        var wrapped = kek.Wrap(dataKey, prefix);
        using var stored = new MemoryStream();
        stored.Write(prefix);
        stored.Write([(byte)(wrapped.Length >> 8), (byte)wrapped.Length]);
        stored.Write(wrapped);
        using var aes = new AesGcm(dataKey, 16);
        var chunks = plaintext.Length == 0 ? 1 : (plaintext.Length + chunkSize - 1) / chunkSize;
        for (var chunk = 0; chunk < chunks; chunk++)
        {
            var part = plaintext.AsSpan(chunk * chunkSize, Math.Min(chunkSize, plaintext.Length - chunk * chunkSize));
            var nonce = new byte[12];
            BinaryPrimitives.WriteInt64BigEndian(nonce, chunk);
            nonce[11] = chunk == chunks - 1 ? (byte)1 : (byte)0;
            var ciphertext = new byte[part.Length];
            var tag = new byte[16];
            aes.Encrypt(nonce, part, ciphertext, tag);
            stored.Write(ciphertext);
            stored.Write(tag);
        }
        return stored.ToArray();
    }
}
