using Evidence.Access;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Requests;
using Evidence.Text;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Metadata;

/// <summary>
/// Corrects or completes what was stated about an item: a new version of its statement, with the reason, recorded as a
/// <c>MetadataAmended</c> event naming the fields that changed. The previous versions stay, so a court sees what was
/// said before and why it changed. The bytes and their hash are never touched.
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record AmendMetadata(Guid EvidenceId, StatedMetadata Changes, string Reason) : IRequest<ItemMetadataView>, IValidatedRequest, IRecordsDenial
{
    public IEnumerable<string> Validate()
    {
        if (Fields.Required("the reason", Reason, 2000, multiline: true) is { } reason)
        {
            yield return reason;
        }
        if (Changes.IsEmpty)
        {
            yield return "nothing to amend: give at least one field.";
        }
        foreach (var problem in Changes.Problems(DateTimeOffset.MaxValue))
        {
            yield return problem;
        }
    }

    public IEnumerable<KeyValuePair<string, string?>> DenialDetails() => [];

    public Guid? DeniedEvidenceId => EvidenceId;
}

internal sealed class AmendMetadataHandler(EvidenceDbContext db, UnitOfWork unitOfWork, CurrentActor actor, TimeProvider clock)
    : IRequestHandler<AmendMetadata, ItemMetadataView>
{
    public async Task<ItemMetadataView> Handle(AmendMetadata request, CancellationToken cancellationToken)
    {
        var item = await Visibility.Evidence(db, actor.Value).AsNoTracking().SingleOrDefaultAsync(e => e.Id == request.EvidenceId, cancellationToken)
            ?? throw new NotFoundException($"There is no evidence item {request.EvidenceId}.");
        var now = clock.GetUtcNow();
        if (request.Changes.Problems(now).ToList() is { Count: > 0 } problems)
        {
            throw new InvalidRequestException("The metadata was not amended.", problems);
        }
        if (request.Changes.DerivedFrom is { } original && !await Visibility.Evidence(db, actor.Value).AnyAsync(e => e.Id == original, cancellationToken))
        {
            throw new NotFoundException($"There is no evidence item {original} to derive from.");
        }
        var current = await db.ItemMetadata.AsNoTracking().Where(m => m.EvidenceId == item.Id).OrderByDescending(m => m.Version).FirstOrDefaultAsync(cancellationToken);
        var next = request.Changes.Apply(current, item.Id, request.Reason, now.UtcDateTime, actor.Value.Name, now, out var changed);
        if (current is not null && changed.Count == 0)
        {
            throw new InvalidRequestException("Nothing changes: every field given already has that value.");
        }
        db.ItemMetadata.Add(next);
        unitOfWork.Record("MetadataAmended", item.Id, item.Sha256,
            [.. Projections.Metadata.Details("MetadataAmended", next), new("fields", current is null ? "all" : string.Join(' ', changed))]);
        return ItemMetadataView.Of(next, withText: true);
    }
}
