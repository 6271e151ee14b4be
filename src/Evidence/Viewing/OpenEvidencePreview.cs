using System.Text.Json;
using Evidence.Access;
using Evidence.Cases;
using Evidence.Data;
using Evidence.Requests;
using Evidence.Storage;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Viewing;

/// <summary>
/// Opens an item's bytes to be shown in the page (an image, a video or sound played, a PDF in the browser's viewer, a
/// text), under the same rules as <see cref="OpenEvidenceContent"/>: investigators and prosecutors only, an auditor's
/// attempt recorded as <c>AccessDenied</c>, an item the reader may not see (a strictly confidential one outside its case)
/// answered as one that does not exist. The custody event is <c>Viewed</c> with <c>view: preview</c>.
/// <para>
/// One event per preview, not one per HTTP request. A video player asks for a file in many byte ranges (and again on
/// every seek); an event for each would bury the ledger in noise that says nothing more. The rule instead: bytes are
/// served only under a <c>Viewed</c> preview event of the same person for the same item at most
/// <see cref="Covers"/> old, read from the ledger itself; when there is none, this request records one, committed
/// before the first byte is sent. So no byte is ever served without an event naming its reader and item from at most
/// that long before; a reader who keeps watching longer simply gets a new event. Nothing the client sends (a Range
/// header, a cookie, a token) decides whether an event is recorded, so an insider cannot shape requests to read
/// unrecorded, and the rule holds across several app servers because the ledger is shared.
/// </para>
/// </summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor)]
public sealed record OpenEvidencePreview(Guid Id) : IRequest<EvidencePreview>, IRecordsDenial
{
    /// <summary>How long one <c>Viewed</c> preview event covers its reader's further requests for the same item.</summary>
    public static readonly TimeSpan Covers = TimeSpan.FromMinutes(5);

    public IEnumerable<KeyValuePair<string, string?>> DenialDetails() => [new("view", "preview")];

    public Guid? DeniedEvidenceId => Id;
}

/// <summary>
/// The bytes to show, served as <see cref="ServedAs"/> (never HTML or SVG as themselves). <see cref="Recorded"/> says
/// whether this request recorded the <c>Viewed</c> event or was covered by one recorded moments before. The caller
/// disposes <see cref="Content"/>: it seeks, for byte ranges, only when every part read is authenticated as the item's
/// (<see cref="EncryptedBlobStore.OpenCheckedAsync"/>); read whole, wrap it in <see cref="CheckedContent"/>. One that does
/// not seek is checked whole as it is read already.
/// </summary>
public sealed record EvidencePreview(Guid Id, string Sha256, long Size, string MediaType, PreviewKind Kind, string ServedAs, bool Recorded, Stream Content);

internal sealed class OpenEvidencePreviewHandler(EvidenceDbContext db, EncryptedBlobStore blobs, UnitOfWork unitOfWork, CurrentActor actor, TimeProvider clock)
    : IRequestHandler<OpenEvidencePreview, EvidencePreview>
{
    // The details exactly as the ledger stores them (one key, serialized as Ledger does), so the lookup is an equality.
    private static readonly string PreviewDetails = JsonSerializer.Serialize(new SortedDictionary<string, string>(StringComparer.Ordinal) { ["view"] = "preview" });

    public async Task<EvidencePreview> Handle(OpenEvidencePreview request, CancellationToken cancellationToken)
    {
        var item = await Visibility.Evidence(db, actor.Value).AsNoTracking().SingleOrDefaultAsync(e => e.Id == request.Id, cancellationToken)
            ?? throw new NotFoundException($"There is no evidence item {request.Id}.");
        var (kind, servedAs) = Previews.Of(item.MediaType);
        if (servedAs is null)
        {
            throw new NotFoundException($"A {item.MediaType} file is not shown in the page; open the file instead (also recorded).");
        }
        var since = clock.GetUtcNow().UtcDateTime - OpenEvidencePreview.Covers;
        var name = actor.Value.Name;
        var covered = await db.CustodyEvents.AsNoTracking().AnyAsync(e => e.EvidenceId == item.Id && e.Action == "Viewed" && e.Actor == name
            && e.Details == PreviewDetails && e.OccurredAtUtc >= since, cancellationToken);
        var content = await blobs.OpenCheckedAsync(item.Sha256, item.Size, ranges: true, cancellationToken);
        if (!covered)
        {
            unitOfWork.Record("Viewed", item.Id, item.Sha256, [new("view", "preview")]);
        }
        return new EvidencePreview(item.Id, item.Sha256, item.Size, item.MediaType, kind, servedAs, !covered, content);
    }
}
