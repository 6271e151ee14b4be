using System.Security.Cryptography;
using System.Text;

namespace Evidence.Crypto;

/// <summary>
/// The installation's key-encryption key: it wraps the fresh data key of every stored blob (<see cref="BlobEnvelope"/>), so
/// that the evidence bytes at rest open only with it. The key file in the home's key folder is what runs and is tested here;
/// in Azure, Key Vault is the deployment path (docs/deploy.md): a Key Vault key wraps and unwraps in the vault, which is the
/// reason this is an interface rather than the key file alone.
/// </summary>
public interface IKeyEncryptionKey
{
    /// <summary>
    /// Names the key, not secret: written into every envelope it wraps, so that a blob wrapped by another installation's key is
    /// reported as such instead of as altered bytes.
    /// </summary>
    string Id { get; }

    /// <summary>Wraps a data key; <paramref name="context"/> is bound in and must be given again to unwrap.</summary>
    byte[] Wrap(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> context);

    /// <summary>The data key; throws <see cref="CryptographicException"/> when the wrapped bytes or the context were altered.</summary>
    byte[] Unwrap(ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context);
}

/// <summary>
/// A 256-bit key in a file of the home's key folder (owner-only, created once, atomically). Data keys are wrapped with
/// AES-256-GCM under it: a random 96-bit nonce, the envelope's header as associated data, 60 bytes in all.
/// </summary>
public sealed class KeyEncryptionKeyFile : IKeyEncryptionKey
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] key;

    private KeyEncryptionKeyFile(byte[] key)
    {
        this.key = key;
        // An HMAC of a fixed label under the key: the same key always has the same id, and the id tells nothing about the key.
        Id = "file:" + Convert.ToHexStringLower(HMACSHA256.HashData(key, "evidence key-encryption key id"u8)[..16]);
    }

    public string Id { get; }

    public static KeyEncryptionKeyFile LoadOrCreate(string path) => new(KeyFiles.ReadOrCreate256(path));

    public byte[] Wrap(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> context)
    {
        var wrapped = new byte[NonceSize + dataKey.Length + TagSize];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, NonceSize));
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(wrapped.AsSpan(0, NonceSize), dataKey, wrapped.AsSpan(NonceSize, dataKey.Length), wrapped.AsSpan(NonceSize + dataKey.Length), context);
        return wrapped;
    }

    public byte[] Unwrap(ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context)
    {
        if (wrapped.Length < NonceSize + TagSize)
        {
            throw new AuthenticationTagMismatchException("The wrapped key is truncated.");
        }
        var dataKey = new byte[wrapped.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(wrapped[..NonceSize], wrapped.Slice(NonceSize, dataKey.Length), wrapped[(NonceSize + dataKey.Length)..], dataKey, context);
        return dataKey;
    }
}
