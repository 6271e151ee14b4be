using System.Security.Claims;
using Evidence.Requests;
using Evidence.Web.Accounts;

namespace Evidence.Web.Http;

/// <summary>
/// Makes the signed-in user the actor of the request's scope, so every request sent from here records who acted.
/// A user still holding a printed one-time password is sent to change it before any page; then an admin or prosecutor
/// without two-factor sign-in is sent to enrol, and until they have, their cookie opens no API route either (a password
/// alone must not reach what the second factor guards). An API token is unaffected: it is a credential of its own.
/// </summary>
internal sealed class ActorFromUser(RequestDelegate next)
{
    public const string MustChangePassword = "evidence:must-change-password";

    public Task InvokeAsync(HttpContext context, CurrentActor actor, ILogger<ActorFromUser> log)
    {
        if (context.User.Identity?.IsAuthenticated == true)
        {
            actor.Value = EvidenceClaims.ToActor(context.User);
            var path = context.Request.Path;
            var page = !path.StartsWithSegments("/api") && !path.StartsWithSegments("/Account") && !path.StartsWithSegments("/assets");
            if (context.User.HasClaim(MustChangePassword, "true") && page)
            {
                context.Response.Redirect("/Account/ChangePassword");
                return Task.CompletedTask;
            }
            // Only a cookie carries this claim (Accounts/Authentication.cs); a token's principal never does.
            if (context.User.HasClaim(TwoFactor.MustEnrol, "true"))
            {
                if (page)
                {
                    context.Response.Redirect("/Account/TwoFactor");
                    return Task.CompletedTask;
                }
                if (path.StartsWithSegments("/api"))
                {
                    log.LogWarning("Denied {Method} {Path} to {User}, who has not enrolled in two-factor sign-in", context.Request.Method, path, actor.Value.Name);
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                }
            }
        }
        return next(context);
    }
}
