using Evidence.Access;
using Evidence.Cases;
using Evidence.Data;
using Evidence.Requests;
using Evidence.Storage;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Viewing;

/// <summary>
/// Opens an evidence item's bytes for someone to look at, and records that they did: a <c>Viewed</c> custody
/// event, committed before the first byte is sent. Auditors and admins may not see content; their attempt is
/// itself a custody event (<c>AccessDenied</c>).
/// </summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor)]
public sealed record OpenEvidenceContent(Guid Id) : IRequest<EvidenceContent>, IRecordsDenial
{
    public IEnumerable<KeyValuePair<string, string?>> DenialDetails() => [new("view", "content")];

    public Guid? DeniedEvidenceId => Id;
}

/// <summary>
/// The bytes of one item, as stored under its custody hash, checked against it as they are read (<see cref="CheckedContent"/>):
/// other bytes end in a <see cref="Crypto.DamagedBlobException"/> before their last block. The caller disposes <see cref="Content"/>.
/// </summary>
public sealed record EvidenceContent(Guid Id, string Sha256, long Size, string MediaType, string OriginalName, Stream Content);

internal sealed class OpenEvidenceContentHandler(EvidenceDbContext db, EncryptedBlobStore blobs, UnitOfWork unitOfWork, CurrentActor actor)
    : IRequestHandler<OpenEvidenceContent, EvidenceContent>
{
    public async Task<EvidenceContent> Handle(OpenEvidenceContent request, CancellationToken cancellationToken)
    {
        var item = await Visibility.Evidence(db, actor.Value).AsNoTracking().SingleOrDefaultAsync(e => e.Id == request.Id, cancellationToken)
            ?? throw new NotFoundException($"There is no evidence item {request.Id}.");
        var content = await blobs.OpenCheckedAsync(item.Sha256, item.Size, ranges: false, cancellationToken);
        unitOfWork.Record("Viewed", item.Id, item.Sha256, [new("view", "content")]);
        return new EvidenceContent(item.Id, item.Sha256, item.Size, item.MediaType, item.OriginalName, content);
    }
}
