using System.Security.Claims;
using Evidence.Accounts;
using Evidence.Web.Accounts;
using Evidence.Web.Localization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace Evidence.Web.Pages.Account;

/// <summary>
/// The second step of sign-in: a code from the authenticator app, or one of the recovery codes (each works once). Wrong
/// codes of either kind count toward the same lockout as wrong passwords; a locked account takes neither. Every attempt is
/// logged, never the code itself.
/// </summary>
public sealed class SignInCodeModel(SignInManager<EvidenceUser> signIn, UserManager<EvidenceUser> users, IStringLocalizer<Texts> T, ILogger<SignInCodeModel> log)
    : PageModel
{
    [BindProperty]
    public string? Code { get; set; }

    [BindProperty]
    public string? RecoveryCode { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Message { get; private set; }
    public string? CodeError { get; private set; }
    public string? RecoveryCodeError { get; private set; }

    public async Task<IActionResult> OnGetAsync() =>
        await signIn.GetTwoFactorAuthenticationUserAsync() is null ? RedirectToPage("/Account/SignIn", new { ReturnUrl }) : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await signIn.GetTwoFactorAuthenticationUserAsync();
        if (user is null)
        {
            return RedirectToPage("/Account/SignIn", new { ReturnUrl }); // the five minutes are over: the password again
        }
        var code = TwoFactor.Normalized(Code);
        if (code.Length == 0)
        {
            CodeError = T["Enter the 6-digit code your authenticator app shows."];
            return Page();
        }
        // Counted before it is judged (Accounts/CodeAttempts): guesses sent at once cannot outrun the lockout.
        var counted = await CodeAttempts.CountAsync(users, user);
        if (counted && await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            await SignInAsync(user);
            log.LogInformation("{User} signed in with an authenticator code", user.UserName);
            return LocalRedirect(Next);
        }
        var locked = await users.IsLockedOutAsync(user);
        log.LogWarning("Refused an authenticator code for {User} from {Address}{Locked}", user.UserName, HttpContext.Connection.RemoteIpAddress, locked ? " (locked out)" : "");
        if (locked)
        {
            Message = Locked;
        }
        else
        {
            CodeError = counted ? T["The code is wrong or has expired. Enter the code your app shows now."] : SameMoment;
        }
        return Page();
    }

    public async Task<IActionResult> OnPostRecoveryAsync()
    {
        var user = await signIn.GetTwoFactorAuthenticationUserAsync();
        if (user is null)
        {
            return RedirectToPage("/Account/SignIn", new { ReturnUrl });
        }
        var code = (RecoveryCode ?? "").Trim().ToUpperInvariant();
        if (code.Length == 0)
        {
            RecoveryCodeError = T["Enter one of your recovery codes."];
            return Page();
        }
        // Identity redeems a recovery code without looking at the lockout or counting a wrong one: counted here first
        // (Accounts/CodeAttempts), so recovery codes are no way around the lockout, one at a time or many at once.
        var counted = await CodeAttempts.CountAsync(users, user);
        if (counted && (await users.RedeemTwoFactorRecoveryCodeAsync(user, code)).Succeeded)
        {
            await SignInAsync(user);
            log.LogInformation("{User} signed in with a recovery code; {Left} left", user.UserName, await users.CountRecoveryCodesAsync(user));
            return LocalRedirect(Next);
        }
        var locked = await users.IsLockedOutAsync(user);
        log.LogWarning("Refused a recovery code for {User} from {Address}{Locked}", user.UserName, HttpContext.Connection.RemoteIpAddress, locked ? " (locked out)" : "");
        if (locked)
        {
            Message = Locked;
        }
        else
        {
            RecoveryCodeError = counted ? T["This recovery code is wrong or has already been used."] : SameMoment;
        }
        return Page();
    }

    /// <summary>
    /// What Identity's two-factor sign-in does after a right code: the count goes, the five-minute note goes, and the session
    /// cookie is issued saying a second factor was used.
    /// </summary>
    private async Task SignInAsync(EvidenceUser user)
    {
        await CodeAttempts.SucceededAsync(users, user);
        await HttpContext.SignOutAsync(IdentityConstants.TwoFactorUserIdScheme);
        await signIn.SignInWithClaimsAsync(user, isPersistent: false, [new Claim("amr", "mfa")]);
    }

    private string Next => Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/";

    /// <summary>An attempt that could not be counted, and so was not judged (Accounts/CodeAttempts).</summary>
    private string SameMoment => T["Another attempt to sign in to this account was being checked at the same moment. Enter the code again."];

    private string Locked => T["This account is locked after repeated failed sign-ins. Try again in 15 minutes, or ask an admin."];
}
