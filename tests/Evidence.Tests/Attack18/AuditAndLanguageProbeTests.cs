using System.Net;
using System.Text.RegularExpressions;

namespace Evidence.Tests.Attack18;

/// <summary>
/// Attacks on issue 18's auditor's downloads and language switch that held: the ledger's events go to auditors and admins
/// only (not to an investigator, a prosecutor or anyone signed out), and the switch sends nobody to another site.
/// </summary>
public sealed partial class AuditAndLanguageProbeTests
{
    [Fact]
    public async Task Attack18_LedgerEvents_AreNotDownloaded_ByOtherRoles_OrSignedOut()
    {
        await using var scenario = await Web.WebScenario.StartAsync();
        using var anonymous = scenario.Server.Client();
        using var signedOut = await anonymous.GetAsync("/audit?handler=events&size=1");
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.StartsWith("/Account/SignIn", signedOut.Headers.Location?.AbsolutePath, StringComparison.Ordinal);
        foreach (var user in new[] { scenario.Investigator, scenario.IccProsecutor })
        {
            using var client = scenario.Server.Client(user);
            using var events = await client.GetAsync("/audit?handler=events&size=1");
            var body = await events.Content.ReadAsStringAsync();
            Assert.NotEqual(HttpStatusCode.OK, events.StatusCode);
            Assert.DoesNotContain("\"action\"", body, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("https://evil.example/")]
    [InlineData("/%2F%2Fevil.example")]
    public async Task Attack18_LanguageSwitch_SendsNobodyToAnotherSite(string returnUrl)
    {
        await using var scenario = await Web.WebScenario.StartAsync();
        using var browser = scenario.Server.Client();
        var page = await browser.GetStringAsync("/Account/SignIn");
        var token = Token().Match(page).Groups[1].Value;
        using var answer = await browser.PostAsync("/Account/Language", new FormUrlEncodedContent(
            [new("language", "uk"), new("returnUrl", returnUrl), new("__RequestVerificationToken", token)]));
        using var refused = await browser.PostAsync("/Account/Language", new FormUrlEncodedContent(
            [new("language", "uk; evil=1"), new("returnUrl", "/"), new("__RequestVerificationToken", token)]));

        var location = answer.Headers.Location!;
        Assert.False(location.IsAbsoluteUri && location.Host.Contains("evil", StringComparison.Ordinal), location.ToString());
        Assert.False(location.OriginalString.StartsWith("//", StringComparison.Ordinal) || location.OriginalString.StartsWith("/\\", StringComparison.Ordinal), location.OriginalString);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
