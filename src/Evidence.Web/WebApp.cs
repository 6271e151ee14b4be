using Evidence.Data;
using Evidence.Requests;
using Evidence.Accounts;
using Evidence.Web.Accounts;
using Evidence.Web.Api;
using Evidence.Web.Http;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Web;

/// <summary>
/// The web app of ARCHITECTURE §8: a JSON API and server-rendered pages over the same MediatR requests the CLI
/// sends. Authentication decides who the actor is; what each role may do is decided by the requests themselves
/// (their <see cref="Access.AllowedRolesAttribute"/> and the core's visibility rules), never here.
/// </summary>
public static class WebApp
{
    /// <summary>Builds the app for one installation, its database migrated and its stores ready, listening on <paramref name="urls"/>.</summary>
    public static async Task<WebApplication> BuildAsync(EvidenceSettings settings, string urls, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        Storage.HomeFolder.Prepare(settings);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(WebApp).Assembly.GetName().Name });
        builder.WebHost.UseKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = settings.MaxUploadBytes + (1 << 20)).UseUrls(urls);
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);

        var services = builder.Services;
        services.AddEvidence(settings);
        services.AddIdentityCore<EvidenceUser>(options =>
            {
                options.Password.RequiredLength = 12;
                options.Password.RequireNonAlphanumeric = false;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                options.Lockout.AllowedForNewUsers = true;
                options.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_@";
            })
            .AddEntityFrameworkStores<AccountsDbContext>()
            .AddSignInManager()
            .AddClaimsPrincipalFactory<EvidenceClaimsFactory>()
            // Two-factor sign-in with an authenticator app, each code accepted once (Accounts/README.md).
            .AddTokenProvider<OnceOnlyAuthenticatorCodes>(TokenOptions.DefaultAuthenticatorProvider)
            .AddErrorDescriber<LocalizedIdentityErrors>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = "Evidence";
                options.DefaultChallengeScheme = "Evidence";
            })
            // A bearer header means a token; anything else is the browser's cookie.
            .AddPolicyScheme("Evidence", "Cookie or API token", policy => policy.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? ApiTokenHandler.SchemeName
                    : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(ApiTokenHandler.SchemeName, null)
            .AddCookie(IdentityConstants.ApplicationScheme, cookie =>
            {
                cookie.LoginPath = "/Account/SignIn";
                cookie.AccessDeniedPath = "/Account/Denied";
                cookie.Cookie.Name = "evidence.session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
                cookie.SlidingExpiration = true;
                // Scripts get status codes, not a sign-in page.
                cookie.Events.OnRedirectToLogin = context => ApiOr(context, StatusCodes.Status401Unauthorized);
                cookie.Events.OnRedirectToAccessDenied = context => ApiOr(context, StatusCodes.Status403Forbidden);
                // A deleted user's cookie stops working at their next request (a role change applies at once).
                cookie.Events.OnValidatePrincipal = SecurityStampValidator.ValidatePrincipalAsync;
            })
            // Never issued (no browser is remembered: every sign-in asks for the code), but the stamp validator signs it out
            // with the rejected cookie, and without a handler for it that sign-out was a 500 instead of a sign-in page or a 401.
            .AddCookie(IdentityConstants.TwoFactorRememberMeScheme, cookie => cookie.Cookie.Name = "evidence.2fa")
            // Between the password and the code: who passed the password, for five minutes, and nothing else.
            .AddCookie(IdentityConstants.TwoFactorUserIdScheme, cookie =>
            {
                cookie.Cookie.Name = "evidence.2fa-pending";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = TimeSpan.FromMinutes(5);
            });
        // Every request checks the user still exists and has the same security stamp: one indexed read, as a token costs.
        services.Configure<SecurityStampValidatorOptions>(options => options.ValidationInterval = TimeSpan.Zero);
        services.Configure<ForwardedHeadersOptions>(options => TrustProxies(options, settings.TrustedProxies));
        services.AddAuthorizationBuilder()
            // Signed in is all the web app asks; what each role may do is the requests' own rule (Access/Policy).
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, LoggedAuthorizationResults>();
        services.AddAntiforgery(options =>
        {
            options.HeaderName = "X-CSRF-TOKEN";
            // Http/SecurityHeaders sends DENY; antiforgery's own SAMEORIGIN would come first and win.
            options.SuppressXFrameOptionsHeader = true;
            options.Cookie.Name = "evidence.antiforgery";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.Configure<FormOptions>(options =>
        {
            options.MultipartBodyLengthLimit = settings.MaxUploadBytes + (1 << 20);
            // A sheet check names each chosen file in a field of its own, up to CheckMetadataSheet.MaxFiles (the default of 1,024
            // fields answered 500 for a bigger choice); the ingest fields and the sheet come on top.
            options.ValueCountLimit = Ingest.CheckMetadataSheet.MaxFiles + 100;
        });
        services.AddProblemDetails();
        services.AddExceptionHandler<EvidenceProblems>();
        // The same contract as the CLI's --json (Requests/EvidenceJson).
        services.ConfigureHttpJsonOptions(json => EvidenceJson.Configure(json.SerializerOptions));
        // Unreadable bodies reach EvidenceProblems, whose answer says what was wrong; otherwise they get a bare 400.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddOpenApi();
        services.AddLocalization(options => options.ResourcesPath = "Resources");
        // The shared texts also translate the core's refusals by their templates (Localization/Refusals).
        services.AddSingleton<Microsoft.Extensions.Localization.IStringLocalizer<Localization.Texts>, Localization.TextsLocalizer>();
        // Cyrillic as letters, not as &#x...; entities: pages stay readable in their source and half the size. Markup
        // characters (< > & " ') are encoded whatever the range.
        services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(options =>
            options.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        services.Configure<RequestLocalizationOptions>(Localization.Languages.Configure);
        services.AddRazorPages(pages =>
        {
            pages.Conventions.AllowAnonymousToPage("/Account/SignIn");
            pages.Conventions.AllowAnonymousToPage("/Account/SignInCode");
            pages.Conventions.AllowAnonymousToPage("/Account/Denied");
            pages.Conventions.AllowAnonymousToPage("/Account/Language");
        }).AddViewLocalization();

        var app = builder.Build();
        try
        {
            await EvidenceServices.PrepareAsync(app.Services, cancellationToken);
        }
        catch (Exception e) when (Data.DatabaseFailures.Describe(e, settings.DatabasePath) is { } failure)
        {
            // The server does not start on a damaged, locked or unreachable database: `serve` says so and exits 2.
            await app.DisposeAsync();
            throw failure;
        }

        // First: behind the TLS proxy of docs/deploy.md the request is https, so cookies are Secure (SameAsRequest).
        app.UseForwardedHeaders();
        app.UseMiddleware<SecurityHeaders>();
        app.UseExceptionHandler();
        app.UseStatusCodePages(StatusPages.AnswerAsync);
        app.UseAuthentication();
        // After authentication: a signed-in user's own choice of language comes with their sign-in.
        app.UseRequestLocalization();
        app.UseAuthorization();
        app.UseMiddleware<ActorFromUser>();
        app.UseMiddleware<ApiAntiforgery>();

        app.MapOpenApi().AllowAnonymous();
        Assets.Map(app);
        ApiRoutes.Map(app.MapGroup("/api"));
        TransparencyLogApi.Map(app.MapGroup("/log"));
        app.MapRazorPages();
        return app;
    }

    /// <summary>
    /// Creates the first admin when there is no user yet, on behalf of <paramref name="operatorName"/> (who started the
    /// server); the password is shown once, by the caller.
    /// </summary>
    public static async Task<NewAccount?> EnsureFirstAdminAsync(WebApplication app, string operatorName, CancellationToken cancellationToken)
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor(operatorName, Role.Admin);
        return await scope.ServiceProvider.GetRequiredService<MediatR.IMediator>().Send(new CreateFirstAdmin(), cancellationToken);
    }

    /// <summary>
    /// X-Forwarded-For and X-Forwarded-Proto are believed from these proxies only (by default, one on this machine), so
    /// a client cannot claim https or another address for itself.
    /// </summary>
    private static void TrustProxies(ForwardedHeadersOptions options, IReadOnlyList<string> proxies)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        if (proxies.Count == 0)
        {
            return; // ASP.NET Core's default: loopback only
        }
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in proxies)
        {
            if (System.Net.IPNetwork.TryParse(proxy, out var network))
            {
                options.KnownIPNetworks.Add(network);
            }
            else if (System.Net.IPAddress.TryParse(proxy, out var address))
            {
                options.KnownProxies.Add(address);
            }
            else
            {
                throw new InvalidRequestException($"EVIDENCE_TRUSTED_PROXIES holds '{proxy}', which is neither an IP address nor a network (10.0.0.0/8).");
            }
        }
    }

    private static Task ApiOr(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
