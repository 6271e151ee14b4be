using Evidence.Accounts;
using Microsoft.AspNetCore.Identity;

namespace Evidence.Web.Accounts;

/// <summary>
/// Counts an attempt at a password, a two-factor code or a recovery code toward the lockout before it is looked at. Identity
/// counts a wrong code after judging it, and its count is written under the account's concurrency stamp: of many guesses
/// sent at once, all are judged and one is counted (39 of 40 judged in a test), so the lockout's five guesses became as many
/// as an attacker sends together. Counted first, a guess that cannot be counted (another attempt changed the account at the
/// same moment) is not judged at all; that holds across app servers, since the account row is the lock. A right code then
/// gives the count back (<see cref="SucceededAsync"/>).
/// </summary>
internal static class CodeAttempts
{
    /// <summary>
    /// Counts one attempt; false when it may not be judged: the account is locked, or the count could not be written. The
    /// attempt that reaches the limit is still judged (the fifth wrong code locks, as a fifth wrong password does).
    /// </summary>
    public static async Task<bool> CountAsync(UserManager<EvidenceUser> users, EvidenceUser user)
    {
        if (await users.IsLockedOutAsync(user))
        {
            return false;
        }
        return (await users.AccessFailedAsync(user)).Succeeded;
    }

    /// <summary>
    /// After a right password of an account with two-factor sign-in: this attempt is given back, the earlier wrong ones stand
    /// until the code is right (as Identity keeps them), or a known password would clear the count between code guesses.
    /// </summary>
    public static async Task GiveBackAsync(UserManager<EvidenceUser> users, EvidenceUser user)
    {
        if (user.AccessFailedCount > 0)
        {
            user.AccessFailedCount--;
            await users.UpdateAsync(user);
        }
    }

    /// <summary>After a right code: the attempt was not a failure, so the count (and a lockout this very attempt set) goes.</summary>
    public static async Task SucceededAsync(UserManager<EvidenceUser> users, EvidenceUser user)
    {
        await users.ResetAccessFailedCountAsync(user);
        if (await users.GetLockoutEndDateAsync(user) is not null)
        {
            await users.SetLockoutEndDateAsync(user, null);
        }
    }
}
