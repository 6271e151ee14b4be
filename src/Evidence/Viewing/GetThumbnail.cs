using Evidence.Access;
using Evidence.Cases;
using Evidence.Data;
using Evidence.Requests;
using Evidence.Storage;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Viewing;

/// <summary>
/// A small JPEG of an evidence image, for lists and the evidence page. A thumbnail is content (a child's face is as
/// recognisable at 320 pixels), so it is read under the rules of <see cref="OpenEvidenceContent"/>: investigators and
/// prosecutors only, an auditor's attempt recorded as <c>AccessDenied</c>, an item the reader may not see answered as
/// not found; and every thumbnail served, from the cache or not, is a <c>Viewed</c> event with <c>view: thumbnail</c>.
/// Items that are not images, and images that cannot or must not be decoded, have none (<see cref="NotFoundException"/>
/// saying why); then nothing was shown and nothing is recorded.
/// </summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor)]
public sealed record GetThumbnail(Guid Id) : IRequest<Thumbnail>, IRecordsDenial
{
    public IEnumerable<KeyValuePair<string, string?>> DenialDetails() => [new("view", "thumbnail")];

    public Guid? DeniedEvidenceId => Id;
}

/// <summary>A thumbnail: JPEG bytes, at most <see cref="Thumbnails.Box"/> pixels on a side, without any metadata.</summary>
public sealed record Thumbnail(Guid Id, string Sha256, byte[] Jpeg)
{
    public const string MediaType = "image/jpeg";
}

internal sealed class GetThumbnailHandler(EvidenceDbContext db, EncryptedBlobStore blobs, Thumbnails thumbnails, UnitOfWork unitOfWork, CurrentActor actor)
    : IRequestHandler<GetThumbnail, Thumbnail>
{
    public async Task<Thumbnail> Handle(GetThumbnail request, CancellationToken cancellationToken)
    {
        var item = await Visibility.Evidence(db, actor.Value).AsNoTracking().SingleOrDefaultAsync(e => e.Id == request.Id, cancellationToken)
            ?? throw new NotFoundException($"There is no evidence item {request.Id}.");
        if (!Previews.HasThumbnail(item.MediaType))
        {
            throw new NotFoundException($"A {item.MediaType} file has no thumbnail.");
        }
        var jpeg = await thumbnails.OfAsync(item.Sha256, item.Size, ct => blobs.OpenCheckedAsync(item.Sha256, item.Size, ranges: false, ct), cancellationToken);
        unitOfWork.Record("Viewed", item.Id, item.Sha256, [new("view", "thumbnail")]);
        return new Thumbnail(item.Id, item.Sha256, jpeg);
    }
}
