using System.Security.Claims;
using System.Text.Encodings.Web;
using Evidence.Accounts;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Web.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Evidence.Web.Accounts;

/// <summary>The claims every signed-in principal carries, whether from the cookie or a token: name, role, office.</summary>
internal static class EvidenceClaims
{
    public const string Office = "evidence:office";

    public static IEnumerable<Claim> For(EvidenceUser user)
    {
        yield return new Claim(ClaimTypes.Role, user.Role.ToString());
        if (user.Office is { } office)
        {
            yield return new Claim(Office, office.ToString());
        }
    }

    /// <summary>The actor custody events record for this principal.</summary>
    public static Actor ToActor(ClaimsPrincipal principal) => new(
        principal.Identity?.Name ?? throw new InvalidOperationException("A signed-in principal has a name."),
        Enum.Parse<Role>(principal.FindFirstValue(ClaimTypes.Role) ?? throw new InvalidOperationException("A signed-in principal has a role.")),
        principal.FindFirstValue(Office) is { } office ? Enum.Parse<RecipientKind>(office) : null);
}

/// <summary>Adds the role and office to the cookie's principal when a user signs in.</summary>
internal sealed class EvidenceClaimsFactory(UserManager<EvidenceUser> users, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<EvidenceUser>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(EvidenceUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaims(EvidenceClaims.For(user));
        if (user.Language is { } language)
        {
            identity.AddClaim(new Claim(Localization.Languages.Claim, language));
        }
        if (user.MustChangePassword)
        {
            identity.AddClaim(new Claim(ActorFromUser.MustChangePassword, "true"));
        }
        if (TwoFactor.RequiredFor(user.Role) && !user.TwoFactorEnabled)
        {
            identity.AddClaim(new Claim(TwoFactor.MustEnrol, "true"));
        }
        return identity;
    }
}

/// <summary>
/// `Authorization: Bearer evd_...`: a personal API token, looked up by its hash. A token of a deleted user, or
/// one that was never issued, fails authentication (401) the same way. The password lockout (five wrong passwords,
/// 15 minutes) does not apply: it slows guessing of a password, and a token is 256 random bits that nobody guesses, so
/// locking it would only let anyone who knows a user name stop that user's scripts. Deleting the user revokes it.
/// </summary>
internal sealed class ApiTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, UserAccounts accounts)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        var user = await accounts.FindByTokenAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (user is null)
        {
            Logger.LogWarning("Refused an unknown or revoked API token from {Address}", Context.Connection.RemoteIpAddress);
            return AuthenticateResult.Fail("The API token is not valid.");
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user.Id), new Claim(ClaimTypes.Name, user.UserName!), .. EvidenceClaims.For(user)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
