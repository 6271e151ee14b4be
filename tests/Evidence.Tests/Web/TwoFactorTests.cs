using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Evidence.Data;
using Evidence.Tests.Fixtures;
using Evidence.Web.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;

namespace Evidence.Tests.Web;

/// <summary>
/// Two-factor sign-in (issue 18, item 6) over real HTTP, with codes computed here by Otp.NET from the key the page shows, as
/// an authenticator app computes them: admins and prosecutors enrol before any page, a wrong code enables nothing and counts
/// toward the lockout, each code and each recovery code works once, an admin's reset is a custody event, and API tokens
/// are untouched.
/// </summary>
public sealed partial class TwoFactorTests
{
    /// <summary>The server's own TOTP against RFC 6238's SHA-1 test vectors (Appendix B; their last six digits).</summary>
    [Theory]
    [InlineData(59, "287082")]
    [InlineData(1111111109, "081804")]
    [InlineData(1111111111, "050471")]
    [InlineData(1234567890, "005924")]
    [InlineData(2000000000, "279037")]
    [InlineData(20000000000, "353130")]
    public void Code_MatchesTheRfc6238TestVectors(long unixTime, string expected)
    {
        var secret = "12345678901234567890"u8.ToArray();
        Assert.Equal(expected, OnceOnlyAuthenticatorCodes.Code(secret, unixTime / 30));
        Assert.Equal(secret, Base32.Decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
    }

    [Fact]
    public async Task Prosecutor_MustEnrolBeforeAnyPage_AndTheirCookieOpensNoApiUntilThen()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = new Browser(scenario.Server);
        var password = await browser.FirstSignInAsync(scenario.IccProsecutor);

        var pages = new List<string?>();
        foreach (var path in new[] { "/", "/incidents", "/packages", $"/evidence/{scenario.Item}" })
        {
            using var response = await browser.Client.GetAsync(path);
            pages.Add(response.Headers.Location?.OriginalString);
        }
        using var apiWithCookie = await browser.Client.GetAsync("/api/packages");
        using var apiWithToken = await scenario.Server.Client(scenario.IccProsecutor).GetAsync("/api/packages");

        Assert.All(pages, location => Assert.Equal("/Account/TwoFactor", location));
        Assert.Equal(HttpStatusCode.Forbidden, apiWithCookie.StatusCode);
        Assert.Equal(HttpStatusCode.OK, apiWithToken.StatusCode);

        // Once enrolled, the same session goes anywhere its role may.
        await browser.EnrolAsync();
        using var after = await browser.Client.GetAsync("/packages");
        using var apiAfter = await browser.Client.GetAsync("/api/packages");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(HttpStatusCode.OK, apiAfter.StatusCode);
        Assert.NotEmpty(password);
    }

    [Fact]
    public async Task Enrol_WithAWrongCode_IsRefused_AndNothingIsEnabled()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = new Browser(scenario.Server);
        var password = await browser.FirstSignInAsync(scenario.IccProsecutor);
        var page = await browser.Client.GetStringAsync("/Account/TwoFactor");
        var key = Key(page);
        var wrong = WrongCode(key);

        var refused = await browser.PostAsync("/Account/TwoFactor", page, ("Code", wrong));

        Assert.Contains("id=\"enrol-code-error\"", refused, StringComparison.Ordinal);
        Assert.Contains("The code is wrong or has expired.", refused, StringComparison.Ordinal);
        Assert.Contains($"value=\"{wrong}\"", refused, StringComparison.Ordinal); // what was typed comes back
        Assert.DoesNotContain("id=\"recovery-codes\"", refused, StringComparison.Ordinal);
        // Signing in again asks for no code, and sends the user back to enrol, with the same key.
        using var again = new Browser(scenario.Server);
        var answer = await again.SignInAsync(scenario.IccProsecutor.Name, password);
        Assert.Equal("/", answer.Location);
        using var home = await again.Client.GetAsync("/");
        Assert.Equal("/Account/TwoFactor", home.Headers.Location?.OriginalString);
        Assert.Equal(key, Key(await again.Client.GetStringAsync("/Account/TwoFactor")));
    }

    [Fact]
    public async Task SignIn_AfterEnrolment_NeedsTheCode_AndWrongCodesLockTheAccount()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var first = new Browser(scenario.Server);
        var password = await first.FirstSignInAsync(scenario.IccProsecutor);
        var enrolled = await first.EnrolAsync();

        using var browser = new Browser(scenario.Server);
        var answer = await browser.SignInAsync(scenario.IccProsecutor.Name, password);
        Assert.StartsWith("/Account/SignInCode", answer.Location, StringComparison.Ordinal);
        // The password alone is no session.
        using var home = await browser.Client.GetAsync("/");
        Assert.Equal("/Account/SignIn", home.Headers.Location?.AbsolutePath);
        using var api = await browser.Client.GetAsync("/api/packages");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);

        var codePage = await browser.Client.GetStringAsync(answer.Location);
        var refusals = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            refusals.Add(await browser.PostAsync(answer.Location!, codePage, ("Code", WrongCode(enrolled.Key))));
        }
        var right = await browser.PostCodeAsync(answer.Location!, codePage, NextCode(enrolled.Key));

        Assert.All(refusals[..4], page => Assert.Contains("id=\"code-error\"", page, StringComparison.Ordinal));
        Assert.Contains("This account is locked", refusals[4], StringComparison.Ordinal);
        Assert.Null(right.Location); // refused: still locked
        Assert.Contains("This account is locked", right.Page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_WithTheRightCode_Succeeds_AndTheSameCodeNeverWorksTwice()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var first = new Browser(scenario.Server);
        var password = await first.FirstSignInAsync(scenario.IccProsecutor);
        var enrolled = await first.EnrolAsync();
        var code = NextCode(enrolled.Key);

        using var browser = new Browser(scenario.Server);
        var signedIn = await browser.SignInWithCodeAsync(scenario.IccProsecutor.Name, password, code);
        using var packages = await browser.Client.GetAsync("/packages");
        using var replay = new Browser(scenario.Server);
        var replayed = await replay.SignInWithCodeAsync(scenario.IccProsecutor.Name, password, code);

        Assert.Equal("/", signedIn.Location);
        Assert.Equal(HttpStatusCode.OK, packages.StatusCode);
        // Identity alone would accept the code again for as long as it is valid; the server keeps the step it accepted.
        Assert.Null(replayed.Location);
        Assert.Contains("id=\"code-error\"", replayed.Page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecoveryCode_WorksOnce_NotTwice()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var first = new Browser(scenario.Server);
        var password = await first.FirstSignInAsync(scenario.Admin);
        var enrolled = await first.EnrolAsync();
        Assert.Equal(10, enrolled.RecoveryCodes.Count);
        Assert.Equal(10, enrolled.RecoveryCodes.Distinct().Count());

        var once = await SignInWithRecoveryCodeAsync(scenario, password, enrolled.RecoveryCodes[3].ToLowerInvariant()); // as typed, in any case
        var twice = await SignInWithRecoveryCodeAsync(scenario, password, enrolled.RecoveryCodes[3]);
        var another = await SignInWithRecoveryCodeAsync(scenario, password, enrolled.RecoveryCodes[7]);

        Assert.Equal("/", once.Location);
        Assert.Null(twice.Location);
        Assert.Contains("id=\"recovery-code-error\"", twice.Page, StringComparison.Ordinal);
        Assert.Contains("already been used", twice.Page, StringComparison.Ordinal);
        Assert.Equal("/", another.Location);
        // The two-factor page of the signed-in admin counts what is left, and never shows the key again.
        using var browser = new Browser(scenario.Server);
        await browser.SignInWithRecoveryCodeAsync(scenario.Admin.Name, password, enrolled.RecoveryCodes[0]);
        var status = await browser.Client.GetStringAsync("/Account/TwoFactor");
        Assert.Contains("You have 7 unused recovery codes", status, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"key\"", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiToken_OfAProsecutorWithTwoFactor_StillWorks()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = new Browser(scenario.Server);
        await browser.FirstSignInAsync(scenario.IccProsecutor);
        await browser.EnrolAsync();

        using var token = scenario.Server.Client(scenario.IccProsecutor);
        using var packages = await token.GetAsync("/api/packages");
        using var download = await token.GetAsync($"/api/packages/{scenario.Package}/download");

        Assert.Equal(HttpStatusCode.OK, packages.StatusCode);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
    }

    [Fact]
    public async Task Investigator_IsNotForced_ButMayEnrol_AndThenNeedsTheCode()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = new Browser(scenario.Server);
        var password = await browser.FirstSignInAsync(scenario.Investigator);
        using var home = await browser.Client.GetAsync("/");
        var offered = await browser.Client.GetStringAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("href=\"/Account/TwoFactor\"", offered, StringComparison.Ordinal);

        await browser.EnrolAsync();
        using var again = new Browser(scenario.Server);
        var answer = await again.SignInAsync(scenario.Investigator.Name, password);

        Assert.StartsWith("/Account/SignInCode", answer.Location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminReset_IsACustodyEvent_EndsTheSessions_AndTheProsecutorEnrolsAgain()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = new Browser(scenario.Server);
        var password = await browser.FirstSignInAsync(scenario.IccProsecutor);
        var enrolled = await browser.EnrolAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        using var admin = scenario.Server.Client(scenario.Admin);

        using var refused = await investigator.PostAsync($"/api/users/{scenario.IccProsecutor.Name}/two-factor/reset", null);
        using var still = await browser.Client.GetAsync("/packages");
        using var reset = await admin.PostAsync($"/api/users/{scenario.IccProsecutor.Name}/two-factor/reset", null);
        using var ended = await browser.Client.GetAsync("/packages");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal("/Account/SignIn", ended.Headers.Location?.AbsolutePath);
        // The password alone signs in again, straight to a new enrolment with a new key.
        using var again = new Browser(scenario.Server);
        Assert.Equal("/", (await again.SignInAsync(scenario.IccProsecutor.Name, password)).Location);
        using var home = await again.Client.GetAsync("/");
        Assert.Equal("/Account/TwoFactor", home.Headers.Location?.OriginalString);
        Assert.NotEqual(enrolled.Key, Key(await again.Client.GetStringAsync("/Account/TwoFactor")));
        // Recorded under the admin's name, and the ledger still verifies.
        await using var scope = scenario.Server.Services.CreateAsyncScope();
        var events = await scope.ServiceProvider.GetRequiredService<EvidenceDbContext>().CustodyEvents.AsNoTracking()
            .Where(e => e.Action == "UserTwoFactorReset").ToListAsync();
        var recorded = Assert.Single(events);
        Assert.Equal(scenario.Admin.Name, recorded.Actor);
        Assert.Contains(scenario.IccProsecutor.Name, recorded.Details, StringComparison.Ordinal);
        using var auditor = scenario.Server.Client(scenario.Auditor);
        var report = await (await auditor.PostAsync("/api/verify", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(report.GetProperty("clean").GetBoolean(), report.ToString());
    }

    [Fact]
    public async Task UkrainianSignInPage_ShowsUkrainianTexts_AndUkrainianErrorsUnderTheirFields()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = new Browser(scenario.Server, "uk-UA,uk;q=0.9");
        var page = WebUtility.HtmlDecode(await browser.Client.GetStringAsync("/Account/SignIn"));

        var wrong = await browser.PostAsync("/Account/SignIn", page, ("UserName", scenario.Investigator.Name), ("Password", "wrong password"));
        var empty = await browser.PostAsync("/Account/SignIn", page, ("UserName", ""), ("Password", ""));

        Assert.Contains("<h1>Увійти</h1>", page, StringComparison.Ordinal);
        Assert.Contains("Ім’я користувача", page, StringComparison.Ordinal);
        Assert.Contains("<p class=\"error\" id=\"password-error\">Ім’я користувача або пароль неправильні.</p>", wrong, StringComparison.Ordinal);
        Assert.Contains($"value=\"{scenario.Investigator.Name}\"", wrong, StringComparison.Ordinal);
        Assert.Contains("aria-describedby=\"password-error\"", wrong, StringComparison.Ordinal);
        Assert.Contains("<p class=\"error\" id=\"user-name-error\">Введіть ім’я користувача.</p>", empty, StringComparison.Ordinal);
        Assert.Contains("<p class=\"error\" id=\"password-error\">Введіть пароль.</p>", empty, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong password", wrong, StringComparison.Ordinal); // a password never comes back
    }

    /// <summary>Identity's own refusals (a wrong current password, a short new one) in Ukrainian, each under its field.</summary>
    [Fact]
    public async Task UkrainianChangePassword_ShowsIdentitysErrorsInUkrainian_UnderTheirFields()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var browser = new Browser(scenario.Server, "uk");
        var signedIn = await browser.SignInAsync(scenario.Investigator.Name, scenario.Investigator.Password);
        Assert.Equal("/", signedIn.Location);
        var page = await browser.Client.GetStringAsync("/Account/ChangePassword");

        var refused = await browser.PostAsync("/Account/ChangePassword", page, ("Current", "not my password"), ("New", "short1A"));
        var tooShort = await browser.PostAsync("/Account/ChangePassword", page, ("Current", scenario.Investigator.Password), ("New", "short1A"));

        Assert.Contains("<p class=\"error\" id=\"current-error\">Поточний пароль неправильний.</p>", refused, StringComparison.Ordinal);
        Assert.Contains("<p class=\"error\" id=\"new-error\">Пароль має містити щонайменше 12 символів.</p>", tooShort, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"current-error\"", tooShort, StringComparison.Ordinal);
        Assert.Contains("<h1>Оберіть власний пароль</h1>", tooShort, StringComparison.Ordinal);
    }

    private static async Task<(string? Location, string Page)> SignInWithRecoveryCodeAsync(WebScenario scenario, string password, string code)
    {
        using var browser = new Browser(scenario.Server);
        return await browser.SignInWithRecoveryCodeAsync(scenario.Admin.Name, password, code);
    }

    /// <summary>The key as the enrolment page shows it, in groups of four, made whole again.</summary>
    internal static string Key(string page) => KeyOnPage().Match(page).Groups[1].Value.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();

    /// <summary>
    /// The code of the next 30-second step, which the server accepts (one step either side) and which is later than the
    /// step of any code used before it in the same step: each step is accepted once.
    /// </summary>
    internal static string NextCode(string key) => new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(DateTime.UtcNow.AddSeconds(30));

    /// <summary>A code of ten minutes ahead: right for the key, but far outside the window, and so wrong now.</summary>
    private static string WrongCode(string key) => new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(DateTime.UtcNow.AddMinutes(10));

    [GeneratedRegex("<code id=\"key\" class=\"key\">([a-z2-7 ]+)</code>")]
    private static partial Regex KeyOnPage();

    [GeneratedRegex("<li><code>([A-Z0-9-]+)</code></li>")]
    internal static partial Regex RecoveryCodeOnPage();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    /// <summary>A browser over plain HTTP: cookies kept, redirects not followed, forms posted with their antiforgery token.</summary>
    private sealed class Browser : IDisposable
    {
        public Browser(WebServer server, string? acceptLanguage = null)
        {
            Client = server.Client();
            if (acceptLanguage is not null)
            {
                Client.DefaultRequestHeaders.Add("Accept-Language", acceptLanguage);
            }
        }

        public HttpClient Client { get; }

        /// <summary>Posts a form of <paramref name="page"/> and returns the page answered (or the redirect's target, if any).</summary>
        public async Task<string> PostAsync(string path, string page, params (string Name, string Value)[] fields) => (await PostFormAsync(path, page, fields)).Page;

        public async Task<(string? Location, string Page)> PostFormAsync(string path, string page, params (string Name, string Value)[] fields)
        {
            using var response = await Client.PostAsync(path, new FormUrlEncodedContent(
                [.. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)), new("__RequestVerificationToken", FormToken().Match(page).Groups[1].Value)]));
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect, $"{path}: {(int)response.StatusCode}");
            // As a reader sees it: Razor writes the page model's non-ASCII texts as character references.
            return (response.Headers.Location?.OriginalString, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
        }

        public async Task<(string? Location, string Page)> SignInAsync(string name, string password) =>
            await PostFormAsync("/Account/SignIn", await Client.GetStringAsync("/Account/SignIn"), ("UserName", name), ("Password", password));

        public Task<(string? Location, string Page)> PostCodeAsync(string path, string page, string code) => PostFormAsync(path, page, ("Code", code));

        public async Task<(string? Location, string Page)> SignInWithCodeAsync(string name, string password, string code)
        {
            var answer = await SignInAsync(name, password);
            Assert.StartsWith("/Account/SignInCode", answer.Location, StringComparison.Ordinal);
            return await PostCodeAsync(answer.Location!, await Client.GetStringAsync(answer.Location), code);
        }

        public async Task<(string? Location, string Page)> SignInWithRecoveryCodeAsync(string name, string password, string code)
        {
            var answer = await SignInAsync(name, password);
            Assert.StartsWith("/Account/SignInCode", answer.Location, StringComparison.Ordinal);
            var page = await Client.GetStringAsync(answer.Location);
            return await PostFormAsync("/Account/SignInCode?handler=Recovery", page, ("RecoveryCode", code), ("ReturnUrl", "/"));
        }

        /// <summary>Signs in with the printed password and replaces it, as every new user must; returns the new password.</summary>
        public async Task<string> FirstSignInAsync(TestUser user)
        {
            Assert.Equal("/", (await SignInAsync(user.Name, user.Password)).Location);
            var own = user.Password + "Own7";
            var changed = await PostFormAsync("/Account/ChangePassword", await Client.GetStringAsync("/Account/ChangePassword"), ("Current", user.Password), ("New", own));
            Assert.Equal("/", changed.Location);
            return own;
        }

        /// <summary>Enrols from the two-factor page with a code computed from the key it shows; returns the key and recovery codes.</summary>
        public async Task<(string Key, IReadOnlyList<string> RecoveryCodes)> EnrolAsync()
        {
            var page = await Client.GetStringAsync("/Account/TwoFactor");
            var key = Key(page);
            Assert.Equal(32, key.Length);
            Assert.Contains("src=\"data:image/png;base64,", page, StringComparison.Ordinal);
            var done = await PostAsync("/Account/TwoFactor", page, ("Code", new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(DateTime.UtcNow)));
            Assert.Contains("id=\"recovery-codes\"", done, StringComparison.Ordinal);
            return (key, RecoveryCodeOnPage().Matches(done).Select(m => m.Groups[1].Value).ToList());
        }

        public void Dispose() => Client.Dispose();
    }
}
