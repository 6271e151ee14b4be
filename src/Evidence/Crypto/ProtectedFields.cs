using System.Security.Cryptography;
using System.Text;

namespace Evidence.Crypto;

/// <summary>
/// Seals the fields that identify a child (AES-256-GCM, key in the home's key folder, owner-only). The record's
/// key (the victim code) is bound in as associated data, so a sealed identity moved onto another victim's row
/// does not open. The database holds only nonce || ciphertext || tag.
/// </summary>
public sealed class ProtectedFields
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] key;

    private ProtectedFields(byte[] key) => this.key = key;

    public static ProtectedFields LoadOrCreate(string path) => new(KeyFiles.ReadOrCreate256(path));

    public byte[] Seal(string recordKey, ReadOnlySpan<byte> plaintext)
    {
        var sealedBytes = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, sealedBytes.AsSpan(NonceSize, plaintext.Length), sealedBytes.AsSpan(NonceSize + plaintext.Length), Context(recordKey));
        return sealedBytes;
    }

    /// <summary>Opens sealed bytes; throws <see cref="AuthenticationTagMismatchException"/> if they were altered, moved or sealed under another key.</summary>
    public byte[] Open(string recordKey, byte[] sealedBytes)
    {
        if (sealedBytes.Length < NonceSize + TagSize)
        {
            throw new AuthenticationTagMismatchException("The protected fields are truncated.");
        }
        var length = sealedBytes.Length - NonceSize - TagSize;
        var plaintext = new byte[length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, length), sealedBytes.AsSpan(NonceSize + length), plaintext, Context(recordKey));
        return plaintext;
    }

    private static byte[] Context(string recordKey) => Encoding.UTF8.GetBytes("evidence/victim/" + recordKey);
}
