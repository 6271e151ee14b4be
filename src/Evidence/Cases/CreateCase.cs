using Evidence.Access;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using MediatR;

namespace Evidence.Cases;

/// <summary>Opens a case: the investigation file that evidence is collected into.</summary>
[AllowedRoles(Role.Investigator, Role.Admin)]
public sealed record CreateCase(string Title) : IRequest<Guid>, IValidatedRequest
{
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Title) || Title.Length > 500 || Title.Any(char.IsControl))
        {
            yield return "a case title of 1 to 500 characters without control characters is required.";
        }
    }
}

internal sealed class CreateCaseHandler(EvidenceDbContext db, UnitOfWork unitOfWork, CurrentActor actor, TimeProvider clock)
    : IRequestHandler<CreateCase, Guid>
{
    public Task<Guid> Handle(CreateCase request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var created = new Case { Id = Guid.CreateVersion7(now), Title = request.Title.Trim(), CreatedAtUtc = now.UtcDateTime, CreatedBy = actor.Value.Name };
        db.Cases.Add(created);
        db.CaseMembers.Add(new CaseMember { CaseId = created.Id, Member = actor.Value.Name, AddedAtUtc = created.CreatedAtUtc, AddedBy = actor.Value.Name });
        // The opener's membership is part of the same event: its time is the case's.
        unitOfWork.Record("CaseOpened", null, null, Projections.Cases.Details("CaseOpened", created));
        return Task.FromResult(created.Id);
    }
}
