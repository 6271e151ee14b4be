using Evidence.Access;
using Evidence.Cases;
using Evidence.Crypto;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Referrals;

/// <summary>The referral packages the actor may download: a prosecutor sees only those addressed to their office.</summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor)]
public sealed record ListReferralPackages(Guid? IncidentId = null) : IRequest<IReadOnlyList<PackageSummary>>;

/// <summary>A package as listed; <see cref="Encrypted"/> when it is a CMS envelope (.p7m) that only its recipient's key opens.</summary>
public sealed record PackageSummary(
    Guid Id, Guid IncidentId, RecipientKind Recipient, string RecipientName, string Sha256, long Bytes, int Items,
    bool IncludesIdentities, DateTime CreatedAtUtc, string CreatedBy, bool Encrypted);

/// <summary>
/// Opens a package built by the server for download, and records the hand-over: a <c>Transferred</c> custody
/// event naming the package, its SHA-256 and who took it. Another office's package is "not found".
/// </summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor)]
public sealed record OpenReferralPackage(Guid Id) : IRequest<PackageDownload>, IRecordsDenial
{
    public IEnumerable<KeyValuePair<string, string?>> DenialDetails() => [new("package", Id.ToString())];
}

/// <summary>
/// The package file, the SHA-256 and size of exactly the bytes served (for an encrypted package, the envelope's, as its
/// <c>PackageBuilt</c> event recorded them), and the file name to offer. The caller disposes <see cref="Content"/>.
/// </summary>
public sealed record PackageDownload(Guid Id, string Sha256, long Bytes, string FileName, Stream Content)
{
    public bool Encrypted => FileName.EndsWith(".p7m", StringComparison.Ordinal);
}

internal sealed class PackageDownloadHandlers(EvidenceDbContext db, UnitOfWork unitOfWork, CurrentActor actor, EvidenceSettings settings, IKeyEncryptionKey kek)
    : IRequestHandler<ListReferralPackages, IReadOnlyList<PackageSummary>>, IRequestHandler<OpenReferralPackage, PackageDownload>
{
    public async Task<IReadOnlyList<PackageSummary>> Handle(ListReferralPackages request, CancellationToken cancellationToken)
    {
        var packages = Visibility.Packages(db, actor.Value).AsNoTracking();
        if (request.IncidentId is { } incident)
        {
            packages = packages.Where(p => p.IncidentId == incident);
        }
        var found = await packages.OrderByDescending(p => p.CreatedAtUtc).ToListAsync(cancellationToken);
        return found.Select(p => new PackageSummary(p.Id, p.IncidentId, p.Recipient, p.RecipientName, p.Sha256, p.Bytes, p.Items,
            p.IncludesIdentities, p.CreatedAtUtc, p.CreatedBy, SealedPackages.IsEncryptedToRecipient(p))).ToList();
    }

    public async Task<PackageDownload> Handle(OpenReferralPackage request, CancellationToken cancellationToken)
    {
        var package = await Visibility.Packages(db, actor.Value).AsNoTracking().SingleOrDefaultAsync(p => p.Id == request.Id, cancellationToken)
            ?? throw new NotFoundException($"There is no referral package {request.Id}.");
        // Only packages built into the server's package folder can be downloaded; one written elsewhere by the CLI stays where it was put.
        // A name forged in the row (`../keys/...`, an absolute path) never reads a file outside the package folder.
        var path = Path.Combine(settings.PackageFolder, package.FileName);
        if (Backup.BackupFile.PackageFileProblem(package.FileName) is not null || !File.Exists(path))
        {
            throw new NotFoundException($"Referral package {package.Id} was not built into this server's package folder; ask whoever built it for the file.");
        }
        // An encrypted package travels as its envelope, whose hash only its PackageBuilt event holds (the row keeps the zip's).
        var encrypted = SealedPackages.IsEncryptedToRecipient(package);
        var delivered = await SealedPackages.DeliveredAsync(db, package, cancellationToken);
        // Sealed at rest (or, from before sealing, in clear): opened, and checked whole against the event before a byte is served.
        var content = await SealedPackages.OpenCheckedAsync(path, package.Id, delivered, kek, cancellationToken);
        unitOfWork.Record("Transferred", null, package.Sha256,
        [
            new("package", package.Id.ToString()), new("recipient", package.Recipient.ToString().ToLowerInvariant()), new("to", actor.Value.Name),
            .. encrypted ? new KeyValuePair<string, string?>[] { new("encryptedSha256", delivered.Sha256) } : [],
        ]);
        return new PackageDownload(package.Id, delivered.Sha256, delivered.Bytes, encrypted ? $"referral-{package.Id}.zip.p7m" : $"referral-{package.Id}.zip", content);
    }
}
