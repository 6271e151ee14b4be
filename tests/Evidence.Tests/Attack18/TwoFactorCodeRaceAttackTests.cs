namespace Evidence.Tests.Web;

/// <summary>
/// Attack on issue 18's code step: someone who has the password (and so the five-minute note of it) sends many guesses of
/// the authenticator code at once. Each guess must count toward the lockout: five wrong codes lock the account however
/// they arrive, or parallel requests multiply the guesses the lockout allows.
/// </summary>
public sealed partial class TwoFactorTests
{
    [Fact]
    public async Task Attack18_CodeGuesses_SentAtOnce_AllCountTowardTheLockout()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var first = new Browser(scenario.Server);
        var password = await first.FirstSignInAsync(scenario.IccProsecutor);
        var enrolled = await first.EnrolAsync();

        using var attacker = new Browser(scenario.Server);
        var answer = await attacker.SignInAsync(scenario.IccProsecutor.Name, password);
        Assert.StartsWith("/Account/SignInCode", answer.Location, StringComparison.Ordinal);
        var codePage = await attacker.Client.GetStringAsync(answer.Location);
        var guesses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => attacker.PostAsync(answer.Location!, codePage, ("Code", WrongCode(enrolled.Key)))));

        // Judged wrong (rather than refused as locked): no more than the lockout allows, four before the fifth locks.
        var judged = guesses.Count(page => page.Contains("The code is wrong or has expired", StringComparison.Ordinal));
        Assert.True(judged <= 4, $"{judged} of 40 simultaneous guesses were judged; the lockout allows 5");
    }
}
