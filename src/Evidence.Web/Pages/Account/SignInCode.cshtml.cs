using Evidence.Accounts;
using Evidence.Web.Accounts;
using Evidence.Web.Localization;
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
        var result = await signIn.TwoFactorAuthenticatorSignInAsync(code, isPersistent: false, rememberClient: false);
        if (result.Succeeded)
        {
            log.LogInformation("{User} signed in with an authenticator code", user.UserName);
            return LocalRedirect(Next);
        }
        // Identity counts the failure toward the lockout before answering.
        log.LogWarning("Refused an authenticator code for {User} from {Address}{Locked}", user.UserName, HttpContext.Connection.RemoteIpAddress, result.IsLockedOut ? " (locked out)" : "");
        if (result.IsLockedOut)
        {
            Message = Locked;
        }
        else
        {
            CodeError = T["The code is wrong or has expired. Enter the code your app shows now."];
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
        // Identity redeems a recovery code without looking at the lockout or counting a wrong one: both are done here, so
        // recovery codes are no way around the lockout.
        if (await users.IsLockedOutAsync(user))
        {
            log.LogWarning("Refused a recovery code for {User}, who is locked out", user.UserName);
            Message = Locked;
            return Page();
        }
        var result = await signIn.TwoFactorRecoveryCodeSignInAsync(code);
        if (result.Succeeded)
        {
            log.LogInformation("{User} signed in with a recovery code; {Left} left", user.UserName, await users.CountRecoveryCodesAsync(user));
            return LocalRedirect(Next);
        }
        await users.AccessFailedAsync(user);
        var locked = await users.IsLockedOutAsync(user);
        log.LogWarning("Refused a recovery code for {User} from {Address}{Locked}", user.UserName, HttpContext.Connection.RemoteIpAddress, locked ? " (locked out)" : "");
        if (locked)
        {
            Message = Locked;
        }
        else
        {
            RecoveryCodeError = T["This recovery code is wrong or has already been used."];
        }
        return Page();
    }

    private string Next => Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/";

    private string Locked => T["This account is locked after repeated failed sign-ins. Try again in 15 minutes, or ask an admin."];
}
