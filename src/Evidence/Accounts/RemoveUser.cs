using Evidence.Access;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Requests;
using MediatR;

namespace Evidence.Accounts;

/// <summary>
/// Removes a user and their API tokens; their cookie stops working at their next request. What they recorded stays, under
/// their name, and the name is never given to anyone else (<see cref="AddUser"/>).
/// </summary>
[AllowedRoles(Role.Admin)]
public sealed record RemoveUser(string Name) : IRequest<Unit>, IRecordsDenial
{
    public IEnumerable<KeyValuePair<string, string?>> DenialDetails() => [new("user", UserAccounts.AsDenied(Name))];
}

internal sealed class RemoveUserHandler(UserAccounts accounts, AccountsDbContext accountsDb, UnitOfWork unitOfWork) : IRequestHandler<RemoveUser, Unit>
{
    public async Task<Unit> Handle(RemoveUser request, CancellationToken cancellationToken)
    {
        var user = await accounts.FindByNameAsync(request.Name, cancellationToken) ?? throw new NotFoundException($"There is no user named {request.Name}.");
        const string lastAdmin = "This is the last admin; add another admin before removing it.";
        if (user.Role == Role.Admin)
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
        // Tokens go with their user (a cascading foreign key), in the same transaction.
        accountsDb.Users.Remove(user);
        unitOfWork.Record("UserRemoved", null, null, [new("user", user.UserName)]);
        unitOfWork.SaveOnCommit(accountsDb);
        return Unit.Value;
    }
}
