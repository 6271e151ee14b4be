using System.Net.Http.Headers;
using System.Security.Cryptography;
using Evidence.Requests;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Security.Certificates;
using Org.BouncyCastle.Tsp;
using Org.BouncyCastle.X509;

namespace Evidence.Crypto;

/// <summary>
/// An RFC 3161 time-stamping authority reached over HTTP: it signs the SHA-256 of some bytes together
/// with the time it saw them, so that anyone can later prove those bytes existed by then.
/// </summary>
public sealed class TimestampAuthority(HttpClient http, Uri url, TimestampTrust trust)
{
    // A token is a few kilobytes; a larger answer is not one.
    private const int MaxResponseBytes = 1 << 20;

    public Uri Url => url;

    /// <summary>Asks the authority for a token over <paramref name="data"/> and checks it before returning its DER bytes.</summary>
    public async Task<byte[]> StampAsync(byte[] data, CancellationToken cancellationToken)
    {
        var generator = new TimeStampRequestGenerator();
        generator.SetCertReq(true); // the token carries the TSA certificate, so it can be checked offline
        var nonce = new BigInteger(1, RandomNumberGenerator.GetBytes(16));
        var request = generator.Generate(TspAlgorithms.Sha256, SHA256.HashData(data), nonce);

        byte[] answer;
        try
        {
            using var content = new ByteArrayContent(request.GetEncoded());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/timestamp-query");
            using var response = await http.PostAsync(url, content, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new UnavailableException($"The time-stamping authority {url} answered HTTP {(int)response.StatusCode}.");
            }
            if (response.Content.Headers.ContentLength > MaxResponseBytes)
            {
                throw new UnavailableException($"The time-stamping authority {url} sent {response.Content.Headers.ContentLength} bytes, too many for a token.");
            }
            answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new UnavailableException($"The time-stamping authority {url} could not be reached: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UnavailableException($"The time-stamping authority {url} did not answer in time.", e);
        }

        TimeStampToken token;
        try
        {
            var response = new TimeStampResponse(answer);
            // Checks the status, and that the token answers this request: same imprint, same nonce.
            response.Validate(request);
            token = response.TimeStampToken;
        }
        catch (Exception e) when (e is TspException or IOException or ArgumentException or InvalidCastException)
        {
            throw new UnavailableException($"The time-stamping authority {url} sent an answer that is not a token for this request: {e.Message}", e);
        }
        var encoded = token.GetEncoded();
        var check = TimestampToken.Check(encoded, data, trust.Certificate);
        if (!check.Valid)
        {
            throw new UnavailableException($"The time-stamping authority {url} sent a token that does not check: {check.Problem}");
        }
        return encoded;
    }
}

/// <summary>The pinned time-stamping authority (EVIDENCE_TSA_CERT), read once per process; no certificate when none is pinned.</summary>
public sealed record TimestampTrust(X509Certificate? Certificate)
{
    public static TimestampTrust From(EvidenceSettings settings) =>
        new(settings.TimestampAuthorityCertificate is { } path ? Certificates.Load(path) : null);
}

/// <summary>What a timestamp token says and whether it holds: signed by its TSA (and by a trusted one when pinned), over the given bytes.</summary>
public sealed record TimestampCheck(bool Valid, string Problem, DateTime? GenTimeUtc, string? Authority);

public static class TimestampToken
{
    /// <summary>
    /// Checks an RFC 3161 token (DER ContentInfo) over <paramref name="data"/>: SHA-256 imprint of exactly these
    /// bytes, a signature that verifies with the certificate the token carries, a certificate meant for
    /// time-stamping, and, when <paramref name="trusted"/> is given, a certificate that is it or was issued by it.
    /// </summary>
    public static TimestampCheck Check(byte[] encoded, ReadOnlySpan<byte> data, X509Certificate? trusted)
    {
        TimeStampToken token;
        try
        {
            token = new TimeStampToken(new CmsSignedData(encoded));
        }
        catch (Exception e) when (e is CmsException or TspException or IOException or ArgumentException or InvalidCastException)
        {
            return Bad($"not an RFC 3161 timestamp token ({e.Message})");
        }
        var info = token.TimeStampInfo;
        if (info.MessageImprintAlgOid != TspAlgorithms.Sha256)
        {
            return Bad($"an imprint made with algorithm {info.MessageImprintAlgOid}, not SHA-256", info.GenTime);
        }
        var imprint = info.GetMessageImprintDigest();
        var digest = SHA256.HashData(data);
        if (!imprint.AsSpan().SequenceEqual(digest))
        {
            return Bad($"a token for other bytes (imprint {Convert.ToHexStringLower(imprint)}, these bytes hash to {Convert.ToHexStringLower(digest)})", info.GenTime);
        }
        var certificate = token.GetCertificates().EnumerateMatches(token.SignerID).FirstOrDefault();
        if (certificate is null)
        {
            return Bad("a token without its TSA certificate", info.GenTime);
        }
        try
        {
            // Verifies the CMS signature, the certificate's validity at the stamped time and its time-stamping purpose.
            token.Validate(certificate);
        }
        catch (Exception e) when (e is TspException or TspValidationException or CmsException or ArgumentException)
        {
            return Bad($"a signature that does not verify ({e.Message})", info.GenTime);
        }
        var authority = certificate.SubjectDN.ToString();
        if (trusted is not null && !Certificates.IsOrIssuedBy(certificate, trusted))
        {
            return Bad($"a token signed by {authority}, which the trusted TSA certificate {trusted.SubjectDN} did not issue", info.GenTime);
        }
        return new TimestampCheck(true, "", info.GenTime, authority);
    }

    private static TimestampCheck Bad(string problem, DateTime? genTime = null) => new(false, problem, genTime, null);
}
