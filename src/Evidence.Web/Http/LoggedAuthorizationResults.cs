using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Evidence.Web.Http;

/// <summary>Every request refused by authentication or an endpoint policy is logged (ARCHITECTURE §7), then refused as usual.</summary>
internal sealed class LoggedAuthorizationResults(ILogger<LoggedAuthorizationResults> log) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler standard = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged)
        {
            log.LogWarning("Refused anonymous {Method} {Path} from {Address}", context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress);
        }
        else if (authorizeResult.Forbidden)
        {
            log.LogWarning("Denied {Method} {Path} to {User}", context.Request.Method, context.Request.Path, context.User.Identity?.Name);
        }
        return standard.HandleAsync(next, context, policy, authorizeResult);
    }
}
