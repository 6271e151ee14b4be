using Evidence.Access;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Requests;
using MediatR;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Accounts;

/// <summary>
/// An admin turns off another user's two-factor sign-in, for someone who lost their phone and their recovery codes: the
/// authenticator key, the recovery codes and the last code used are deleted, and the user's sessions end (a new security
/// stamp). An admin or prosecutor must enrol again at their next sign-in, which needs their password.
/// It is a custody event (<c>UserTwoFactorReset</c>), unlike a user's own enrolment: one person weakening another's
/// sign-in to the records is the step an insider would take before using a password they learnt, and the ledger is where
/// a reviewer looks for who did that and when. A user's own enrolment changes only how they themselves prove who they
/// are, as a password change does, and is logged (not recorded), like a password change.
/// </summary>
[AllowedRoles(Role.Admin)]
public sealed record ResetTwoFactor(string Name) : IRequest<Unit>, IRecordsDenial
{
    public IEnumerable<KeyValuePair<string, string?>> DenialDetails() => [new("user", UserAccounts.AsDenied(Name))];
}

internal sealed class ResetTwoFactorHandler(UserAccounts accounts, AccountsDbContext accountsDb, UnitOfWork unitOfWork) : IRequestHandler<ResetTwoFactor, Unit>
{
    public async Task<Unit> Handle(ResetTwoFactor request, CancellationToken cancellationToken)
    {
        var user = await accounts.FindByNameAsync(request.Name, cancellationToken) ?? throw new NotFoundException($"There is no user named {request.Name}.");
        user.TwoFactorEnabled = false;
        user.SecurityStamp = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20));
        // Every token Identity keeps for the user is two-factor material: the authenticator key, the recovery codes, the
        // last time step a code was accepted for (Evidence.Web's replay guard). Deleted in the request's transaction.
        accountsDb.RemoveRange(await accountsDb.Set<IdentityUserToken<string>>().Where(t => t.UserId == user.Id).ToListAsync(cancellationToken));
        unitOfWork.Record("UserTwoFactorReset", null, null, [new("user", user.UserName)]);
        unitOfWork.SaveOnCommit(accountsDb);
        return Unit.Value;
    }
}
