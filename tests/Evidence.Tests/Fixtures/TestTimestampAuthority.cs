using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tsp;
using Org.BouncyCastle.Utilities.Collections;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Evidence.Tests.Fixtures;

/// <summary>How the test authority answers.</summary>
public enum TsaBehaviour
{
    Honest,
    /// <summary>A well-signed token for another hash: the client must refuse it.</summary>
    WrongImprint,
    /// <summary>HTTP 503, as a TSA under maintenance.</summary>
    Down,
    /// <summary>Bytes that are not a time-stamp response.</summary>
    Garbage,
}

/// <summary>
/// A real RFC 3161 time-stamping authority on loopback: BouncyCastle's response generator behind an
/// HttpListener, signing with an ECDSA P-256 certificate (critical EKU timeStamping) issued by a test CA.
/// </summary>
public sealed class TestTimestampAuthority : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly TimeStampTokenGenerator tokens;
    private readonly Task loop;
    private long serial;

    public TestTimestampAuthority(string folder)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Evidence Test Root CA, O=Evidence tests", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        using var tsaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var tsaRequest = new CertificateRequest("CN=Evidence Test TSA, O=Evidence tests", tsaKey, HashAlgorithmName.SHA256);
        tsaRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        tsaRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        tsaRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.8")], true)); // timeStamping
        using var tsa = tsaRequest.Create(ca, now.AddDays(-1), now.AddMonths(6), RandomNumberGenerator.GetBytes(8));

        CaCertificatePath = Path.Combine(folder, "tsa-ca.pem");
        File.WriteAllText(CaCertificatePath, ca.ExportCertificatePem());
        Certificate = new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(tsa.RawData);
        CaCertificate = new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(ca.RawData);

        tokens = new TimeStampTokenGenerator(PrivateKeyFactory.CreateKey(tsaKey.ExportPkcs8PrivateKey()), Certificate, TspAlgorithms.Sha256, "1.3.6.1.4.1.55555.1.1");
        tokens.SetCertificates(CollectionUtilities.CreateStore(new[] { Certificate }));

        var port = FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/tsa/");
        listener.Prefixes.Add(Url.ToString());
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public Uri Url { get; }
    public string CaCertificatePath { get; }
    public BcCertificate Certificate { get; }
    public BcCertificate CaCertificate { get; }
    public TsaBehaviour Behaviour { get; set; } = TsaBehaviour.Honest;
    public int Requests => (int)Interlocked.Read(ref serial);

    /// <summary>A token over <paramref name="data"/> made directly, as if another party had stamped other bytes.</summary>
    public byte[] TokenFor(byte[] data)
    {
        var request = new TimeStampRequestGenerator().Generate(TspAlgorithms.Sha256, SHA256.HashData(data));
        return tokens.Generate(request, BigInteger.ValueOf(Interlocked.Increment(ref serial)), DateTime.UtcNow).GetEncoded();
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                Answer(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                // The client went away; the next request is unaffected.
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private void Answer(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        context.Request.InputStream.CopyTo(body);
        var number = BigInteger.ValueOf(Interlocked.Increment(ref serial));
        byte[] answer;
        switch (Behaviour)
        {
            case TsaBehaviour.Down:
                context.Response.StatusCode = 503;
                return;
            case TsaBehaviour.Garbage:
                answer = "<html>not a timestamp</html>"u8.ToArray();
                break;
            case TsaBehaviour.WrongImprint:
                var asked = new TimeStampRequest(body.ToArray());
                var other = new TimeStampRequestGenerator().Generate(TspAlgorithms.Sha256, SHA256.HashData("other bytes"u8), asked.Nonce);
                answer = new TimeStampResponseGenerator(tokens, TspAlgorithms.Allowed).Generate(other, number, DateTime.UtcNow).GetEncoded();
                break;
            default:
                var request = new TimeStampRequest(body.ToArray());
                answer = new TimeStampResponseGenerator(tokens, TspAlgorithms.Allowed).Generate(request, number, DateTime.UtcNow).GetEncoded();
                break;
        }
        context.Response.ContentType = "application/timestamp-reply";
        context.Response.ContentLength64 = answer.Length;
        context.Response.OutputStream.Write(answer);
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        loop.Wait(TimeSpan.FromSeconds(5));
    }
}
