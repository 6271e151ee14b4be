using Evidence.Accounts;
using Evidence.Web.Accounts;
using Evidence.Web.Http;
using Evidence.Web.Localization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace Evidence.Web.Pages.Account;

/// <summary>
/// Two-factor sign-in for the signed-in user: enrolment (the key as text and as a QR code, then a code from the app to
/// prove it was read; nothing is switched on before that), ten recovery codes shown once, new recovery codes, and setting
/// it up again on a new phone (or turning it off, for the roles that may sign in without it). The key is shown only while
/// two-factor sign-in is off: a session left open never gives it away afterwards. Every change is logged.
/// </summary>
public sealed class TwoFactorModel(UserManager<EvidenceUser> users, SignInManager<EvidenceUser> signIn, IStringLocalizer<Texts> T, ILogger<TwoFactorModel> log)
    : PageModel
{
    [BindProperty]
    public string? Code { get; set; }

    public bool Enabled { get; private set; }

    /// <summary>Whether this user's role must sign in with a second factor (<see cref="TwoFactor.RequiredFor"/>).</summary>
    public bool Required { get; private set; }

    public string? Key { get; private set; }
    public string? QrCode { get; private set; }
    public int RecoveryCodesLeft { get; private set; }

    /// <summary>Recovery codes just made, shown in this answer only.</summary>
    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    public string? Done { get; private set; }

    /// <summary>The refused code's message, and the form ("enrol", "codes", "reset") whose field it belongs to.</summary>
    public string? CodeError { get; private set; }
    public string? CodeErrorForm { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (User.HasClaim(ActorFromUser.MustChangePassword, "true"))
        {
            return RedirectToPage("/Account/ChangePassword"); // the printed password first, then the second factor
        }
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return RedirectToPage("/Account/SignIn");
        }
        await LoadAsync(user);
        return Page();
    }

    /// <summary>Confirms the enrolment with a code from the app, then shows the recovery codes.</summary>
    public async Task<IActionResult> OnPostAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null || user.TwoFactorEnabled)
        {
            return RedirectToPage();
        }
        if (!await CodeIsRightAsync(user, "enrol", countFailure: false))
        {
            log.LogWarning("{User} gave a wrong code while enrolling in two-factor sign-in", user.UserName);
            await LoadAsync(user);
            return Page();
        }
        await users.SetTwoFactorEnabledAsync(user, true); // a new security stamp: every other session of this user ends
        RecoveryCodes = [.. await users.GenerateNewTwoFactorRecoveryCodesAsync(user, TwoFactor.RecoveryCodes) ?? []];
        log.LogInformation("{User} enrolled in two-factor sign-in", user.UserName);
        await signIn.RefreshSignInAsync(user);
        await LoadAsync(user);
        return Page();
    }

    /// <summary>Ten new recovery codes in place of the old ones, for a code from the app.</summary>
    public async Task<IActionResult> OnPostRecoveryCodesAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null || !user.TwoFactorEnabled)
        {
            return RedirectToPage();
        }
        if (await CodeIsRightAsync(user, "codes", countFailure: true))
        {
            RecoveryCodes = [.. await users.GenerateNewTwoFactorRecoveryCodesAsync(user, TwoFactor.RecoveryCodes) ?? []];
            log.LogInformation("{User} made new two-factor recovery codes", user.UserName);
        }
        await LoadAsync(user);
        return Page();
    }

    /// <summary>
    /// For a code from the app: two-factor sign-in off and the key replaced. A role that must use it is at once back on the
    /// enrolment page with a new key, to set it up on a new phone; the other roles sign in with their password alone.
    /// </summary>
    public async Task<IActionResult> OnPostResetAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null || !user.TwoFactorEnabled)
        {
            return RedirectToPage();
        }
        if (!await CodeIsRightAsync(user, "reset", countFailure: true))
        {
            await LoadAsync(user);
            return Page();
        }
        await users.SetTwoFactorEnabledAsync(user, false);
        await users.ResetAuthenticatorKeyAsync(user);
        await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 0); // the old recovery codes go with the old key
        log.LogInformation("{User} turned off their own two-factor sign-in", user.UserName);
        await signIn.RefreshSignInAsync(user);
        if (TwoFactor.RequiredFor(user.Role))
        {
            return RedirectToPage();
        }
        Done = T["Two-factor sign-in is off. You sign in with your password alone."];
        await LoadAsync(user);
        return Page();
    }

    private async Task<bool> CodeIsRightAsync(EvidenceUser user, string form, bool countFailure)
    {
        var code = TwoFactor.Normalized(Code);
        // A session left open is no way to guess codes: here too each code is counted toward the sign-in lockout before it
        // is judged (Accounts/CodeAttempts), and a locked account's code, even the right one, is not looked at.
        var counted = !countFailure || code.Length == 0 || await CodeAttempts.CountAsync(users, user);
        if (counted && code.Length > 0 && await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code))
        {
            if (countFailure)
            {
                await CodeAttempts.SucceededAsync(users, user);
            }
            return true;
        }
        CodeErrorForm = form;
        CodeError = code.Length == 0 ? T["Enter the 6-digit code your authenticator app shows."]
            : countFailure && await users.IsLockedOutAsync(user) ? T["This account is locked after repeated failed sign-ins. Try again in 15 minutes, or ask an admin."]
            : counted ? T["The code is wrong or has expired. Enter the code your app shows now."]
            : T["Another attempt to sign in to this account was being checked at the same moment. Enter the code again."];
        if (countFailure && code.Length > 0)
        {
            log.LogWarning("{User} gave a wrong two-factor code on the two-factor page", user.UserName);
        }
        return false;
    }

    private async Task LoadAsync(EvidenceUser user)
    {
        Enabled = user.TwoFactorEnabled;
        Required = TwoFactor.RequiredFor(user.Role);
        if (Enabled)
        {
            RecoveryCodesLeft = await users.CountRecoveryCodesAsync(user);
            return;
        }
        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(user);
            // Identity gives the user a new security stamp with a new key; without a new cookie this one would end now.
            await signIn.RefreshSignInAsync(user);
            key = await users.GetAuthenticatorKeyAsync(user);
        }
        Key = TwoFactor.Grouped(key!);
        QrCode = TwoFactor.QrCodeDataUri(TwoFactor.OtpAuthUri(user.UserName!, key!));
    }
}
