namespace Evidence.Tests.Web;

/// <summary>
/// Attack on the sign-in form (changed for issue 18's two-factor step): many password guesses sent at once. Identity counts
/// a wrong password after judging it, under the account's concurrency stamp, so of guesses sent together nearly all were
/// judged and few counted; the five-guess lockout must hold however the guesses arrive.
/// </summary>
public sealed partial class SessionSecurityTests
{
    [Fact]
    public async Task Attack18_PasswordGuesses_SentAtOnce_AllCountTowardTheLockout()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = scenario.Server.Client();
        var form = await browser.GetStringAsync("/Account/SignIn");
        var token = FormToken().Match(form).Groups[1].Value;

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            using var response = await browser.PostAsync("/Account/SignIn", new FormUrlEncodedContent(
                [new("UserName", scenario.Investigator.Name), new("Password", "wrong password " + i), new("__RequestVerificationToken", token)]));
            return System.Net.WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        }));

        // Judged wrong (rather than refused as locked): no more than the lockout allows.
        var judged = answers.Count(page => page.Contains("The user name or password is wrong.", StringComparison.Ordinal));
        Assert.True(judged <= 4, $"{judged} of 40 simultaneous password guesses were judged; the lockout allows 5");
    }
}
