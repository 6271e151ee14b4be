using System.Text.RegularExpressions;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Web;

/// <summary>
/// Pages read over plain HTTP as a browser would: signed in through the form (replacing the printed password, as every
/// new user must), cookies kept, each form posted with its antiforgery token, in the language the test asks for.
/// </summary>
public sealed partial class CookieBrowser : IDisposable
{
    private readonly HttpClient client;

    private CookieBrowser(HttpClient client) => this.client = client;

    public static async Task<CookieBrowser> SignInAsync(WebServer server, TestUser user, string acceptLanguage = "en")
    {
        var client = server.Client();
        client.DefaultRequestHeaders.Add("Accept-Language", acceptLanguage);
        var browser = new CookieBrowser(client);
        using (var signedIn = await browser.PostAsync("/Account/SignIn", await browser.GetAsync("/Account/SignIn"), ("UserName", user.Name), ("Password", user.Password)))
        {
            Assert.Equal(System.Net.HttpStatusCode.Redirect, signedIn.StatusCode);
        }
        using var changed = await browser.PostAsync("/Account/ChangePassword", await browser.GetAsync("/Account/ChangePassword"),
            ("Current", user.Password), ("New", user.Password + "Own7"));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, changed.StatusCode);
        return browser;
    }

    public async Task<string> GetAsync(string path)
    {
        using var response = await client.GetAsync(path);
        var page = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {page}");
        return page;
    }

    /// <summary>Posts a form of <paramref name="page"/> (for its antiforgery token) with these fields.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, string page, params (string Name, string Value)[] fields) =>
        client.PostAsync(path, new FormUrlEncodedContent([.. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)),
            new("__RequestVerificationToken", FormToken().Match(page).Groups[1].Value)]));

    /// <summary>Any request, with this browser's cookies and language, whatever its answer.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => client.SendAsync(request);

    public void Dispose() => client.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}
