using Evidence.Access;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Cases;

/// <summary>
/// Puts an incident before a prosecutor's office: its prosecutors may then see the incident and its evidence
/// and request packages for it. Referring again to the same office changes nothing and returns the first referral.
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record ReferIncident(Guid IncidentId, RecipientKind Office) : IRequest<Guid>, IValidatedRequest
{
    public IEnumerable<string> Validate()
    {
        if (!Enum.IsDefined(Office))
        {
            yield return "the office must be icc or national.";
        }
    }
}

internal sealed class ReferIncidentHandler(EvidenceDbContext db, UnitOfWork unitOfWork, CurrentActor actor, TimeProvider clock) : IRequestHandler<ReferIncident, Guid>
{
    public async Task<Guid> Handle(ReferIncident request, CancellationToken cancellationToken)
    {
        if (!await Visibility.Incidents(db, actor.Value).AnyAsync(i => i.Id == request.IncidentId, cancellationToken))
        {
            throw new NotFoundException($"There is no incident {request.IncidentId}.");
        }
        var existing = await db.IncidentReferrals.AsNoTracking()
            .SingleOrDefaultAsync(r => r.IncidentId == request.IncidentId && r.Office == request.Office, cancellationToken);
        if (existing is not null)
        {
            return existing.Id;
        }
        var referral = new IncidentReferral
        {
            Id = Guid.NewGuid(),
            IncidentId = request.IncidentId,
            Office = request.Office,
            ReferredAtUtc = clock.GetUtcNow().UtcDateTime,
            ReferredBy = actor.Value.Name,
        };
        db.IncidentReferrals.Add(referral);
        unitOfWork.Record("Referred", null, null, Projections.Referrals.Details("Referred", referral));
        return referral.Id;
    }
}
