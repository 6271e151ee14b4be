using Evidence.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Web;

/// <summary>
/// Attack on issue 18's two-factor page: someone at a session left open (a colleague's unlocked screen) guesses
/// authenticator codes on the signed-in user's own two-factor page to turn the second factor off or to take new recovery
/// codes. Wrong codes there count toward the sign-in lockout; a locked account must then take no code there either, or
/// the lockout only slows the password form while this page lets guessing go on.
/// </summary>
public sealed partial class TwoFactorTests
{
    [Fact]
    public async Task Attack18_TwoFactorPage_OfALockedAccount_TakesNoCode_NotEvenTheRightOne()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = new Browser(scenario.Server);
        var password = await browser.FirstSignInAsync(scenario.Investigator);
        var enrolled = await browser.EnrolAsync();

        var page = await browser.Client.GetStringAsync("/Account/TwoFactor");
        for (var i = 0; i < 5; i++)
        {
            await browser.PostAsync("/Account/TwoFactor?handler=Reset", page, ("Code", WrongCode(enrolled.Key)));
        }
        var right = await browser.PostFormAsync("/Account/TwoFactor?handler=Reset", page, ("Code", NextCode(enrolled.Key)));
        var codes = await browser.PostFormAsync("/Account/TwoFactor?handler=RecoveryCodes", page, ("Code", NextCode(enrolled.Key)));

        Assert.Contains("This account is locked", right.Page, StringComparison.Ordinal);
        Assert.DoesNotContain("Two-factor sign-in is off", right.Page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"recovery-codes\"", codes.Page, StringComparison.Ordinal);
        // The second factor is still on: after the lockout, the password alone is still no session.
        await using var scope = scenario.Server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Evidence.Accounts.EvidenceUser>>();
        var user = await users.FindByNameAsync(scenario.Investigator.Name);
        Assert.True(user!.TwoFactorEnabled);
        Assert.NotEmpty(password);
    }
}
