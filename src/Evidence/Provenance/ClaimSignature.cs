using System.Formats.Cbor;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Security.Certificates;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;
using X509CertificateParser = Org.BouncyCastle.X509.X509CertificateParser;

namespace Evidence.Provenance;

/// <summary>What checking a claim signature found: the failure codes (none when it verifies) and the signer named by it.</summary>
internal sealed record ClaimSignatureResult(IReadOnlyList<string> Failures, string? Signer);

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

    /// <summary>
    /// COSE algorithm identifiers allowed by C2PA 2.1 §13.2.1, with the BouncyCastle signer that checks each.
    /// ECDSA in COSE is the raw r||s concatenation (RFC 9053 §2.1), hence PLAIN-ECDSA rather than DER;
    /// PSS uses MGF1 with the same hash and a salt as long as the hash (RFC 8230 §2).
    /// </summary>
    private static readonly Dictionary<long, string> Signers = new()
    {
        [-7] = "SHA-256withPLAIN-ECDSA",
        [-35] = "SHA-384withPLAIN-ECDSA",
        [-36] = "SHA-512withPLAIN-ECDSA",
        [-37] = "SHA-256withRSAandMGF1",
        [-38] = "SHA-384withRSAandMGF1",
        [-39] = "SHA-512withRSAandMGF1",
        [-8] = "Ed25519",
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
        X509Certificate certificate;
        try
        {
            certificate = new X509CertificateParser().ReadCertificate(chain[0])
                ?? throw new CertificateException("no certificate");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // DER from the file is hostile input; the parser signals bad encodings with several exception types.
            return Failed(C2paFailures.SigningCredentialInvalid);
        }
        var subject = certificate.SubjectDN.ToString(true, X509Name.DefaultSymbols);

        // The algorithm must be in the protected header, so that it is covered by the signature (RFC 9052 §3.1).
        if (protectedHeader[AlgorithmLabel] is not long algorithm || !Signers.TryGetValue(algorithm, out var signerName))
        {
            return new ClaimSignatureResult([C2paFailures.AlgorithmUnsupported], subject);
        }

        var toBeSigned = SigStructure(protectedBytes, claimBytes.Span);
        bool verified;
        try
        {
            var signer = SignerUtilities.GetSigner(signerName);
            signer.Init(false, certificate.GetPublicKey());
            signer.BlockUpdate(toBeSigned, 0, toBeSigned.Length);
            verified = signer.VerifySignature(signature);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A key of the wrong kind for the algorithm, or a signature of the wrong size for the key: it does not verify.
            verified = false;
        }
        return new ClaimSignatureResult(verified ? [] : [C2paFailures.ClaimSignatureMismatch], subject);
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
