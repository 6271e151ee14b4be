using System.Text;
using Evidence.Access;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using MediatR;

namespace Evidence.Referrals;

/// <summary>
/// An office's encryption certificate, registered so that packages requested for it over the web are encrypted to it
/// without anyone handing over a file (docs/packages.md, "Encrypted to the recipient"). The certificate is checked as
/// <c>package --encrypt-to</c> checks one (<see cref="RecipientCertificate"/>), kept under its fingerprint in the key
/// folder, and put in force by a <c>RecipientCertificateRegistered</c> event naming the office and that fingerprint.
/// Registering another one later replaces it for the packages built from then on.
/// </summary>
[AllowedRoles(Role.Admin)]
public sealed record RegisterRecipientCertificate(RecipientKind Office, string CertificatePath) : IRequest<RegisteredCertificate>, IValidatedRequest, IRecordsDenial
{
    public IEnumerable<string> Validate()
    {
        if (!Enum.IsDefined(Office))
        {
            yield return "the office must be icc or national.";
        }
        if (string.IsNullOrWhiteSpace(CertificatePath))
        {
            yield return "the certificate file is required.";
        }
    }

    public IEnumerable<KeyValuePair<string, string?>> DenialDetails() => [new("office", Projections.Office(Office))];
}

/// <summary>An office's certificate in force: its SHA-256 fingerprint, key and last day of validity.</summary>
public sealed record RegisteredCertificate(RecipientKind Office, string Recipient, string Fingerprint, string Key, DateTime NotAfterUtc);

internal sealed class RegisterRecipientCertificateHandler(UnitOfWork unitOfWork, EvidenceSettings settings, TimeProvider clock)
    : IRequestHandler<RegisterRecipientCertificate, RegisteredCertificate>
{
    public Task<RegisteredCertificate> Handle(RegisterRecipientCertificate request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var certificate = RecipientCertificate.Read(request.CertificatePath, now);
        var path = RecipientCertificates.FileOf(settings, request.Office, certificate.Fingerprint);
        // Written before the commit, whole (KeyFiles): a file left by a request that then failed is named by no event,
        // and so is never used. The same certificate registered again is the same file.
        KeyFiles.UnderCreationLock(settings.KeyFolder, () => KeyFiles.Write(path, Encoding.ASCII.GetBytes(certificate.Pem)));
        unitOfWork.Record(RecipientCertificates.RegisteredAction, null, null,
        [
            new("office", Projections.Office(request.Office)),
            new("certificate", certificate.Fingerprint),
            new("key", certificate.Key),
            new("notAfter", Fact.Time(certificate.NotAfterUtc)),
        ]);
        return Task.FromResult(new RegisteredCertificate(request.Office, RecipientNames.Of(request.Office, settings), certificate.Fingerprint, certificate.Key,
            certificate.NotAfterUtc));
    }
}
