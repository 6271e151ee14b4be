using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Cms.Ecc;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Evidence.Crypto;

/// <summary>
/// Writes a CMS EnvelopedData (RFC 5652 §6) around content of any size, streamed: what is written to the stream
/// <see cref="Open"/> returns is encrypted as it comes, and <see cref="Finish"/> ends the structure. Openable with
/// <c>openssl cms -decrypt -inform DER -in FILE.p7m -inkey KEY.pem -out FILE</c> and nothing of ours.
/// <list type="bullet">
/// <item>Content: AES-256-CBC under a fresh random key and IV (id-aes256-CBC, RFC 3565). CBC carries no integrity of its
/// own: what is inside (a signed package) carries it.</item>
/// <item>An RSA recipient: the content key under RSAES-OAEP with SHA-256 and MGF1-SHA-256 (RFC 8017, RFC 4055).</item>
/// <item>An EC recipient: ephemeral-static ECDH (dhSinglePass-stdDH-sha256kdf-scheme, RFC 5753), an X9.63 KDF with SHA-256
/// over ECC-CMS-SharedInfo, and the content key under AES-256 key wrap (RFC 3394).</item>
/// </list>
/// The ASN.1 is written in BER with indefinite lengths (the size is not known in advance), as S/MIME does; the content
/// cipher is .NET's, which uses the processor's AES instructions.
/// </summary>
public sealed class CmsEnvelope : Stream
{
    // The size of each encrypted piece in the BER octet string: big enough that framing costs nothing.
    private const int PieceSize = 1 << 16;

    /// <summary>What an auditor reads in the custody event: the algorithms used for this recipient.</summary>
    public static string Algorithms(RecipientCertificate recipient) => recipient.IsRsa
        ? RsaAlgorithms
        : "CMS EnvelopedData, AES-256-CBC, ECDH dhSinglePass-stdDH-sha256kdf, AES-256 key wrap";

    /// <summary>The algorithms for an RSA recipient, the only kind <see cref="CmsEnvelopeOpener"/> opens.</summary>
    public const string RsaAlgorithms = "CMS EnvelopedData, AES-256-CBC, RSAES-OAEP SHA-256";

    private readonly CryptoStream content;
    private readonly Action close;
    private readonly Action release;
    private bool finished;

    private CmsEnvelope(CryptoStream content, Action close, Action release)
    {
        this.content = content;
        this.close = close;
        this.release = release;
    }

    /// <summary>
    /// Starts the EnvelopedData on <paramref name="output"/> and returns the stream that takes the content. After the last
    /// byte, <see cref="Finish"/> ends the structure; an envelope disposed unfinished is incomplete, and openssl refuses it.
    /// </summary>
    public static CmsEnvelope Open(Stream output, RecipientCertificate recipient)
    {
        var contentKey = RandomNumberGenerator.GetBytes(32);
        var iv = RandomNumberGenerator.GetBytes(16);
        var random = new SecureRandom();
        RecipientInfoGenerator recipientInfo = recipient.IsRsa
            ? new KeyTransRecipientInfoGenerator(recipient.Certificate, new Asn1KeyWrapper("RSA/NONE/OAEPWITHSHA256ANDMGF1PADDING", recipient.Certificate))
            : new EcdhRecipientInfo(recipient.Certificate);
        var info = recipientInfo.Generate(new KeyParameter(contentKey), random);

        var contentInfo = new BerSequenceGenerator(output);
        contentInfo.AddObject(CmsObjectIdentifiers.EnvelopedData);
        var envelopedData = new BerSequenceGenerator(contentInfo.GetRawOutputStream(), 0, true);
        // Version 2 when the recipient is reached by key agreement (RFC 5652 §6.1), 0 for key transport by issuer and serial.
        envelopedData.AddObject(DerInteger.ValueOf(recipient.IsRsa ? 0 : 2));
        envelopedData.AddObject(new DerSet(info));
        var encryptedContentInfo = new BerSequenceGenerator(envelopedData.GetRawOutputStream());
        encryptedContentInfo.AddObject(CmsObjectIdentifiers.Data);
        encryptedContentInfo.AddObject(new AlgorithmIdentifier(NistObjectIdentifiers.IdAes256Cbc, new DerOctetString(iv)));
        var encryptedContent = new BerOctetStringGenerator(encryptedContentInfo.GetRawOutputStream(), 0, false);
        var pieces = encryptedContent.GetOctetOutputStream(PieceSize);

        var aes = Aes.Create();
        aes.Key = contentKey;
        CryptographicOperations.ZeroMemory(contentKey);
        var encryptor = aes.CreateEncryptor(aes.Key, iv);
        var content = new CryptoStream(pieces, encryptor, CryptoStreamMode.Write, leaveOpen: true);
        return new CmsEnvelope(content, () =>
        {
            pieces.Dispose();
            encryptedContent.Dispose();
            encryptedContentInfo.Dispose();
            envelopedData.Dispose();
            contentInfo.Dispose();
        }, () =>
        {
            encryptor.Dispose();
            aes.Dispose();
        });
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => content.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> buffer) => content.Write(buffer);
    public override void Flush() => content.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Pads and encrypts the last block, then closes each BER level in turn: the envelope is whole.</summary>
    public void Finish()
    {
        content.FlushFinalBlock();
        close();
        finished = true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Unfinished, nothing more is written (disposing the CryptoStream would write its last block): the caller is
            // failing already, and its file is being removed.
            if (finished)
            {
                content.Dispose();
            }
            release();
        }
        base.Dispose(disposing);
    }

    /// <summary>
    /// The KeyAgreeRecipientInfo of RFC 5753 for one EC recipient, with a fresh ephemeral key. BouncyCastle's own generator
    /// derives the wrapping key from a SharedInfo whose key-wrap AlgorithmIdentifier carries a NULL parameter that the
    /// message itself does not (RFC 5753 §7.2 says absent), so OpenSSL derives another key and cannot open it; this one
    /// derives it from the AlgorithmIdentifier exactly as written in the message.
    /// </summary>
    private sealed class EcdhRecipientInfo(X509Certificate recipient) : RecipientInfoGenerator
    {
        public RecipientInfo Generate(KeyParameter contentEncryptionKey, SecureRandom random)
        {
            var recipientKey = (ECPublicKeyParameters)recipient.GetPublicKey();
            var generator = new ECKeyPairGenerator();
            generator.Init(new ECKeyGenerationParameters(recipientKey.Parameters, random));
            var ephemeral = generator.GenerateKeyPair();

            var agreement = new ECDHBasicAgreement();
            agreement.Init(ephemeral.Private);
            var sharedSecret = X9IntegerConverter.IntegerToBytes(agreement.CalculateAgreement(recipientKey), agreement.GetFieldSize());
            var wrap = new AlgorithmIdentifier(NistObjectIdentifiers.IdAes256Wrap);
            // suppPubInfo: the wrapping key's length in bits, as a 32-bit big-endian number.
            var sharedInfo = new ECC_CMS_SharedInfo(wrap, null, new DerOctetString([0, 0, 1, 0])).GetEncoded(Asn1Encodable.Der);
            var kdf = new Kdf2BytesGenerator(new Sha256Digest()); // KDF2 counts from 1: the X9.63 KDF of SEC 1 §3.6.1
            kdf.Init(new KdfParameters(sharedSecret, sharedInfo));
            var wrappingKey = new byte[32];
            kdf.GenerateBytes(wrappingKey, 0, wrappingKey.Length);
            var wrapper = new AesWrapEngine();
            wrapper.Init(true, new KeyParameter(wrappingKey));
            var key = contentEncryptionKey.GetKey();
            var wrapped = wrapper.Wrap(key, 0, key.Length);
            CryptographicOperations.ZeroMemory(sharedSecret);
            CryptographicOperations.ZeroMemory(wrappingKey);

            var ephemeralKey = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(ephemeral.Public);
            var recipientId = new KeyAgreeRecipientIdentifier(new IssuerAndSerialNumber(recipient.IssuerDN, recipient.SerialNumber));
            return new RecipientInfo(new KeyAgreeRecipientInfo(
                new OriginatorIdentifierOrKey(new OriginatorPublicKey(ephemeralKey.Algorithm, ephemeralKey.PublicKey)),
                null,
                new AlgorithmIdentifier(SecObjectIdentifiers.dhSinglePass_stdDH_sha256kdf_scheme, wrap),
                new DerSequence(new RecipientEncryptedKey(recipientId, new DerOctetString(wrapped)))));
        }
    }
}
