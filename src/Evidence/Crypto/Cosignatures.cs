using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Evidence.Requests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace Evidence.Crypto;

/// <summary>
/// C2SP tlog-cosignature v1 (https://c2sp.org/tlog-cosignature), Ed25519: a witness's note signature on a checkpoint,
/// <c>— name base64(key id || 8-byte big-endian POSIX time || Ed25519 signature)</c>, over the message
/// <c>cosignature/v1\ntime &lt;t&gt;\n</c> followed by the checkpoint body. The key id is SHA-256(name || 0x0A || 0x04 || public key)[:4],
/// and the verifier key <c>name+hex(key id)+base64(0x04 || public key)</c>. By signing, a witness says that, at that time, this
/// is the largest tree of the log it has seen and found consistent with all it saw before.
/// </summary>
public sealed class CosignatureVerifier
{
    private const byte CosignatureType = 0x04;

    public CosignatureVerifier(string name, byte[] publicKey)
    {
        if (string.IsNullOrEmpty(name) || name.Any(c => char.IsWhiteSpace(c) || c == '+') || publicKey.Length != 32)
        {
            throw new FormatException("A witness key has a name without spaces or '+' and a 32-byte Ed25519 public key.");
        }
        Name = name;
        PublicKey = publicKey;
        KeyId = SHA256.HashData([.. Encoding.UTF8.GetBytes(name), 0x0A, CosignatureType, .. publicKey])[..4];
    }

    public string Name { get; }
    public byte[] PublicKey { get; }
    public byte[] KeyId { get; }

    public string VerifierKey => $"{Name}+{Convert.ToHexStringLower(KeyId)}+{Convert.ToBase64String([CosignatureType, .. PublicKey])}";

    public static CosignatureVerifier Parse(string verifierKey)
    {
        var parts = verifierKey.Trim().Split('+', 3);
        if (parts.Length != 3)
        {
            throw new FormatException("A witness verifier key reads name+keyid+base64key.");
        }
        var key = Convert.FromBase64String(parts[2]);
        if (key.Length != 33 || key[0] != CosignatureType)
        {
            throw new FormatException("Only Ed25519 cosignature keys (type 0x04, 32 bytes) are supported.");
        }
        var verifier = new CosignatureVerifier(parts[0], key[1..]);
        return Convert.ToHexStringLower(verifier.KeyId) == parts[1].ToLowerInvariant()
            ? verifier
            : throw new FormatException("The witness verifier key's id does not match its name and key.");
    }

    /// <summary>True when <paramref name="line"/> names this key (name and key id), whatever its signature.</summary>
    public bool Names(string line) => Blob(line) is { } blob && blob.AsSpan(0, 4).SequenceEqual(KeyId);

    /// <summary>The time a valid cosignature line by this key on <paramref name="body"/> says it was made; null when it is not one.</summary>
    public DateTimeOffset? Verify(string line, string body)
    {
        if (Blob(line) is not { } blob || !blob.AsSpan(0, 4).SequenceEqual(KeyId))
        {
            return null;
        }
        var time = BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(4, 8));
        if (time > long.MaxValue)
        {
            return null;
        }
        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(PublicKey));
        var message = Cosignatures.Message(body, time);
        verifier.BlockUpdate(message, 0, message.Length);
        return verifier.VerifySignature(blob[12..]) && (long)time <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds((long)time)
            : null;
    }

    // "— name base64": the 76-byte blob of a line with this key's name, or null.
    private byte[]? Blob(string line)
    {
        var fields = line.TrimEnd('\n').Split(' ');
        if (fields.Length != 3 || fields[0] != "\u2014" || fields[1] != Name)
        {
            return null;
        }
        try
        {
            var blob = Convert.FromBase64String(fields[2]);
            return blob.Length == 4 + 8 + 64 ? blob : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>A witness's Ed25519 key: cosigns checkpoints (tlog-cosignature v1). Created on first use, readable by its owner only.</summary>
public sealed class WitnessSigner
{
    private readonly Ed25519PrivateKeyParameters privateKey;

    private WitnessSigner(string name, Ed25519PrivateKeyParameters privateKey)
    {
        this.privateKey = privateKey;
        Verifier = new CosignatureVerifier(name, privateKey.GeneratePublicKey().GetEncoded());
    }

    public CosignatureVerifier Verifier { get; }

    public static WitnessSigner LoadOrCreate(string path, string name)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var bytes = KeyFiles.ReadOrCreate(path, () =>
        {
            var pem = new StringWriter();
            using (var writer = new PemWriter(pem))
            {
                writer.WriteObject(new Org.BouncyCastle.Utilities.IO.Pem.PemObject("PRIVATE KEY",
                    PrivateKeyInfoFactory.CreatePrivateKeyInfo(new Ed25519PrivateKeyParameters(new SecureRandom())).GetEncoded()));
            }
            return Encoding.ASCII.GetBytes(pem.ToString());
        });
        using var reader = new StringReader(Encoding.ASCII.GetString(bytes));
        var pemObject = new PemReader(reader).ReadPemObject() ?? throw new InvalidRequestException($"The witness key file {path} holds no PEM private key.");
        return PrivateKeyFactory.CreateKey(pemObject.Content) is Ed25519PrivateKeyParameters key
            ? new WitnessSigner(name, key)
            : throw new InvalidRequestException($"The witness key file {path} does not hold an Ed25519 private key.");
    }

    /// <summary>The cosignature line (ending in a newline) on a checkpoint body, made at <paramref name="time"/>.</summary>
    public string Cosign(string body, DateTimeOffset time)
    {
        var seconds = (ulong)time.ToUnixTimeSeconds();
        var signer = new Ed25519Signer();
        signer.Init(true, privateKey);
        var message = Cosignatures.Message(body, seconds);
        signer.BlockUpdate(message, 0, message.Length);
        var stamp = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(stamp, seconds);
        return $"\u2014 {Verifier.Name} {Convert.ToBase64String([.. Verifier.KeyId, .. stamp, .. signer.GenerateSignature()])}\n";
    }
}

public static class Cosignatures
{
    /// <summary>"cosignature/v1", "time t", then the whole checkpoint body, each line ending in a newline.</summary>
    public static byte[] Message(string body, ulong time) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"cosignature/v1\ntime {time}\n") + body);

    /// <summary>
    /// The witness verifier keys an installation accepts cosignatures from: <c>keys/witnesses.txt</c> in its home, one key a
    /// line, <c>#</c> comments. A file, not a database row: whoever controls only the database cannot add a witness.
    /// </summary>
    public static IReadOnlyList<CosignatureVerifier> Configured(string keyFolder)
    {
        var path = Path.Combine(keyFolder, "witnesses.txt");
        if (!File.Exists(path))
        {
            return [];
        }
        var keys = new List<CosignatureVerifier>();
        var number = 0;
        foreach (var line in File.ReadAllLines(path))
        {
            number++;
            var text = line.Trim();
            if (text.Length == 0 || text.StartsWith('#'))
            {
                continue;
            }
            try
            {
                keys.Add(CosignatureVerifier.Parse(text));
            }
            catch (FormatException e)
            {
                throw new InvalidRequestException($"{path} line {number} is not a witness verifier key (name+keyid+base64(0x04 || key)): {e.Message}");
            }
        }
        return keys;
    }

    /// <summary>The signature lines of a signed note (after its blank line), each with its newline.</summary>
    public static IEnumerable<string> Lines(string? lines) =>
        (lines ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l + "\n");
}
