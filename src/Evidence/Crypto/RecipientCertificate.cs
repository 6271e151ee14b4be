using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Evidence.Requests;
using Org.BouncyCastle.X509;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Evidence.Crypto;

/// <summary>
/// A recipient's encryption certificate, checked before anything is encrypted to it (docs/packages.md, "Encrypted to the
/// recipient"): one certificate, in PEM or DER; an RSA key of 2048 bits or more, or an EC key on P-256, P-384 or P-521; a key
/// usage, when the certificate states one, that allows key encipherment (RSA) or key agreement (EC), so that a certificate
/// issued for signatures only is refused; and valid at the time of use. Its fingerprint is the SHA-256 of its DER bytes,
/// what <c>openssl x509 -in CERT.pem -outform DER | sha256sum</c> prints.
/// </summary>
public sealed class RecipientCertificate
{
    // A certificate is a few kilobytes; a file much larger is not one, and is not read whole.
    private const int MaxBytes = 1 << 20;

    private RecipientCertificate(BcCertificate certificate, string fingerprint, string key, DateTime notAfterUtc)
    {
        Certificate = certificate;
        Fingerprint = fingerprint;
        Key = key;
        NotAfterUtc = notAfterUtc;
    }

    public BcCertificate Certificate { get; }

    /// <summary>Lower-case hex SHA-256 of the certificate's DER bytes.</summary>
    public string Fingerprint { get; }

    /// <summary>The key, as people name it: "RSA 3072", "EC P-256".</summary>
    public string Key { get; }

    public DateTime NotAfterUtc { get; }

    public bool IsRsa => Key.StartsWith("RSA", StringComparison.Ordinal);

    /// <summary>The certificate as PEM, as it is kept in the home's key folder.</summary>
    public string Pem => PemEncoding.WriteString("CERTIFICATE", Certificate.GetEncoded()) + "\n";

    /// <summary>Reads and checks the certificate file at <paramref name="path"/>; refuses, saying why, anything else.</summary>
    public static RecipientCertificate Read(string path, DateTimeOffset now)
    {
        byte[] bytes;
        try
        {
            using var file = File.OpenRead(path);
            if (file.Length > MaxBytes)
            {
                throw new InvalidRequestException($"{path} is {file.Length} bytes; a certificate is a few kilobytes.");
            }
            bytes = new byte[file.Length];
            file.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRequestException($"The certificate {path} cannot be read: {e.Message}");
        }
        return Parse(bytes, path, now);
    }

    /// <summary>Checks a certificate's bytes (PEM or DER); <paramref name="name"/> is how refusals name it.</summary>
    public static RecipientCertificate Parse(byte[] bytes, string name, DateTimeOffset now)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(Der(bytes, name));
        }
        catch (CryptographicException e)
        {
            throw new InvalidRequestException($"{name} is not a readable certificate: {e.Message}");
        }
        using (certificate)
        {
            var key = KeyOf(certificate, name);
            var (usage, allowed) = key.StartsWith("RSA", StringComparison.Ordinal)
                ? ("key encipherment", X509KeyUsageFlags.KeyEncipherment)
                : ("key agreement", X509KeyUsageFlags.KeyAgreement);
            // No key usage at all places no limit (RFC 5280 §4.2.1.3); one that is stated must allow this use.
            if (certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is { } stated && !stated.KeyUsages.HasFlag(allowed))
            {
                throw new InvalidRequestException($"The certificate {name} is not for encryption: its key usage ({Named(stated.KeyUsages)}) does not allow {usage}. " +
                                                  "Ask the recipient for their encryption certificate.");
            }
            var notBefore = certificate.NotBefore.ToUniversalTime();
            var notAfter = certificate.NotAfter.ToUniversalTime();
            if (now.UtcDateTime > notAfter)
            {
                throw new InvalidRequestException($"The certificate {name} expired on {Day(notAfter)}; ask the recipient for their current certificate.");
            }
            if (now.UtcDateTime < notBefore)
            {
                throw new InvalidRequestException($"The certificate {name} is not valid until {Day(notBefore)}.");
            }
            var fingerprint = Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
            return new RecipientCertificate(new X509CertificateParser().ReadCertificate(certificate.RawData), fingerprint, key, notAfter);
        }
    }

    private static byte[] Der(byte[] bytes, string name)
    {
        // DER starts with a SEQUENCE; anything else is read as PEM text.
        if (bytes.Length > 0 && bytes[0] == 0x30)
        {
            return bytes;
        }
        var text = Encoding.UTF8.GetString(bytes).AsSpan();
        var sawPrivateKey = false;
        while (PemEncoding.TryFind(text, out var fields))
        {
            var label = text[fields.Label];
            if (label.SequenceEqual("CERTIFICATE"))
            {
                // The first certificate of a file that also holds its chain is the recipient's own. (TryFind found valid base64.)
                return Convert.FromBase64String(text[fields.Base64Data].ToString());
            }
            sawPrivateKey |= label.EndsWith("PRIVATE KEY", StringComparison.Ordinal);
            text = text[fields.Location.End..];
        }
        throw new InvalidRequestException(sawPrivateKey
            ? $"{name} holds a private key, not a certificate. Give the recipient's certificate; their private key never leaves them."
            : $"{name} holds no certificate: expected PEM (-----BEGIN CERTIFICATE-----) or DER.");
    }

    private static string KeyOf(X509Certificate2 certificate, string name)
    {
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is not null)
        {
            return rsa.KeySize >= 2048
                ? $"RSA {rsa.KeySize}"
                : throw new InvalidRequestException($"The certificate {name} has an RSA key of {rsa.KeySize} bits; packages are encrypted only to RSA keys of 2048 bits or more.");
        }
        if (certificate.PublicKey.Oid.Value == "1.2.840.10045.2.1")
        {
            if (CurveOf(certificate) is { } curve)
            {
                return $"EC {curve}";
            }
        }
        throw new InvalidRequestException($"The certificate {name} has a key packages cannot be encrypted to ({certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value}, " +
                                          $"or an unsupported curve); use an RSA key of 2048 bits or more, or an EC key on P-256, P-384 or P-521.");
    }

    private static string? CurveOf(X509Certificate2 certificate)
    {
        try
        {
            using var ec = certificate.PublicKey.GetECDiffieHellmanPublicKey();
            return ec?.ExportParameters(false).Curve.Oid?.Value switch
            {
                "1.2.840.10045.3.1.7" => "P-256",
                "1.3.132.0.34" => "P-384",
                "1.3.132.0.35" => "P-521",
                _ => null,
            };
        }
        catch (CryptographicException)
        {
            return null; // explicit parameters, or a curve this platform does not know
        }
    }

    // In RFC 5280's order and with the words `openssl x509 -text` prints, so that the refusal reads like the certificate.
    private static readonly (X509KeyUsageFlags Flag, string Name)[] Usages =
    [
        (X509KeyUsageFlags.DigitalSignature, "Digital Signature"), (X509KeyUsageFlags.NonRepudiation, "Non Repudiation"),
        (X509KeyUsageFlags.KeyEncipherment, "Key Encipherment"), (X509KeyUsageFlags.DataEncipherment, "Data Encipherment"),
        (X509KeyUsageFlags.KeyAgreement, "Key Agreement"), (X509KeyUsageFlags.KeyCertSign, "Certificate Sign"), (X509KeyUsageFlags.CrlSign, "CRL Sign"),
        (X509KeyUsageFlags.EncipherOnly, "Encipher Only"), (X509KeyUsageFlags.DecipherOnly, "Decipher Only"),
    ];

    private static string Named(X509KeyUsageFlags usages) =>
        usages == X509KeyUsageFlags.None ? "none" : string.Join(", ", Usages.Where(u => usages.HasFlag(u.Flag)).Select(u => u.Name));

    private static string Day(DateTime utc) => utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
