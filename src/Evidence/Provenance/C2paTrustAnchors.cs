using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Evidence.Requests;
using Org.BouncyCastle.X509;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace Evidence.Provenance;

/// <summary>
/// The certificates an installation trusts to vouch for C2PA signers (EVIDENCE_C2PA_TRUST_ANCHORS, a PEM bundle such as
/// the C2PA trust list or a newsroom's own CA). A signer is trusted when its <c>x5chain</c> leads, certificate by
/// certificate, to one of them: each certificate's signature checked with its issuer's key (BouncyCastle), each one valid
/// at the time asked, each issuer a CA.
/// </summary>
/// <remarks>
/// Not checked: revocation (OCSP, CRLs), the C2PA certificate profile (C2PA 2.1 §14.5: key usage, extended key usage),
/// name constraints and path-length constraints. The time is the caller's: intake uses its own clock, because the time
/// stamp in the manifest (<c>sigTst</c>) is not verified, so the time it states cannot be relied on.
/// </remarks>
public sealed class C2paTrustAnchors
{
    /// <summary>A chain longer than this is not followed: real chains have two to four certificates.</summary>
    public const int MaxChainLength = 16;

    private readonly IReadOnlyList<X509Certificate> anchors;

    private C2paTrustAnchors(IReadOnlyList<X509Certificate> anchors)
    {
        this.anchors = anchors;
    }

    /// <summary>No anchors: every signer is untrusted.</summary>
    public static C2paTrustAnchors None { get; } = new([]);

    /// <summary>How many anchors are configured.</summary>
    public int Count => anchors.Count;

    /// <summary>
    /// The anchors in the PEM bundle at <paramref name="path"/>. A configured path that is missing or holds no certificate
    /// is an error of the installation, reported at once, rather than a trust list silently empty.
    /// </summary>
    /// <param name="path">The PEM file; null for none.</param>
    public static C2paTrustAnchors Load(string? path)
    {
        if (path is null)
        {
            return None;
        }
        if (!File.Exists(path))
        {
            throw new InvalidRequestException($"EVIDENCE_C2PA_TRUST_ANCHORS names {Text.Display.Path(path)}, which does not exist.");
        }
        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPemFile(path);
        }
        catch (CryptographicException e)
        {
            throw new InvalidRequestException($"EVIDENCE_C2PA_TRUST_ANCHORS: {Text.Display.Path(path)} is not a PEM bundle of certificates ({e.Message}).");
        }
        if (bundle.Count == 0)
        {
            throw new InvalidRequestException($"EVIDENCE_C2PA_TRUST_ANCHORS: {Text.Display.Path(path)} holds no certificate.");
        }
        var parser = new X509CertificateParser();
        return new C2paTrustAnchors(bundle.Select(c => parser.ReadCertificate(c.RawData)).ToList());
    }

    /// <summary>
    /// Whether the chain (leaf first, as <c>x5chain</c> holds it) leads to an anchor at <paramref name="at"/>: null when it
    /// does, else why not, in words ("untrusted signer: ...").
    /// </summary>
    /// <param name="chain">The DER certificates of <c>x5chain</c>, the signer's first.</param>
    /// <param name="at">The time at which every certificate must be valid.</param>
    /// <param name="anchor">The anchor the chain reaches, when it does.</param>
    public string? Check(IReadOnlyList<byte[]> chain, DateTimeOffset at, out string? anchor)
    {
        anchor = null;
        if (anchors.Count == 0)
        {
            return "untrusted signer: no C2PA trust anchors are configured (EVIDENCE_C2PA_TRUST_ANCHORS)";
        }
        if (chain.Count == 0 || chain.Count > MaxChainLength)
        {
            return $"untrusted signer: x5chain holds {chain.Count} certificates";
        }
        var certificates = new List<X509Certificate>();
        var parser = new X509CertificateParser();
        foreach (var der in chain)
        {
            try
            {
                certificates.Add(parser.ReadCertificate(der) ?? throw new CryptographicException("empty"));
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                return "untrusted signer: a certificate in x5chain cannot be read";
            }
        }

        var when = at.UtcDateTime;
        for (var i = 0; i < certificates.Count; i++)
        {
            var current = certificates[i];
            if (!current.IsValid(when))
            {
                return $"untrusted signer: {Name(current)} is not valid at {when:yyyy-MM-dd'T'HH:mm:ss'Z'} (valid {current.NotBefore:yyyy-MM-dd} to {current.NotAfter:yyyy-MM-dd})";
            }
            // The certificate itself is an anchor, or an anchor issued it.
            var reached = anchors.FirstOrDefault(a => a.Equals(current))
                ?? anchors.FirstOrDefault(a => a.SubjectDN.Equivalent(current.IssuerDN) && a.IsValid(when) && SignedBy(current, a));
            if (reached is not null)
            {
                anchor = Name(reached);
                return null;
            }
            // Otherwise the next certificate of the chain must have issued it, and be a CA.
            if (i + 1 == certificates.Count)
            {
                return $"untrusted signer: the chain ends at {Name(current)}, issued by {current.IssuerDN}, which is not a configured trust anchor";
            }
            var issuer = certificates[i + 1];
            if (!issuer.SubjectDN.Equivalent(current.IssuerDN) || !SignedBy(current, issuer))
            {
                return $"untrusted signer: {Name(current)} was not issued by the next certificate in x5chain ({Name(issuer)})";
            }
            if (issuer.GetBasicConstraints() < 0)
            {
                return $"untrusted signer: {Name(issuer)} is not a CA certificate, so it cannot vouch for {Name(current)}";
            }
        }
        return "untrusted signer: the chain does not reach a configured trust anchor";
    }

    /// <summary>Whether <paramref name="issuer"/>'s key made <paramref name="certificate"/>'s signature.</summary>
    private static bool SignedBy(X509Certificate certificate, X509Certificate issuer)
    {
        try
        {
            certificate.Verify(issuer.GetPublicKey());
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // BouncyCastle throws for a signature that does not verify and for a key it cannot use alike.
            return false;
        }
    }

    private static string Name(X509Certificate certificate) => certificate.SubjectDN.ToString();
}
