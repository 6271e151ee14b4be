using System.Security.Cryptography.X509Certificates;
using Evidence.Access;
using Evidence.Requests;
using MediatR;

namespace Evidence.Handover;

/// <summary>
/// On the office's home: the certificate field laptops encrypt their handover bundles to (<see cref="HandoverKey"/>), created
/// with its RSA-3072 key on first use, and written to <see cref="OutputPath"/> when one is given, for the field laptops to
/// take with them. Its SHA-256 fingerprint is what the office reads out to the field, so that a certificate swapped on the
/// way is noticed before anything is encrypted to it. Admins only: it makes a key.
/// </summary>
[AllowedRoles(Role.Admin)]
public sealed record ShowHandoverCertificate(string? OutputPath = null) : IRequest<HandoverCertificateRecord>, IValidatedRequest
{
    public IEnumerable<string> Validate()
    {
        if (OutputPath is null)
        {
            yield break;
        }
        if (string.IsNullOrWhiteSpace(OutputPath))
        {
            yield return "the output file is required.";
        }
        else if (File.Exists(OutputPath) || Directory.Exists(OutputPath))
        {
            yield return $"{OutputPath} already exists; choose a new file name.";
        }
        else if (!Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(OutputPath))))
        {
            yield return $"the folder for {OutputPath} does not exist.";
        }
    }
}

/// <summary>What `handover certificate` prints: where the certificate was written (or where the home keeps it), its fingerprint, key, expiry and PEM.</summary>
public sealed record HandoverCertificateRecord(string Path, string Fingerprint, string Key, string NotAfter, string Pem);

internal sealed class ShowHandoverCertificateHandler(EvidenceSettings settings, TimeProvider clock) : IRequestHandler<ShowHandoverCertificate, HandoverCertificateRecord>
{
    public Task<HandoverCertificateRecord> Handle(ShowHandoverCertificate request, CancellationToken cancellationToken)
    {
        var key = HandoverKey.LoadOrCreate(settings, clock.GetUtcNow());
        var path = key.CertificatePath;
        if (request.OutputPath is { } output)
        {
            path = System.IO.Path.GetFullPath(output);
            try
            {
                // The certificate is public: it is written readable, but never over another file.
                using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                file.Write(System.Text.Encoding.ASCII.GetBytes(key.Pem));
            }
            catch (IOException e)
            {
                throw new UnavailableException($"Could not write the certificate {path} ({e.Message}).", e);
            }
        }
        using var rsa = key.Certificate.GetRSAPublicKey();
        return Task.FromResult(new HandoverCertificateRecord(path, key.Fingerprint, $"RSA {rsa?.KeySize}", key.Certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd",
            System.Globalization.CultureInfo.InvariantCulture), key.Pem));
    }
}
