using Evidence.Accounts;
using Evidence.Web.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Evidence.Web.Pages.Account;

/// <summary>Cookie sign-in. Five wrong passwords lock the account for 15 minutes; every failure is logged.</summary>
public sealed class SignInModel(SignInManager<EvidenceUser> signIn, ILogger<SignInModel> log) : PageModel
{
    [BindProperty]
    public string? UserName { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Message { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var result = await signIn.PasswordSignInAsync(UserName ?? "", Password ?? "", isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            log.LogInformation("{User} signed in", UserName);
            // Only a local path: a crafted ReturnUrl never sends a user to another site.
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
        }
        log.LogWarning("Failed sign-in for {User} from {Address}{Locked}", UserName, HttpContext.Connection.RemoteIpAddress, result.IsLockedOut ? " (locked out)" : "");
        Message = result.IsLockedOut
            ? "This account is locked after repeated failed sign-ins. Try again in 15 minutes, or ask an admin."
            : "The user name or password is wrong.";
        return Page();
    }
}
