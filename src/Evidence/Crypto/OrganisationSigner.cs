using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;
using System.Text;
using Evidence.Requests;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities.Collections;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Evidence.Crypto;

/// <summary>
/// The organisation's signing certificate (ECDSA P-256), used for the detached CMS signature on referral
/// packages so that a court's expert can check it with <c>openssl cms -verify</c> and nothing of ours.
/// Created on first use, issued by its own self-signed CA, unless EVIDENCE_ORG_CERT and EVIDENCE_ORG_KEY name
/// a certificate issued elsewhere (EVIDENCE_ORG_CA then names its issuer).
/// </summary>
public sealed class OrganisationSigner
{
    private readonly AsymmetricKeyParameter privateKey;

    private OrganisationSigner(BcCertificate certificate, BcCertificate issuer, AsymmetricKeyParameter privateKey)
    {
        Certificate = certificate;
        Issuer = issuer;
        this.privateKey = privateKey;
    }

    public BcCertificate Certificate { get; }

    /// <summary>The CA that issued <see cref="Certificate"/> (the certificate itself when it is self-signed).</summary>
    public BcCertificate Issuer { get; }

    public string CertificatePem => Pem(Certificate);
    public string IssuerPem => Pem(Issuer);

    public static OrganisationSigner LoadOrCreate(EvidenceSettings settings, TimeProvider clock)
    {
        if (settings.OrganisationCertificate is { } configured)
        {
            var key = settings.OrganisationKey ?? throw new InvalidRequestException("EVIDENCE_ORG_CERT is set but EVIDENCE_ORG_KEY (its private key, PKCS#8 PEM) is not.");
            return Load(configured, key, settings.OrganisationCa ?? configured);
        }
        var folder = settings.KeyFolder;
        var certificatePath = Path.Combine(folder, "organisation.pem");
        var keyPath = Path.Combine(folder, "organisation-key.pem");
        var caPath = Path.Combine(folder, "organisation-ca.pem");
        if (!File.Exists(certificatePath))
        {
            // Four files from one creator: under the key folder's lock, and the certificate, which the check above
            // looks for, written last.
            KeyFiles.UnderCreationLock(folder, () =>
            {
                if (!File.Exists(certificatePath))
                {
                    Create(settings.OrganisationName, folder, clock.GetUtcNow());
                }
            });
        }
        return Load(certificatePath, keyPath, caPath);
    }

    /// <summary>A detached CMS SignedData (DER) over <paramref name="content"/>, carrying the certificate and its issuer.</summary>
    public byte[] SignDetached(byte[] content)
    {
        var generator = new CmsSignedDataGenerator();
        generator.AddSignerInfoGenerator(new SignerInfoGeneratorBuilder().Build(new Asn1SignatureFactory("SHA256withECDSA", privateKey), Certificate));
        generator.AddCertificates(CollectionUtilities.CreateStore(Certificate.Equals(Issuer) ? [Certificate] : new[] { Certificate, Issuer }));
        return generator.Generate(new CmsProcessableByteArray(content), encapsulate: false).GetEncoded("DER");
    }

    /// <summary>
    /// Checks a detached CMS signature over <paramref name="content"/>: every signer's signature verifies with the
    /// certificate the CMS carries for it. Returns the problem in words, or null and the signer's certificate.
    /// </summary>
    public static string? VerifyDetached(byte[] signature, byte[] content, out BcCertificate? signer)
    {
        signer = null;
        try
        {
            var signed = new CmsSignedData(new CmsProcessableByteArray(content), signature);
            var signers = signed.GetSignerInfos().GetSigners();
            if (signers.Count == 0)
            {
                return "a CMS structure without a signer";
            }
            foreach (var info in signers)
            {
                var certificate = signed.GetCertificates().EnumerateMatches(info.SignerID).FirstOrDefault();
                if (certificate is null)
                {
                    return "a signer whose certificate the CMS does not carry";
                }
                if (!info.Verify(certificate))
                {
                    return $"a signature by {certificate.SubjectDN} that does not verify over these bytes";
                }
                signer = certificate;
            }
            return null;
        }
        catch (Exception e) when (e is CmsException or IOException or ArgumentException or InvalidCastException or SecurityUtilityException)
        {
            return $"not a valid CMS signature ({e.Message})";
        }
    }

    private static void Create(string organisation, string folder, DateTimeOffset now)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest(Name(organisation + " evidence signing CA", organisation), caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(20));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Name(organisation, organisation), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        // No extended key usage: OpenSSL's default S/MIME purpose check then accepts it for signing.
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var certificate = request.Create(ca, now.AddMinutes(-5), now.AddYears(10), RandomNumberGenerator.GetBytes(16));

        // The private keys first and the certificate last: a certificate file always has its key beside it. A file
        // already there is a leftover of a creation that stopped before the certificate, so nothing was ever signed
        // with it: it is replaced.
        KeyFiles.Write(Path.Combine(folder, "organisation-ca-key.pem"), Encoding.ASCII.GetBytes(caKey.ExportPkcs8PrivateKeyPem()));
        KeyFiles.Write(Path.Combine(folder, "organisation-key.pem"), Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()));
        KeyFiles.Write(Path.Combine(folder, "organisation-ca.pem"), Encoding.ASCII.GetBytes(ca.ExportCertificatePem() + "\n"));
        KeyFiles.Write(Path.Combine(folder, "organisation.pem"), Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n"));
    }

    private static X500DistinguishedName Name(string commonName, string organisation)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName(organisation);
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    private static OrganisationSigner Load(string certificatePath, string keyPath, string caPath)
    {
        try
        {
            var certificate = Certificates.Load(certificatePath);
            var issuer = Certificates.Load(caPath);
            using var reader = new StreamReader(keyPath);
            var pem = new Org.BouncyCastle.OpenSsl.PemReader(reader).ReadPemObject()
                ?? throw new InvalidRequestException($"{keyPath} holds no PEM private key.");
            var key = PrivateKeyFactory.CreateKey(pem.Content);
            if (key is not Org.BouncyCastle.Crypto.Parameters.ECPrivateKeyParameters)
            {
                throw new InvalidRequestException($"{keyPath} is not an ECDSA key; the package signature needs ECDSA P-256.");
            }
            if (!Certificates.IsOrIssuedBy(certificate, issuer))
            {
                throw new InvalidRequestException($"The organisation certificate {certificatePath} was not issued by {caPath}.");
            }
            return new OrganisationSigner(certificate, issuer, key);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRequestException($"The organisation signing certificate or key cannot be read: {e.Message}");
        }
    }

    private static string Pem(BcCertificate certificate) => new string(PemEncoding.Write("CERTIFICATE", certificate.GetEncoded())) + "\n";
}
