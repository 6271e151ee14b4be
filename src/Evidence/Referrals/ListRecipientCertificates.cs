using System.Globalization;
using System.Text.Json;
using Evidence.Access;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Referrals;

/// <summary>
/// Each office with the certificate its latest registration put in force, or none: what `recipient list` prints and what the
/// package form says packages will be encrypted to. Fingerprints are public; building a package checks the file again.
/// </summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor, Role.Admin)]
public sealed record ListRecipientCertificates : IRequest<IReadOnlyList<OfficeCertificate>>;

/// <summary>An office and its registered certificate (null fields when none is registered).</summary>
public sealed record OfficeCertificate(RecipientKind Office, string Recipient, string? Fingerprint, string? Key, DateTime? NotAfterUtc);

internal sealed class ListRecipientCertificatesHandler(EvidenceDbContext db, EvidenceSettings settings)
    : IRequestHandler<ListRecipientCertificates, IReadOnlyList<OfficeCertificate>>
{
    public async Task<IReadOnlyList<OfficeCertificate>> Handle(ListRecipientCertificates request, CancellationToken cancellationToken)
    {
        var leaves = await db.CustodyEvents.AsNoTracking().Where(e => e.Action == RecipientCertificates.RegisteredAction)
            .OrderBy(e => e.Sequence).Select(e => e.Leaf).ToListAsync(cancellationToken);
        var latest = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var leaf in leaves)
        {
            if (CustodyLeaf.Parse(leaf) is { } e && JsonSerializer.Deserialize<Dictionary<string, string>>(e.Details) is { } details
                && details.GetValueOrDefault("office") is { } office)
            {
                latest[office] = details;
            }
        }
        return Enum.GetValues<RecipientKind>().Select(office =>
        {
            var details = latest.GetValueOrDefault(Projections.Office(office));
            DateTime? notAfter = DateTime.TryParseExact(details?.GetValueOrDefault("notAfter"), CustodyLeaf.TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
            return new OfficeCertificate(office, RecipientNames.Of(office, settings), details?.GetValueOrDefault("certificate"), details?.GetValueOrDefault("key"), notAfter);
        }).ToList();
    }
}
