using Evidence.Requests;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Security.Certificates;
using Org.BouncyCastle.X509;

namespace Evidence.Crypto;

/// <summary>The certificate checks the TSA pin and the package signature share.</summary>
public static class Certificates
{
    /// <summary>Reads a PEM or DER certificate file (a TSA's or the organisation's certificate, or the CA that issued it).</summary>
    public static X509Certificate Load(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return new X509CertificateParser().ReadCertificate(stream)
                ?? throw new InvalidRequestException($"{path} holds no certificate.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CertificateException)
        {
            throw new InvalidRequestException($"The certificate {path} cannot be read: {e.Message}");
        }
    }

    /// <summary>Whether <paramref name="certificate"/> is <paramref name="issuer"/> or carries its signature and names it as issuer.</summary>
    public static bool IsOrIssuedBy(X509Certificate certificate, X509Certificate issuer)
    {
        if (certificate.Equals(issuer))
        {
            return true;
        }
        try
        {
            certificate.Verify(issuer.GetPublicKey());
            return certificate.IssuerDN.Equivalent(issuer.SubjectDN);
        }
        catch (Exception e) when (e is CertificateException or InvalidKeyException or SignatureException or ArgumentException)
        {
            return false;
        }
    }
}
