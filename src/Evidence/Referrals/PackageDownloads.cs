using Evidence.Access;
using Evidence.Cases;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Referrals;

/// <summary>The referral packages the actor may download: a prosecutor sees only those addressed to their office.</summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor)]
public sealed record ListReferralPackages(Guid? IncidentId = null) : IRequest<IReadOnlyList<PackageSummary>>;

public sealed record PackageSummary(
    Guid Id, Guid IncidentId, RecipientKind Recipient, string RecipientName, string Sha256, long Bytes, int Items,
    bool IncludesIdentities, DateTime CreatedAtUtc, string CreatedBy);

/// <summary>
/// Opens a package built by the server for download, and records the hand-over: a <c>Transferred</c> custody
/// event naming the package, its SHA-256 and who took it. Another office's package is "not found".
/// </summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor)]
public sealed record OpenReferralPackage(Guid Id) : IRequest<PackageDownload>, IRecordsDenial
{
    public IEnumerable<KeyValuePair<string, string?>> DenialDetails() => [new("package", Id.ToString())];
}

/// <summary>The package file, its recorded SHA-256, and the file name to offer. The caller disposes <see cref="Content"/>.</summary>
public sealed record PackageDownload(Guid Id, string Sha256, long Bytes, string FileName, Stream Content);

internal sealed class PackageDownloadHandlers(EvidenceDbContext db, UnitOfWork unitOfWork, CurrentActor actor, EvidenceSettings settings)
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
            p.IncludesIdentities, p.CreatedAtUtc, p.CreatedBy)).ToList();
    }

    public async Task<PackageDownload> Handle(OpenReferralPackage request, CancellationToken cancellationToken)
    {
        var package = await Visibility.Packages(db, actor.Value).AsNoTracking().SingleOrDefaultAsync(p => p.Id == request.Id, cancellationToken)
            ?? throw new NotFoundException($"There is no referral package {request.Id}.");
        // Only packages built into the server's package folder can be downloaded; one written elsewhere by the CLI stays where it was put.
        var path = Path.Combine(settings.PackageFolder, package.FileName);
        if (!File.Exists(path))
        {
            throw new NotFoundException($"Referral package {package.Id} was not built into this server's package folder; ask whoever built it for the file.");
        }
        var content = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        unitOfWork.Record("Transferred", null, package.Sha256,
            [new("package", package.Id.ToString()), new("recipient", package.Recipient.ToString().ToLowerInvariant()), new("to", actor.Value.Name)]);
        return new PackageDownload(package.Id, package.Sha256, package.Bytes, $"referral-{package.Id}.zip", content);
    }
}
