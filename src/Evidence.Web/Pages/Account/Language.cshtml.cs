using Evidence.Accounts;
using Evidence.Web.Localization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Evidence.Web.Pages.Account;

/// <summary>
/// The language switch in every page's header. A signed-in user's choice is kept with their account, so it follows them to
/// another browser; before sign-in it is kept in this browser only. Back to the page it was chosen on.
/// </summary>
public sealed class LanguageModel(UserManager<EvidenceUser> users, SignInManager<EvidenceUser> signIn) : PageModel
{
    public IActionResult OnGet() => LocalRedirect("/");

    public async Task<IActionResult> OnPostAsync(string? language, string? returnUrl)
    {
        if (!Languages.IsSupported(language))
        {
            return BadRequest();
        }
        Response.Cookies.Append(Languages.Cookie, language!, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = Request.IsHttps,
            MaxAge = TimeSpan.FromDays(365),
            IsEssential = true,
        });
        if (User.Identity?.IsAuthenticated == true && await users.GetUserAsync(User) is { } user)
        {
            user.Language = language;
            await users.UpdateAsync(user);
            // The claim in the cookie is what the next request reads: issue it anew with the choice.
            await signIn.RefreshSignInAsync(user);
        }
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl! : "/");
    }
}
