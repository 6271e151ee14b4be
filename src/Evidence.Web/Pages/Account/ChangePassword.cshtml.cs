using Evidence.Accounts;
using Evidence.Web.Accounts;
using Evidence.Web.Localization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace Evidence.Web.Pages.Account;

/// <summary>Replaces a printed one-time password (or any password) and signs the user in again with a fresh cookie.</summary>
public sealed class ChangePasswordModel(UserManager<EvidenceUser> users, SignInManager<EvidenceUser> signIn, IStringLocalizer<Texts> T, ILogger<ChangePasswordModel> log)
    : PageModel
{
    [BindProperty]
    public string? Current { get; set; }

    [BindProperty]
    public string? New { get; set; }

    /// <summary>Identity's refusals in the reader's language (<see cref="LocalizedIdentityErrors"/>), each under its field.</summary>
    public string? CurrentError { get; private set; }
    public string? NewError { get; private set; }

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
        CurrentError = string.IsNullOrEmpty(Current) ? T["Enter your current password."].Value : null;
        NewError = string.IsNullOrEmpty(New) ? T["Enter a new password."].Value : null;
        if (CurrentError is not null || NewError is not null)
        {
            return Page();
        }
        var changed = await users.ChangePasswordAsync(user, Current!, New!);
        if (!changed.Succeeded)
        {
            // A wrong current password is the current field's; every rule the new one breaks is the new field's.
            var mismatch = users.ErrorDescriber.PasswordMismatch().Code;
            CurrentError = Join(changed.Errors.Where(e => e.Code == mismatch));
            NewError = Join(changed.Errors.Where(e => e.Code != mismatch));
            log.LogWarning("Refused a password change for {User}: {Codes}", user.UserName, string.Join(", ", changed.Errors.Select(e => e.Code)));
            return Page();
        }
        user.MustChangePassword = false;
        await users.UpdateAsync(user);
        log.LogInformation("{User} changed their password", user.UserName);
        await signIn.RefreshSignInAsync(user);
        // An admin or prosecutor without two-factor sign-in is sent on to enrol from there (Http/ActorFromUser).
        return Redirect("/");
    }

    private static string? Join(IEnumerable<IdentityError> errors) =>
        errors.Any() ? string.Join(" ", errors.Select(e => e.Description)) : null;
}
