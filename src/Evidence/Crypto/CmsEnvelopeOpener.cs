using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.X509;

namespace Evidence.Crypto;

/// <summary>
/// Opens, streamed, a CMS EnvelopedData that <see cref="CmsEnvelope"/> wrote for an RSA recipient, and nothing else: one
/// content, AES-256-CBC, its key under RSAES-OAEP with SHA-256 and MGF1-SHA-256 for the certificate given. The structure is
/// read with BouncyCastle's streaming ASN.1 parser; the key is unwrapped and the content decrypted by .NET (the processor's
/// AES instructions). CBC carries no integrity of its own: what is inside must (a handover bundle is signed, and every
/// file in it hashed). Any other envelope is refused, saying why; a damaged one fails its padding or its ASN.1.
/// </summary>
internal static class CmsEnvelopeOpener
{
    /// <summary>Whether the file starts as a CMS ContentInfo (a DER or BER SEQUENCE) rather than as a zip.</summary>
    public static bool LooksLikeCms(ReadOnlySpan<byte> start) => start.Length >= 2 && start[0] == 0x30;

    /// <summary>
    /// Decrypts the envelope read from <paramref name="input"/> with <paramref name="recipient"/>'s private key, handing each
    /// piece of the content to <paramref name="output"/> in order. Throws <see cref="NotForThisKeyException"/> when the
    /// envelope is for another certificate, and <see cref="InvalidDataException"/> when it is not one this code opens.
    /// </summary>
    public static void Open(Stream input, X509Certificate2 recipient, Action<ReadOnlySpan<byte>> output)
    {
        byte[] contentKey;
        Stream encrypted;
        byte[] iv;
        try
        {
            var contentInfo = new ContentInfoParser((Asn1SequenceParser)new Asn1StreamParser(input).ReadObject());
            if (!contentInfo.ContentType.Equals(CmsObjectIdentifiers.EnvelopedData))
            {
                throw new InvalidDataException($"a CMS {contentInfo.ContentType.Id}, not an EnvelopedData");
            }
            var enveloped = new EnvelopedDataParser((Asn1SequenceParser)contentInfo.GetContent(Asn1Tags.Sequence));
            if (enveloped.GetOriginatorInfo() is not null)
            {
                throw new InvalidDataException("an envelope with originator information, which this code never writes");
            }
            var infos = (Asn1Set)enveloped.GetRecipientInfos().ToAsn1Object();
            contentKey = ContentKey(infos, recipient);
            var content = enveloped.GetEncryptedContentInfo();
            var algorithm = content.ContentEncryptionAlgorithm;
            if (!content.ContentType.Equals(CmsObjectIdentifiers.Data) || !algorithm.Algorithm.Equals(NistObjectIdentifiers.IdAes256Cbc)
                || algorithm.Parameters is not Asn1OctetString { } ivOctets || ivOctets.GetOctets().Length != 16)
            {
                throw new InvalidDataException($"content encrypted with {algorithm.Algorithm.Id}, not AES-256-CBC with a 16-byte IV");
            }
            iv = ivOctets.GetOctets();
            encrypted = ((Asn1OctetStringParser)content.GetEncryptedContent(Asn1Tags.OctetString)
                         ?? throw new InvalidDataException("an envelope without its encrypted content")).GetOctetStream();
        }
        catch (Exception e) when (e is IOException or InvalidCastException or ArgumentException or Asn1Exception or InvalidOperationException && e is not InvalidDataException)
        {
            throw new InvalidDataException($"not a CMS EnvelopedData ({e.Message})", e);
        }

        using var aes = Aes.Create();
        aes.Key = contentKey;
        CryptographicOperations.ZeroMemory(contentKey);
        try
        {
            using var decryptor = aes.CreateDecryptor(aes.Key, iv);
            using var plain = new CryptoStream(encrypted, decryptor, CryptoStreamMode.Read);
            var buffer = new byte[1 << 20];
            int read;
            while ((read = plain.Read(buffer)) > 0)
            {
                output(buffer.AsSpan(0, read));
            }
        }
        catch (Exception e) when (e is CryptographicException or IOException or Asn1Exception or InvalidOperationException && e is not InvalidDataException)
        {
            throw new InvalidDataException($"its encrypted content is damaged or cut short ({e.Message})", e);
        }
    }

    /// <summary>The envelope for a certificate this key does not belong to: it names the certificate it was made for.</summary>
    public sealed class NotForThisKeyException(string recipients) : Exception($"the envelope is for {recipients}")
    {
        public string Recipients { get; } = recipients;
    }

    /// <summary>The content key, unwrapped from the one recipient entry that names <paramref name="recipient"/>.</summary>
    private static byte[] ContentKey(Asn1Set infos, X509Certificate2 recipient)
    {
        var ours = new X509CertificateParser().ReadCertificate(recipient.RawData);
        var named = new List<string>();
        foreach (var encodable in infos)
        {
            var info = RecipientInfo.GetInstance(encodable).Info;
            if (info is not KeyTransRecipientInfo keyTransport)
            {
                named.Add("a recipient reached by key agreement or a password (an EC or another kind of key)");
                continue;
            }
            var id = keyTransport.RecipientIdentifier.ID;
            var forUs = id switch
            {
                Org.BouncyCastle.Asn1.Cms.IssuerAndSerialNumber issuerAndSerial => issuerAndSerial.Issuer.Equivalent(ours.IssuerDN) && issuerAndSerial.SerialNumber.Value.Equals(ours.SerialNumber),
                Asn1OctetString keyId => recipient.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault() is { } ski &&
                                         keyId.GetOctets().AsSpan().SequenceEqual(ski.SubjectKeyIdentifierBytes.Span),
                _ => false,
            };
            if (!forUs)
            {
                named.Add(id is Org.BouncyCastle.Asn1.Cms.IssuerAndSerialNumber other
                    ? $"the certificate of {other.Issuer} with serial number {other.SerialNumber.Value.ToString(16)}"
                    : "a certificate named by its key identifier");
                continue;
            }
            var algorithm = keyTransport.KeyEncryptionAlgorithm;
            if (!algorithm.Algorithm.Equals(PkcsObjectIdentifiers.IdRsaesOaep)
                || RsaesOaepParameters.GetInstance(algorithm.Parameters) is not { } oaep
                || !oaep.HashAlgorithm.Algorithm.Equals(NistObjectIdentifiers.IdSha256)
                || !oaep.MaskGenAlgorithm.Algorithm.Equals(PkcsObjectIdentifiers.IdMgf1)
                || !Org.BouncyCastle.Asn1.X509.AlgorithmIdentifier.GetInstance(oaep.MaskGenAlgorithm.Parameters).Algorithm.Equals(NistObjectIdentifiers.IdSha256))
            {
                throw new InvalidDataException($"its key is wrapped with {algorithm.Algorithm.Id}, not RSAES-OAEP with SHA-256");
            }
            using var key = recipient.GetRSAPrivateKey() ?? throw new InvalidOperationException("the handover certificate has no RSA private key beside it");
            byte[] contentKey;
            try
            {
                contentKey = key.Decrypt(keyTransport.EncryptedKey.GetOctets(), RSAEncryptionPadding.OaepSHA256);
            }
            catch (CryptographicException)
            {
                throw new InvalidDataException("its content key does not unwrap with this key (the envelope is damaged)");
            }
            return contentKey.Length == 32 ? contentKey : throw new InvalidDataException($"a content key of {contentKey.Length} bytes, not an AES-256 key");
        }
        throw new NotForThisKeyException(named.Count == 0 ? "no recipient" : string.Join("; ", named.Distinct()));
    }
}
