using Evidence.Access;
using Evidence.Requests;
using MediatR;

namespace Evidence.Accounts;

/// <summary>Every account with its role, office, lockout and number of tokens; for admins.</summary>
[AllowedRoles(Role.Admin)]
public sealed record ListUsers : IRequest<IReadOnlyList<AccountView>>, IRecordsDenial
{
    // Who holds an account, and in which role, is itself sensitive: someone asking who may not is recorded.
    public IEnumerable<KeyValuePair<string, string?>> DenialDetails() => [];
}

internal sealed class ListUsersHandler(UserAccounts accounts) : IRequestHandler<ListUsers, IReadOnlyList<AccountView>>
{
    public Task<IReadOnlyList<AccountView>> Handle(ListUsers request, CancellationToken cancellationToken) => accounts.ListAsync(cancellationToken);
}
