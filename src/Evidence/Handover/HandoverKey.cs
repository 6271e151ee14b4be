using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Evidence.Crypto;
using Evidence.Requests;

namespace Evidence.Handover;

/// <summary>
/// The office's handover decryption key: an RSA-3072 key and a self-signed encryption certificate for it, kept in the home's
/// key folder (<c>keys/handover-rsa3072-key.pem</c>, owner-only, and <c>keys/handover-certificate.pem</c>), created once on
/// first use (<c>evidence handover certificate</c>). The field laptop encrypts its bundle to the certificate
/// (<c>handover export --encrypt-to</c>), so that the bundle travels as a CMS EnvelopedData only this key opens
/// (<see cref="CmsEnvelopeOpener"/>; <c>openssl cms -decrypt</c> opens it too). A backup carries it with the other keys.
/// RSA rather than EC: the office opens what it is sent with its own code, and RSA-OAEP is one operation with no key
/// derivation that two implementations could disagree on.
/// </summary>
internal sealed class HandoverKey
{
    public const string CertificateFile = "handover-certificate.pem";
    public const string KeyFile = "handover-rsa3072-key.pem";

    private HandoverKey(string certificatePath, X509Certificate2 certificate)
    {
        CertificatePath = certificatePath;
        Certificate = certificate;
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
    }

    public string CertificatePath { get; }

    /// <summary>The certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Lower-case hex SHA-256 of the certificate's DER bytes (what <c>openssl x509 -outform DER | sha256sum</c> prints).</summary>
    public string Fingerprint { get; }

    public string Pem => Certificate.ExportCertificatePem() + "\n";

    /// <summary>The home's handover key, created (key first, certificate last, under the key folder's lock) when it has none.</summary>
    public static HandoverKey LoadOrCreate(EvidenceSettings settings, DateTimeOffset now)
    {
        var folder = settings.KeyFolder;
        var certificatePath = Path.Combine(folder, CertificateFile);
        if (!File.Exists(certificatePath))
        {
            KeyFiles.UnderCreationLock(folder, () =>
            {
                if (!File.Exists(certificatePath))
                {
                    Create(settings.OrganisationName, folder, now);
                }
            });
        }
        return Load(settings) ?? throw new UnavailableException($"The handover key in {folder} could not be created; nothing was recorded.");
    }

    /// <summary>The home's handover key, or null when it has none (it never ran `handover certificate`).</summary>
    public static HandoverKey? Load(EvidenceSettings settings)
    {
        var certificatePath = Path.Combine(settings.KeyFolder, CertificateFile);
        if (!File.Exists(certificatePath))
        {
            return null;
        }
        try
        {
            return new HandoverKey(certificatePath, X509Certificate2.CreateFromPemFile(certificatePath, Path.Combine(settings.KeyFolder, KeyFile)));
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new UnavailableException($"The handover key in {settings.KeyFolder} cannot be read ({e.Message}); nothing was recorded. Restore it from the backup of this home.");
        }
    }

    private static void Create(string organisation, string folder, DateTimeOffset now)
    {
        using var key = RSA.Create(3072);
        var name = new X500DistinguishedNameBuilder();
        name.AddOrganizationName(organisation);
        name.AddCommonName(organisation + " handover");
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        // For encryption only: RecipientCertificate (and OpenSSL) refuse a certificate whose key usage does not allow it.
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        // The key first and the certificate last: a certificate file always has its key beside it.
        KeyFiles.Write(Path.Combine(folder, KeyFile), Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem() + "\n"));
        KeyFiles.Write(Path.Combine(folder, CertificateFile), Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n"));
    }
}
