using System.Security.Claims;
using Evidence.Requests;
using Evidence.Web.Accounts;

namespace Evidence.Web.Http;

/// <summary>
/// Makes the signed-in user the actor of the request's scope, so every request sent from here records who acted.
/// A user still holding a printed one-time password is sent to change it before any page.
/// </summary>
internal sealed class ActorFromUser(RequestDelegate next)
{
    public const string MustChangePassword = "evidence:must-change-password";

    public Task InvokeAsync(HttpContext context, CurrentActor actor)
    {
        if (context.User.Identity?.IsAuthenticated == true)
        {
            actor.Value = EvidenceClaims.ToActor(context.User);
            if (context.User.HasClaim(MustChangePassword, "true") && !context.Request.Path.StartsWithSegments("/api")
                && !context.Request.Path.StartsWithSegments("/Account") && !context.Request.Path.StartsWithSegments("/assets"))
            {
                context.Response.Redirect("/Account/ChangePassword");
                return Task.CompletedTask;
            }
        }
        return next(context);
    }
}
