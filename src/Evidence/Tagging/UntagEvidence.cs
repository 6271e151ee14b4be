using Evidence.Access;
using Evidence.Cases;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Requests;
using Evidence.Text;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tagging;

/// <summary>Withdraws a tag. Nothing is deleted: the tag is marked removed, by whom, when and why.</summary>
[AllowedRoles(Role.Investigator)]
public sealed record UntagEvidence(Guid TagId, string Reason) : IRequest<Unit>, IValidatedRequest
{
    public IEnumerable<string> Validate()
    {
        if (Fields.Required("the reason", Reason, 1000, multiline: true) is { } problem)
        {
            yield return problem;
        }
    }
}

internal sealed class UntagEvidenceHandler(EvidenceDbContext db, UnitOfWork unitOfWork, CurrentActor actor, TimeProvider clock)
    : IRequestHandler<UntagEvidence, Unit>
{
    public async Task<Unit> Handle(UntagEvidence request, CancellationToken cancellationToken)
    {
        var visible = Visibility.Evidence(db, actor.Value).Select(e => e.Id);
        var tag = await db.EvidenceTags.SingleOrDefaultAsync(t => t.Id == request.TagId && visible.Contains(t.EvidenceId), cancellationToken)
            ?? throw new NotFoundException($"There is no tag {request.TagId}.");
        if (tag.RemovedAtUtc is not null)
        {
            throw new InvalidRequestException($"Tag {tag.Id} was already removed on {tag.RemovedAtUtc:yyyy-MM-dd} by {tag.RemovedBy}.");
        }
        tag.RemovedAtUtc = clock.GetUtcNow().UtcDateTime;
        tag.RemovedBy = actor.Value.Name;
        tag.RemovalReason = request.Reason.Trim();
        var sha256 = await db.EvidenceItems.Where(e => e.Id == tag.EvidenceId).Select(e => e.Sha256).SingleAsync(cancellationToken);
        unitOfWork.Record("Untagged", tag.EvidenceId, sha256, [new("tag", tag.Id.ToString()), .. Projections.Tags.Details("Untagged", tag)]);
        return Unit.Value;
    }
}
