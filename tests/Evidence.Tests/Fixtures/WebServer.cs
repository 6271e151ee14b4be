using System.Net.Http.Headers;
using Evidence.Accounts;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Evidence.Tests.Fixtures;

/// <summary>A user created for a test, with the password and token the server printed.</summary>
public sealed record TestUser(string Name, Role Role, string Password, string Token);

/// <summary>The real web app on a loopback port of its own (real Kestrel, real HTTP), over a fresh home.</summary>
public sealed class WebServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly TestHome home;

    private WebServer(WebApplication app, TestHome home, EvidenceSettings settings, Uri address)
    {
        this.app = app;
        this.home = home;
        Settings = settings;
        Address = address;
    }

    public EvidenceSettings Settings { get; }
    public Uri Address { get; }
    public TestHome Home => home;
    public IServiceProvider Services => app.Services;

    public static async Task<WebServer> StartAsync(Func<EvidenceSettings, EvidenceSettings>? configure = null)
    {
        var home = new TestHome();
        var settings = new EvidenceSettings { Home = System.IO.Path.Combine(home.Path, "home") };
        settings = configure?.Invoke(settings) ?? settings;
        settings = settings with { PostgresDatabase = settings.PostgresDatabase ?? await TestDatabase.ForHomeAsync(settings.Home) };
        var logFile = Environment.GetEnvironmentVariable("EVIDENCE_TEST_WEB_LOG");
        var app = await WebApp.BuildAsync(settings, "http://127.0.0.1:0", logFile is null ? null : logging => logging.AddSimpleConsole());
        await app.StartAsync();
        var address = app.Urls.First();
        return new WebServer(app, home, settings, new Uri(address));
    }

    public async Task<TestUser> AddUserAsync(string name, Role role, RecipientKind? office = null)
    {
        await using var scope = app.Services.CreateAsyncScope();
        // As the operator at the server's console would, through the same request as the admin page.
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("test-operator", Role.Admin);
        var account = await scope.ServiceProvider.GetRequiredService<MediatR.IMediator>().Send(new AddUser(name, role, office));
        return new TestUser(name, role, account.Password, account.Token);
    }

    /// <summary>A client that signs every request with the user's API token; no token for an anonymous client.</summary>
    public HttpClient Client(TestUser? user = null)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = Address };
        if (user is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        await TestDatabase.ReleaseAsync(Settings.Home);
        home.Dispose();
    }
}
