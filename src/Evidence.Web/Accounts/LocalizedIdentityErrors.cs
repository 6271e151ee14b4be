using Evidence.Web.Localization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Localization;

namespace Evidence.Web.Accounts;

/// <summary>
/// Identity's messages (a password too short, a wrong current password, a used recovery code) in the reader's language.
/// Only those someone can meet in Evidence are here: there are no e-mail addresses, external logins or Identity roles.
/// The codes stay Identity's, so a page can put each message next to its field.
/// </summary>
internal sealed class LocalizedIdentityErrors(IStringLocalizer<Texts> T) : IdentityErrorDescriber
{
    public override IdentityError DefaultError() => Error(base.DefaultError(), T["Something went wrong; nothing was changed. Try again."]);

    public override IdentityError ConcurrencyFailure() =>
        Error(base.ConcurrencyFailure(), T["The account was changed at the same moment elsewhere; nothing was changed. Try again."]);

    public override IdentityError PasswordMismatch() => Error(base.PasswordMismatch(), T["The current password is wrong."]);

    public override IdentityError InvalidToken() => Error(base.InvalidToken(), T["The code is wrong or has expired."]);

    public override IdentityError RecoveryCodeRedemptionFailed() =>
        Error(base.RecoveryCodeRedemptionFailed(), T["This recovery code is wrong or has already been used."]);

    public override IdentityError UserLockoutNotEnabled() =>
        Error(base.UserLockoutNotEnabled(), T["Lockout is not enabled for this account."]);

    public override IdentityError InvalidUserName(string? userName) =>
        Error(base.InvalidUserName(userName), T["The user name may hold only letters, digits, '.', '-', '_' and '@'."]);

    public override IdentityError DuplicateUserName(string userName) =>
        Error(base.DuplicateUserName(userName), T["There is already a user named {0}.", userName]);

    public override IdentityError PasswordTooShort(int length) =>
        Error(base.PasswordTooShort(length), T["The password must be at least {0} characters long.", length]);

    public override IdentityError PasswordRequiresUniqueChars(int uniqueChars) =>
        Error(base.PasswordRequiresUniqueChars(uniqueChars), T["The password must hold at least {0} different characters.", uniqueChars]);

    public override IdentityError PasswordRequiresNonAlphanumeric() =>
        Error(base.PasswordRequiresNonAlphanumeric(), T["The password must hold at least one character that is neither a letter nor a digit."]);

    public override IdentityError PasswordRequiresDigit() => Error(base.PasswordRequiresDigit(), T["The password must hold at least one digit (0-9)."]);

    public override IdentityError PasswordRequiresLower() => Error(base.PasswordRequiresLower(), T["The password must hold at least one lower-case letter."]);

    public override IdentityError PasswordRequiresUpper() => Error(base.PasswordRequiresUpper(), T["The password must hold at least one upper-case letter."]);

    private static IdentityError Error(IdentityError standard, LocalizedString description) => new() { Code = standard.Code, Description = description };
}
