using Evidence.Accounts;
using Evidence.Web.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Evidence.Web.Pages.Account;

/// <summary>Replaces a printed one-time password (or any password) and signs the user in again with a fresh cookie.</summary>
public sealed class ChangePasswordModel(UserManager<EvidenceUser> users, SignInManager<EvidenceUser> signIn) : PageModel
{
    [BindProperty]
    public string? Current { get; set; }

    [BindProperty]
    public string? New { get; set; }

    public string? Message { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Redirect("/Account/SignIn");
        }
        var changed = await users.ChangePasswordAsync(user, Current ?? "", New ?? "");
        if (!changed.Succeeded)
        {
            Message = string.Join(" ", changed.Errors.Select(e => e.Description));
            return Page();
        }
        user.MustChangePassword = false;
        await users.UpdateAsync(user);
        await signIn.RefreshSignInAsync(user);
        return Redirect("/");
    }
}
