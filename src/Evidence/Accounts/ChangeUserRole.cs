using Evidence.Access;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using MediatR;

namespace Evidence.Accounts;

/// <summary>
/// Gives a user another role (and office, for a prosecutor). It applies at the user's next request, cookie or token:
/// both are checked against the account every time. The last admin keeps the role, so that accounts stay manageable.
/// </summary>
[AllowedRoles(Role.Admin)]
public sealed record ChangeUserRole(string Name, Role Role, RecipientKind? Office = null) : IRequest<Unit>, IValidatedRequest, IRecordsDenial
{
    public IEnumerable<string> Validate() => UserAccounts.Problems(Name, Role, Office);

    public IEnumerable<KeyValuePair<string, string?>> DenialDetails() => [new("user", UserAccounts.AsDenied(Name)), new("role", Role.ToString())];
}

internal sealed class ChangeUserRoleHandler(UserAccounts accounts, AccountsDbContext accountsDb, UnitOfWork unitOfWork)
    : IRequestHandler<ChangeUserRole, Unit>
{
    public async Task<Unit> Handle(ChangeUserRole request, CancellationToken cancellationToken)
    {
        var user = await accounts.FindByNameAsync(request.Name, cancellationToken) ?? throw new NotFoundException($"There is no user named {request.Name}.");
        const string lastAdmin = "This is the last admin; make another user admin before changing its role.";
        if (user.Role == Role.Admin && request.Role != Role.Admin)
        {
            if (await accounts.AdminsAsync(cancellationToken) == 1)
            {
                throw new InvalidRequestException(lastAdmin);
            }
            // Again under the write lock: another admin demoted or removed at the same moment read the same count.
            unitOfWork.CheckBeforeCommit(async ct =>
            {
                if (await accounts.AdminsAsync(ct) == 0)
                {
                    throw new InvalidRequestException(lastAdmin);
                }
            });
        }
        if (user.Role == request.Role && user.Office == request.Office)
        {
            return Unit.Value; // nothing changes, so nothing is recorded
        }
        user.Role = request.Role;
        user.Office = request.Office;
        unitOfWork.Record("UserRoleChanged", null, null, Projections.Accounts.Details("UserRoleChanged", AccountRow.Of(user)));
        unitOfWork.SaveOnCommit(accountsDb);
        return Unit.Value;
    }
}
