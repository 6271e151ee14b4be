using System.Net.Http.Json;
using System.Net;
using System.Text.RegularExpressions;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Web;

/// <summary>Sign-in, cookies and tokens over real HTTP: the lockout, a deleted user's session, and cookies behind a TLS proxy.</summary>
public sealed partial class SessionSecurityTests
{
    [Fact]
    public async Task ApiToken_AfterFiveWrongPasswords_KeepsWorkingWhilePasswordSignInIsLocked()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = scenario.Server.Client();
        for (var i = 0; i < 5; i++)
        {
            await SignInAsync(browser, scenario.Investigator.Name, "wrong password " + i);
        }

        var locked = await SignInAsync(browser, scenario.Investigator.Name, scenario.Investigator.Password);
        using var withToken = await scenario.Server.Client(scenario.Investigator).GetAsync("/api/evidence");

        Assert.Contains("locked", locked, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
    }

    /// <summary>A removed account's name, given to a new person, handed them the old one's cases, evidence and children.</summary>
    [Fact]
    public async Task AddUser_NameOfARemovedAccountThatActedInTheRecords_400()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        (await investigator.PostAsJsonAsync("/api/cases", new { title = "Case of the first person" })).EnsureSuccessStatusCode();
        using var admin = scenario.Server.Client(scenario.Admin);
        (await admin.DeleteAsync($"/api/users/{scenario.Investigator.Name}")).EnsureSuccessStatusCode();

        using var again = await admin.PostAsJsonAsync("/api/users", new { name = scenario.Investigator.Name, role = "Investigator" });
        using var fresh = await admin.PostAsJsonAsync("/api/users", new { name = "someone-new", role = "Investigator" });

        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("never given to another person", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task DeletedUsersCookie_NextRequest_IsSignedOutCleanly()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = scenario.Server.Client();
        await SignInAsync(browser, scenario.Investigator.Name, scenario.Investigator.Password);
        using var before = await browser.GetAsync("/api/evidence");
        using var admin = scenario.Server.Client(scenario.Admin);
        (await admin.DeleteAsync($"/api/users/{scenario.Investigator.Name}")).EnsureSuccessStatusCode();

        using var api = await browser.GetAsync("/api/evidence");
        using var page = await browser.GetAsync("/incidents");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/Account/SignIn", page.Headers.Location?.AbsolutePath);
    }

    [Fact]
    public async Task Cookies_BehindATlsProxySayingHttps_AreSecure_ButNotWhenTheProxyIsNotTrusted()
    {
        await using var scenario = await WebScenario.StartAsync();
        await using var elsewhere = await WebServer.StartAsync(s => s with { TrustedProxies = ["10.20.30.40"] });

        var proxied = await SignInCookiesAsync(scenario.Server.Address, scenario.Investigator, forwardedProto: "https");
        var direct = await SignInCookiesAsync(scenario.Server.Address, scenario.Investigator, forwardedProto: null);
        var spoofed = await SignInFormCookieAsync(elsewhere.Address, forwardedProto: "https");

        Assert.Contains("evidence.session=", proxied.Session, StringComparison.Ordinal);
        Assert.Contains("; secure", proxied.Session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; secure", proxied.Antiforgery, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("; secure", direct.Session, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("; secure", spoofed, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Signs in through the form, as a browser does; returns the page the server answered with.</summary>
    private static async Task<string> SignInAsync(HttpClient browser, string name, string password)
    {
        var form = await browser.GetStringAsync("/Account/SignIn");
        var token = FormToken().Match(form).Groups[1].Value;
        using var response = await browser.PostAsync("/Account/SignIn", new FormUrlEncodedContent(
            [new("UserName", name), new("Password", password), new("__RequestVerificationToken", token)]));
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>
    /// The sign-in as a TLS proxy passes it on (X-Forwarded-Proto), cookies carried by hand because a client on plain
    /// http would not send Secure ones back. Returns the Set-Cookie headers of the antiforgery and session cookies.
    /// </summary>
    private static async Task<(string Antiforgery, string Session)> SignInCookiesAsync(Uri server, TestUser user, string? forwardedProto)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server };
        if (forwardedProto is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-Proto", forwardedProto);
        }
        using var form = await client.GetAsync("/Account/SignIn");
        var antiforgery = Cookie(form, "evidence.antiforgery");
        var token = FormToken().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/Account/SignIn")
        {
            Content = new FormUrlEncodedContent([new("UserName", user.Name), new("Password", user.Password), new("__RequestVerificationToken", token)]),
        };
        post.Headers.Add("Cookie", antiforgery.Split(';')[0]);
        using var signedIn = await client.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return (antiforgery, Cookie(signedIn, "evidence.session"));
    }

    private static async Task<string> SignInFormCookieAsync(Uri server, string forwardedProto)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server };
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", forwardedProto);
        using var form = await client.GetAsync("/Account/SignIn");
        return Cookie(form, "evidence.antiforgery");
    }

    private static string Cookie(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies.SingleOrDefault(c => c.StartsWith(name + "=", StringComparison.Ordinal)) ?? "" : "";

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}
