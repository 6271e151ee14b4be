using Evidence.Access;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Accounts;

/// <summary>
/// Creates a user with a one-time password (to be changed at the first sign-in) and an API token, both shown once. The
/// account and its <c>UserAdded</c> event land together: who may act, in which role and office, is a fact of the ledger.
/// </summary>
[AllowedRoles(Role.Admin)]
public sealed record AddUser(string Name, Role Role, RecipientKind? Office = null) : IRequest<NewAccount>, IValidatedRequest, IRecordsDenial
{
    public IEnumerable<string> Validate() => UserAccounts.Problems(Name, Role, Office);

    public IEnumerable<KeyValuePair<string, string?>> DenialDetails() => [new("user", UserAccounts.AsDenied(Name)), new("role", Role.ToString())];
}

internal sealed class AddUserHandler(UserAccounts accounts, AccountsDbContext accountsDb, EvidenceDbContext records, UnitOfWork unitOfWork)
    : IRequestHandler<AddUser, NewAccount>
{
    public async Task<NewAccount> Handle(AddUser request, CancellationToken cancellationToken)
    {
        if (await accounts.FindByNameAsync(request.Name, cancellationToken) is not null)
        {
            throw new InvalidRequestException($"There is already a user named {request.Name}.");
        }
        // Memberships and what someone recorded are matched by name: a removed account's name given to a new person would
        // hand them the old one's cases, evidence and children. A name the records know is never given again.
        var named = $"\"user\":\"{request.Name}\"";
        if (await records.CaseMembers.AnyAsync(m => m.Member == request.Name, cancellationToken)
            || await records.CustodyEvents.AnyAsync(e => e.Actor == request.Name || (e.Action == "UserAdded" && e.Details.Contains(named)), cancellationToken))
        {
            throw new InvalidRequestException($"The name {request.Name} already acts in the custody records (a removed account's, or a local operator's); " +
                                              "records are matched by name, so it is never given to another person. Choose another name.");
        }
        return UserAdded.Record(accounts, accountsDb, unitOfWork, request.Name, request.Role, request.Office);
    }
}

/// <summary>
/// The installation's first admin, created when it has no user at all (the first `serve`); nothing otherwise. Its name
/// may have acted from the command line before: nobody else holds an account yet, so no one's records pass to it.
/// </summary>
[AllowedRoles(Role.Admin)]
public sealed record CreateFirstAdmin : IRequest<NewAccount?>
{
    public const string Name = "admin";
}

internal sealed class CreateFirstAdminHandler(UserAccounts accounts, AccountsDbContext accountsDb, UnitOfWork unitOfWork) : IRequestHandler<CreateFirstAdmin, NewAccount?>
{
    public async Task<NewAccount?> Handle(CreateFirstAdmin request, CancellationToken cancellationToken) =>
        await accounts.AnyAsync(cancellationToken) ? null : UserAdded.Record(accounts, accountsDb, unitOfWork, CreateFirstAdmin.Name, Role.Admin, null);
}

internal static class UserAdded
{
    public static NewAccount Record(UserAccounts accounts, AccountsDbContext accountsDb, UnitOfWork unitOfWork, string name, Role role, RecipientKind? office)
    {
        var account = accounts.Add(name, role, office);
        var user = accountsDb.Users.Local.Single(u => u.UserName == name);
        unitOfWork.Record("UserAdded", null, null, Projections.Accounts.Details("UserAdded", AccountRow.Of(user)));
        unitOfWork.SaveOnCommit(accountsDb);
        return account;
    }
}
