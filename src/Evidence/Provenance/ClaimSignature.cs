using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using X509CertificateParser = Org.BouncyCastle.X509.X509CertificateParser;

namespace Evidence.Provenance;

/// <summary>
/// What checking a claim signature found: the failure codes (none when it verifies), the signer named by it, and the
/// certificates of its <c>x5chain</c> (DER, the signer's first) for deciding trust.
/// </summary>
internal sealed record ClaimSignatureResult(IReadOnlyList<string> Failures, string? Signer, IReadOnlyList<byte[]>? Chain = null);

/// <summary>
/// Verifies a C2PA claim signature: a COSE_Sign1 (RFC 9052 §4.2) whose detached payload is the claim's CBOR bytes as
/// stored (C2PA 2.1 §13.2 "Digital Signatures", §15.7 "Validate the Signature"). The signer's certificate chain is the
/// <c>x5chain</c> header (RFC 9360, label 33); the signature is checked against the first certificate's key.
/// Whether that certificate is trusted is a different question, not answered here.
/// </summary>
internal static class ClaimSignature
{
    private const ulong CoseSign1Tag = 18;
    private const long AlgorithmLabel = 1;
    private const long X5ChainLabel = 33;
    private const string RsaEncryptionOid = "1.2.840.113549.1.1.1";
    private const string RsassaPssOid = "1.2.840.113549.1.1.10";

    /// <summary>
    /// COSE algorithm identifiers allowed by C2PA 2.1 §13.2, with the hash each uses. ECDSA signatures in COSE are the
    /// raw r||s concatenation (RFC 9053 §2.1), not DER; PSS uses MGF1 with the same hash and a salt as long as the hash
    /// (RFC 8230 §2), which is what .NET's <see cref="RSASignaturePadding.Pss"/> does.
    /// </summary>
    private static readonly Dictionary<long, (string Kind, HashAlgorithmName Hash)> Algorithms = new()
    {
        [-7] = ("ECDSA", HashAlgorithmName.SHA256),
        [-35] = ("ECDSA", HashAlgorithmName.SHA384),
        [-36] = ("ECDSA", HashAlgorithmName.SHA512),
        [-37] = ("PSS", HashAlgorithmName.SHA256),
        [-38] = ("PSS", HashAlgorithmName.SHA384),
        [-39] = ("PSS", HashAlgorithmName.SHA512),
        [-8] = ("EdDSA", default),
    };

    public static ClaimSignatureResult Verify(ReadOnlyMemory<byte> coseBytes, ReadOnlyMemory<byte> claimBytes)
    {
        // A signature box that is not a tagged COSE_Sign1 is a signature that does not verify (c2pa-rs reports
        // claimSignature.mismatch for it too).
        object? decoded;
        try
        {
            decoded = CborTree.Decode(coseBytes, "claim signature");
        }
        catch (C2paFormatException)
        {
            return Failed(C2paFailures.ClaimSignatureMismatch);
        }
        if (decoded is not CborTagged { Tag: CoseSign1Tag, Value: List<object?> { Count: 4 } parts }
            || parts[0] is not byte[] protectedBytes
            || parts[1] is not CborMap unprotectedHeader
            || parts[3] is not byte[] signature)
        {
            return Failed(C2paFailures.ClaimSignatureMismatch);
        }

        CborMap protectedHeader;
        if (protectedBytes.Length == 0)
        {
            protectedHeader = new CborMap();
        }
        else
        {
            try
            {
                protectedHeader = CborTree.Decode(protectedBytes, "protected header") as CborMap
                    ?? throw new C2paFormatException("the protected header is not a map.");
            }
            catch (C2paFormatException)
            {
                return Failed(C2paFailures.ClaimSignatureMismatch);
            }
        }

        // The certificates: protected header first; the unprotected header was allowed by older C2PA versions.
        // Both at once is ambiguous about who signed, so it is refused.
        var inProtected = protectedHeader[X5ChainLabel] ?? protectedHeader["x5chain"];
        var inUnprotected = unprotectedHeader[X5ChainLabel] ?? unprotectedHeader["x5chain"];
        if (inProtected is not null && inUnprotected is not null)
        {
            return Failed(C2paFailures.SigningCredentialInvalid);
        }
        var chain = (inProtected ?? inUnprotected) switch
        {
            byte[] one => [one],
            List<object?> many => many.OfType<byte[]>().ToList(),
            _ => [],
        };
        if (chain.Count == 0)
        {
            return Failed(C2paFailures.SigningCredentialInvalid);
        }
        using var certificate = LoadCertificate(chain[0]);
        if (certificate is null)
        {
            return Failed(C2paFailures.SigningCredentialInvalid);
        }
        var subject = certificate.Subject;

        // The algorithm must be in the protected header, so that it is covered by the signature (RFC 9052 §3.1).
        if (protectedHeader[AlgorithmLabel] is not long algorithm || !Algorithms.TryGetValue(algorithm, out var use))
        {
            return new ClaimSignatureResult([C2paFailures.AlgorithmUnsupported], subject, chain);
        }

        var toBeSigned = SigStructure(protectedBytes, claimBytes.Span);
        bool verified;
        try
        {
            verified = use.Kind switch
            {
                "ECDSA" => VerifyEcdsa(certificate, toBeSigned, signature, use.Hash),
                "PSS" => VerifyPss(certificate, toBeSigned, signature, use.Hash),
                _ => VerifyEd25519(chain[0], toBeSigned, signature),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A key of the wrong kind for the algorithm, or a key or signature that cannot be decoded: it does not verify.
            verified = false;
        }
        return new ClaimSignatureResult(verified ? [] : [C2paFailures.ClaimSignatureMismatch], subject, chain);
    }

    /// <summary>The certificate, or null when the bytes are not a DER X.509 certificate.</summary>
    private static X509Certificate2? LoadCertificate(byte[] der)
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static bool VerifyEcdsa(X509Certificate2 certificate, byte[] toBeSigned, byte[] signature, HashAlgorithmName hash)
    {
        using var key = certificate.GetECDsaPublicKey();
        return key is not null && key.VerifyData(toBeSigned, signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>
    /// C2PA signing certificates for PS256/384/512 commonly carry an RSASSA-PSS key (OID 1.2.840.113549.1.1.10, RFC 4055),
    /// which .NET's <c>GetRSAPublicKey</c> does not accept; its key bits are the same PKCS#1 RSAPublicKey as for a plain
    /// RSA key, so they are imported directly.
    /// </summary>
    private static bool VerifyPss(X509Certificate2 certificate, byte[] toBeSigned, byte[] signature, HashAlgorithmName hash)
    {
        if (certificate.PublicKey.Oid.Value is not (RsaEncryptionOid or RsassaPssOid))
        {
            return false;
        }
        using var key = RSA.Create();
        key.ImportRSAPublicKey(certificate.PublicKey.EncodedKeyValue.RawData, out _);
        return key.VerifyData(toBeSigned, signature, hash, RSASignaturePadding.Pss);
    }

    /// <summary>.NET has no Ed25519, so BouncyCastle reads that key and checks the signature.</summary>
    private static bool VerifyEd25519(byte[] certificate, byte[] toBeSigned, byte[] signature)
    {
        if (new X509CertificateParser().ReadCertificate(certificate)?.GetPublicKey() is not Ed25519PublicKeyParameters key)
        {
            return false;
        }
        var signer = new Ed25519Signer();
        signer.Init(false, key);
        signer.BlockUpdate(toBeSigned, 0, toBeSigned.Length);
        return signer.VerifySignature(signature);
    }

    /// <summary>
    /// Sig_structure for COSE_Sign1 (RFC 9052 §4.4): ["Signature1", protected header as its bytes, external_aad (empty
    /// in C2PA), payload]. The payload is the claim exactly as stored, not a re-encoding of it.
    /// </summary>
    private static byte[] SigStructure(byte[] protectedBytes, ReadOnlySpan<byte> payload)
    {
        var writer = new CborWriter(CborConformanceMode.Strict);
        writer.WriteStartArray(4);
        writer.WriteTextString("Signature1");
        writer.WriteByteString(protectedBytes);
        writer.WriteByteString([]);
        writer.WriteByteString(payload);
        writer.WriteEndArray();
        return writer.Encode();
    }

    private static ClaimSignatureResult Failed(string code) => new([code], null);
}
