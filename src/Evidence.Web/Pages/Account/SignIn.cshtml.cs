using Evidence.Accounts;
using Evidence.Web.Accounts;
using Evidence.Web.Localization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace Evidence.Web.Pages.Account;

/// <summary>
/// Cookie sign-in. Five wrong passwords lock the account for 15 minutes; every failure is logged. A user with two-factor
/// sign-in goes on to the code (<see cref="SignInCodeModel"/>) holding only a five-minute note of who passed the password.
/// </summary>
public sealed class SignInModel(SignInManager<EvidenceUser> signIn, UserManager<EvidenceUser> users, IStringLocalizer<Texts> T, ILogger<SignInModel> log) : PageModel
{
    [BindProperty]
    public string? UserName { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>What stops the whole form (a locked account).</summary>
    public string? Message { get; private set; }

    public string? UserNameError { get; private set; }
    public string? PasswordError { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        UserNameError = string.IsNullOrWhiteSpace(UserName) ? T["Enter your user name."].Value : null;
        PasswordError = string.IsNullOrEmpty(Password) ? T["Enter your password."].Value : null;
        if (UserNameError is not null || PasswordError is not null)
        {
            return Page();
        }
        // Counted before it is judged (Accounts/CodeAttempts): guesses sent at once cannot outrun the lockout. A name with no
        // account has nothing to lock, and is judged (wrong) like any other.
        var account = await users.FindByNameAsync(UserName!);
        if (account is not null && !await CodeAttempts.CountAsync(users, account) && !await users.IsLockedOutAsync(account))
        {
            log.LogWarning("Refused a sign-in for {User} from {Address}: another attempt at the same moment", UserName, HttpContext.Connection.RemoteIpAddress);
            PasswordError = T["Another attempt to sign in to this account was being checked at the same moment. Try again."];
            return Page();
        }
        var result = await signIn.PasswordSignInAsync(UserName!, Password!, isPersistent: false, lockoutOnFailure: false);
        // Only a local path: a crafted ReturnUrl never sends a user to another site.
        var next = Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/";
        if (result.Succeeded)
        {
            log.LogInformation("{User} signed in", UserName);
            return LocalRedirect(next);
        }
        if (result.RequiresTwoFactor)
        {
            await CodeAttempts.GiveBackAsync(users, account!);
            log.LogInformation("{User} passed the password; two-factor code asked", UserName);
            return RedirectToPage("/Account/SignInCode", new { ReturnUrl = next });
        }
        log.LogWarning("Failed sign-in for {User} from {Address}{Locked}", UserName, HttpContext.Connection.RemoteIpAddress, result.IsLockedOut ? " (locked out)" : "");
        if (result.IsLockedOut)
        {
            Message = T["This account is locked after repeated failed sign-ins. Try again in 15 minutes, or ask an admin."];
        }
        else
        {
            PasswordError = T["The user name or password is wrong."];
        }
        return Page();
    }
}
