using Evidence.Access;
using Evidence.Accounts;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Text;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Cases;

/// <summary>
/// Lets another investigator work a case: from then on they see its evidence and incidents. A member or an
/// admin adds members; the ledger records who let whom in. Adding a member twice changes nothing.
/// </summary>
[AllowedRoles(Role.Investigator, Role.Admin)]
public sealed record AddCaseMember(Guid CaseId, string Member) : IRequest<bool>, IValidatedRequest
{
    public IEnumerable<string> Validate()
    {
        if (Fields.Required("the member's user name", Member, 200) is { } problem)
        {
            yield return problem;
        }
    }
}

/// <summary>The answer of `case member --json` and <c>POST /api/cases/{id}/members</c>: false when they already were a member.</summary>
public sealed record CaseMemberAdded(bool Added);

internal sealed class AddCaseMemberHandler(EvidenceDbContext db, UserAccounts accounts, UnitOfWork unitOfWork, CurrentActor actor, TimeProvider clock)
    : IRequestHandler<AddCaseMember, bool>
{
    /// <returns>True when the member was added, false when they already were one.</returns>
    public async Task<bool> Handle(AddCaseMember request, CancellationToken cancellationToken)
    {
        if (!await Visibility.Cases(db, actor.Value).AnyAsync(c => c.Id == request.CaseId, cancellationToken))
        {
            throw new NotFoundException($"There is no case {request.CaseId}.");
        }
        var member = request.Member.Trim();
        // Once there are accounts, a member is one of them: a name nobody has yet would let whoever later gets it in.
        if (await accounts.AnyAsync(cancellationToken) && !await accounts.ExistsAsync(member, cancellationToken))
        {
            throw new InvalidRequestException($"There is no account named '{member}'; add the member by the user name they sign in with.");
        }
        if (await db.CaseMembers.AnyAsync(m => m.CaseId == request.CaseId && m.Member == member, cancellationToken))
        {
            return false;
        }
        var added = new CaseMember { CaseId = request.CaseId, Member = member, AddedAtUtc = clock.GetUtcNow().UtcDateTime, AddedBy = actor.Value.Name };
        db.CaseMembers.Add(added);
        unitOfWork.Record("CaseMemberAdded", null, null, Projections.CaseMembers.Details("CaseMemberAdded", added));
        return true;
    }
}
