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
/// An Ed25519 key that signs notes in the C2SP signed-note format (used for ledger checkpoints).
/// The key id is the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key); a signature line is
/// "— name base64(key id || signature)"; the verifier key is "name+hex(key id)+base64(0x01 || public key)".
/// </summary>
public sealed class NoteSigner
{
    private const byte Ed25519Type = 0x01;
    private readonly Ed25519PrivateKeyParameters privateKey;

    public NoteSigner(string name, Ed25519PrivateKeyParameters privateKey)
    {
        if (string.IsNullOrEmpty(name) || name.Any(c => char.IsWhiteSpace(c) || c == '+'))
        {
            throw new ArgumentException("A signed-note key name is non-empty and has no spaces or '+'.", nameof(name));
        }
        Name = name;
        this.privateKey = privateKey;
        Verifier = new NoteVerifier(name, privateKey.GeneratePublicKey().GetEncoded());
    }

    public string Name { get; }

    public NoteVerifier Verifier { get; }

    /// <summary>
    /// Loads the key from a PKCS#8 PEM file, or creates it (readable by its owner only) when the file does not
    /// exist. A second process racing to create it loads the first one's key (see <see cref="KeyFiles"/>).
    /// </summary>
    public static NoteSigner LoadOrCreate(string path, string name) =>
        FromPem(KeyFiles.ReadOrCreate(path, () => Generate(name).Pem()), path, name);

    /// <summary>Loads the key from a PKCS#8 PEM file that must exist.</summary>
    public static NoteSigner Load(string path, string name) => FromPem(File.ReadAllBytes(path), path, name);

    /// <summary>A new random key (a rotation's successor, or the first key of a home).</summary>
    public static NoteSigner Generate(string name) => new(name, new Ed25519PrivateKeyParameters(new SecureRandom()));

    /// <summary>The private key as PKCS#8 PEM, for its owner-only key file.</summary>
    internal byte[] Pem()
    {
        var pem = new StringWriter();
        using (var writer = new PemWriter(pem))
        {
            writer.WriteObject(new Org.BouncyCastle.Utilities.IO.Pem.PemObject("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey).GetEncoded()));
        }
        return Encoding.ASCII.GetBytes(pem.ToString());
    }

    /// <summary>The key a PEM file's bytes hold; <paramref name="path"/> only names it in an error.</summary>
    internal static NoteSigner FromPem(byte[] bytes, string path, string name)
    {
        using var reader = new StringReader(Encoding.ASCII.GetString(bytes));
        var pemObject = new PemReader(reader).ReadPemObject()
            ?? throw new InvalidRequestException($"The ledger key file {path} holds no PEM private key ({bytes.Length} bytes). Restore it from the key backup; " +
                                                 "only if this installation never signed a checkpoint may it be removed, so that a new key is made.");
        return PrivateKeyFactory.CreateKey(pemObject.Content) is Ed25519PrivateKeyParameters key
            ? new NoteSigner(name, key)
            : throw new InvalidRequestException($"The ledger key file {path} does not hold an Ed25519 private key.");
    }

    /// <summary>The signature line for a note body (which must end with a newline).</summary>
    public string SignatureLine(string body)
    {
        var signer = new Ed25519Signer();
        signer.Init(true, privateKey);
        var message = Encoding.UTF8.GetBytes(body);
        signer.BlockUpdate(message, 0, message.Length);
        var signature = signer.GenerateSignature();
        return $"\u2014 {Name} {Convert.ToBase64String([.. Verifier.KeyId, .. signature])}\n";
    }

    /// <summary>The signed note: body, blank line, signature line.</summary>
    public string Sign(string body) => body + "\n" + SignatureLine(body);
}

/// <summary>A signed-note verifier key: checks signature lines made by the matching <see cref="NoteSigner"/>.</summary>
public sealed class NoteVerifier
{
    public NoteVerifier(string name, byte[] publicKey)
    {
        Name = name;
        PublicKey = publicKey;
        KeyId = SHA256.HashData([.. Encoding.UTF8.GetBytes(name), 0x0A, 0x01, .. publicKey])[..4];
    }

    public string Name { get; }
    public byte[] PublicKey { get; }
    public byte[] KeyId { get; }

    /// <summary>
    /// SHA-256 of the 32-byte public key, lower-case hex in groups of four: what two people read to each other to be sure
    /// they hold the same key (the 4-byte key id is too short for that). By hand: the last 32 bytes of the key's base64
    /// part, through <c>sha256sum</c>.
    /// </summary>
    public string Fingerprint => string.Join(' ', Convert.ToHexStringLower(SHA256.HashData(PublicKey)).Chunk(4).Select(c => new string(c)));

    /// <summary>name+hex key id+base64(0x01 || public key).</summary>
    public string VerifierKey => $"{Name}+{Convert.ToHexStringLower(KeyId)}+{Convert.ToBase64String([0x01, .. PublicKey])}";

    public static NoteVerifier Parse(string verifierKey)
    {
        // The base64 key may itself contain '+': split at the first two only.
        var parts = verifierKey.Trim().Split('+', 3);
        if (parts.Length != 3)
        {
            throw new FormatException("A verifier key reads name+keyid+base64key.");
        }
        var key = Convert.FromBase64String(parts[2]);
        if (key.Length != 33 || key[0] != 0x01)
        {
            throw new FormatException("Only Ed25519 verifier keys (type 0x01, 32 bytes) are supported.");
        }
        var verifier = new NoteVerifier(parts[0], key[1..]);
        if (Convert.ToHexStringLower(verifier.KeyId) != parts[1].ToLowerInvariant())
        {
            throw new FormatException("The verifier key's id does not match its name and key.");
        }
        return verifier;
    }

    /// <summary>
    /// The keys a signed note's signature lines name, as <c>name+hex key id</c>, whether or not they verify: what a finding
    /// shows of a signer it does not trust (a signature line carries no more of its key than that).
    /// </summary>
    public static IReadOnlyList<string> Signers(string note)
    {
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        var signers = new List<string>();
        foreach (var line in split < 0 ? [] : note[(split + 2)..].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (fields.Length == 3 && fields[0] == "\u2014" && TryBase64(fields[2]) is { Length: > 4 } blob)
            {
                signers.Add($"{fields[1]}+{Convert.ToHexStringLower(blob.AsSpan(0, 4))}");
            }
        }
        return signers;
    }

    private static byte[]? TryBase64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>name+hex key id: how a signature line names this key.</summary>
    public string Signer => $"{Name}+{Convert.ToHexStringLower(KeyId)}";

    /// <summary>
    /// Splits a signed note into body and signature lines and checks whether one line is a valid signature
    /// by this key. Lines by other keys are ignored, as the signed-note format says.
    /// </summary>
    public bool Verify(string note, out string body)
    {
        body = "";
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            return false;
        }
        body = note[..(split + 1)];
        foreach (var line in note[(split + 2)..].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (fields.Length != 3 || fields[0] != "\u2014" || fields[1] != Name)
            {
                continue;
            }
            byte[] blob;
            try
            {
                blob = Convert.FromBase64String(fields[2]);
            }
            catch (FormatException)
            {
                continue;
            }
            if (blob.Length != 68 || !blob.AsSpan(0, 4).SequenceEqual(KeyId))
            {
                continue;
            }
            var verifier = new Ed25519Signer();
            verifier.Init(false, new Ed25519PublicKeyParameters(PublicKey));
            var message = Encoding.UTF8.GetBytes(body);
            verifier.BlockUpdate(message, 0, message.Length);
            if (verifier.VerifySignature(blob[4..]))
            {
                return true;
            }
        }
        return false;
    }
}
