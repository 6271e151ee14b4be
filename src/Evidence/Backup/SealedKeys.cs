using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Evidence.Requests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;

namespace Evidence.Backup;

/// <summary>
/// The home's key folder as one file, <c>keys.enc</c>, sealed under a passphrase: a tar of the folder's files, encrypted with
/// AES-256-GCM under a key that Argon2id (RFC 9106) derives from the passphrase. The file is two header lines, then the
/// ciphertext and its 16-byte tag:
/// <code>
/// evidence-keys v1
/// {"kdf":"argon2id","version":19,"memoryKiB":65536,"iterations":3,"parallelism":4,"salt":"…","cipher":"aes-256-gcm","nonce":"…"}
/// </code>
/// The header lines are the cipher's associated data: a changed parameter fails exactly like a wrong passphrase. They are
/// read before anything is authenticated, so a file that asks for more memory, passes or lanes than this code ever writes is
/// refused rather than tried (a hostile header could ask for terabytes).
/// </summary>
/// <remarks>
/// Argon2id with 64 MiB, 3 passes and 4 lanes is RFC 9106's second recommended setting (for when 2 GiB cannot be spent);
/// BouncyCastle's implementation is checked against the reference test vectors (<c>SealedKeysTests</c>). Any tool with
/// Argon2id and AES-GCM opens the file (docs/deploy.md shows it with Python's <c>cryptography</c>).
/// </remarks>
internal static class SealedKeys
{
    public const string FileName = "keys.enc";
    private const string Magic = "evidence-keys v1";

    /// <summary>What a backup carries at most: a key folder is a few kilobytes; a bigger file is not one of ours.</summary>
    public const int MaxBytes = 16 << 20;

    private static readonly Header Written = new("argon2id", 19, 65536, 3, 4, "", "aes-256-gcm", "");

    public sealed record Header(
        [property: JsonPropertyName("kdf")] string Kdf,
        [property: JsonPropertyName("version")] int Version,
        [property: JsonPropertyName("memoryKiB")] int MemoryKiB,
        [property: JsonPropertyName("iterations")] int Iterations,
        [property: JsonPropertyName("parallelism")] int Parallelism,
        [property: JsonPropertyName("salt")] string Salt,
        [property: JsonPropertyName("cipher")] string Cipher,
        [property: JsonPropertyName("nonce")] string Nonce);

    /// <summary>
    /// The files under <paramref name="keyFolder"/> (sub-folders too), sealed; a link is sealed as the file it points at (an
    /// operator may link a key kept elsewhere). Left out: the folder's creation lock and the temporary files of a key being
    /// written (names starting with a dot), which are no keys. <paramref name="sealing"/> is shown each file (its name in the
    /// archive, its bytes) as it is sealed: what the backup holds, read once.
    /// </summary>
    public static byte[] Seal(string keyFolder, string passphrase, Action<string, byte[]>? sealing = null)
    {
        var archive = new MemoryStream();
        using (var tar = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var path in Directory.EnumerateFiles(keyFolder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var name = Path.GetRelativePath(keyFolder, path).Replace(Path.DirectorySeparatorChar, '/');
                if (name.Split('/').Any(part => part.StartsWith('.')))
                {
                    continue;
                }
                var content = File.ReadAllBytes(path);
                sealing?.Invoke(name, content);
                var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    DataStream = new MemoryStream(content),
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                    ModificationTime = DateTimeOffset.UnixEpoch, // the archive says nothing about when keys were made or read
                };
                tar.WriteEntry(entry);
            }
        }
        var plain = archive.ToArray();
        var header = Written with { Salt = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)), Nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)) };
        var head = Encoding.UTF8.GetBytes($"{Magic}\n{JsonSerializer.Serialize(header)}\n");
        var key = DeriveKey(passphrase, header);
        var sealedBytes = new byte[head.Length + plain.Length + 16];
        head.CopyTo(sealedBytes, 0);
        using (var aes = new AesGcm(key, 16))
        {
            aes.Encrypt(Convert.FromBase64String(header.Nonce), plain, sealedBytes.AsSpan(head.Length, plain.Length), sealedBytes.AsSpan(head.Length + plain.Length), head);
        }
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(plain);
        return sealedBytes;
    }

    /// <summary>
    /// The key files in <paramref name="sealedBytes"/>, by their path inside the key folder (<c>/</c>-separated). A wrong
    /// passphrase (or a sealed file altered after it was written) is refused; so is an archive entry that is not a plain file
    /// with a plain relative name.
    /// </summary>
    public static IReadOnlyDictionary<string, byte[]> Open(ReadOnlySpan<byte> sealedBytes, string passphrase)
    {
        var (header, headLength) = ReadHeader(sealedBytes);
        if (sealedBytes.Length < headLength + 16)
        {
            throw new InvalidRequestException("The backup's keys.enc is cut short; nothing was written.");
        }
        var key = DeriveKey(passphrase, header);
        var plain = new byte[sealedBytes.Length - headLength - 16];
        try
        {
            using var aes = new AesGcm(key, 16);
            aes.Decrypt(Convert.FromBase64String(header.Nonce), sealedBytes.Slice(headLength, plain.Length), sealedBytes[^16..], plain, sealedBytes[..headLength]);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new InvalidRequestException("The passphrase does not open the backup's keys (keys.enc); nothing was written. Give the passphrase the backup was made with.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var tar = new TarReader(new MemoryStream(plain));
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !IsPlainName(entry.Name) || files.ContainsKey(entry.Name))
            {
                throw new InvalidRequestException($"The backup's keys.enc holds '{Text.Display.Text(entry.Name)}', which is not a key file; nothing was written.");
            }
            var content = new MemoryStream();
            entry.DataStream?.CopyTo(content);
            files[entry.Name] = content.ToArray();
        }
        CryptographicOperations.ZeroMemory(plain);
        return files;
    }

    /// <summary>A relative path of ordinary names: no root, no <c>.</c> or <c>..</c>, no empty part, no backslash or control character.</summary>
    private static bool IsPlainName(string name) =>
        name.Length is > 0 and <= 255 && !name.Any(c => char.IsControl(c) || c == '\\')
        && name.Split('/').All(part => part.Length > 0 && part is not "." and not ".." && !part.StartsWith('.'));

    private static (Header Header, int Length) ReadHeader(ReadOnlySpan<byte> sealedBytes)
    {
        var invalid = new InvalidRequestException("The backup's keys.enc is not a sealed key folder (evidence-keys v1); nothing was written.");
        var first = sealedBytes.IndexOf((byte)'\n');
        if (first < 0 || !sealedBytes[..first].SequenceEqual(Encoding.UTF8.GetBytes(Magic)))
        {
            throw invalid;
        }
        var second = sealedBytes[(first + 1)..].IndexOf((byte)'\n');
        if (second is < 0 or > 4096)
        {
            throw invalid;
        }
        Header? header;
        try
        {
            header = JsonSerializer.Deserialize<Header>(sealedBytes.Slice(first + 1, second));
        }
        catch (JsonException)
        {
            throw invalid;
        }
        // Never more than this code writes: the parameters are read before anything is authenticated.
        if (header is not { Kdf: "argon2id", Version: 19, Cipher: "aes-256-gcm" }
            || header.MemoryKiB is < 8 or > 65536 || header.Iterations is < 1 or > 3 || header.Parallelism is < 1 or > 4
            || !Bytes(header.Salt, 16) || !Bytes(header.Nonce, 12))
        {
            throw invalid;
        }
        return (header, first + 1 + second + 1);

        static bool Bytes(string? base64, int length)
        {
            var buffer = new byte[length + 3];
            return base64 is not null && Convert.TryFromBase64String(base64, buffer, out var written) && written == length;
        }
    }

    private static byte[] DeriveKey(string passphrase, Header header)
    {
        var parameters = new Argon2Parameters.Builder(Argon2Parameters.Argon2id)
            .WithVersion(Argon2Parameters.Version13)
            .WithMemoryAsKB(header.MemoryKiB)
            .WithIterations(header.Iterations)
            .WithParallelism(header.Parallelism)
            .WithSalt(Convert.FromBase64String(header.Salt))
            .Build();
        return Argon2id(Encoding.UTF8.GetBytes(passphrase.Normalize(NormalizationForm.FormC)), parameters);
    }

    /// <summary>Argon2id of <paramref name="password"/>, 32 bytes: the AES-256 key (and what the reference vectors check).</summary>
    internal static byte[] Argon2id(byte[] password, Argon2Parameters parameters)
    {
        var generator = new Argon2BytesGenerator();
        generator.Init(parameters);
        var key = new byte[32];
        generator.GenerateBytes(password, key);
        CryptographicOperations.ZeroMemory(password);
        return key;
    }
}
