using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;

namespace Evidence.Web.Http;

/// <summary>
/// Pages' forms carry antiforgery tokens (Razor Pages checks them). The API also accepts the browser's cookie (the
/// upload page calls it), so a state-changing API call made with the cookie must carry the token in X-CSRF-TOKEN:
/// another site can make the browser send the cookie, never the token. Bearer-token calls carry no ambient credential.
/// </summary>
internal sealed class ApiAntiforgery(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, IAntiforgery antiforgery, ILogger<ApiAntiforgery> log)
    {
        var byCookie = context.User.Identity is { IsAuthenticated: true, AuthenticationType: var type } && type == IdentityConstants.ApplicationScheme;
        if (byCookie && context.Request.Path.StartsWithSegments("/api") && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                log.LogWarning("Refused {Method} {Path} from {User}: no valid antiforgery token", context.Request.Method, context.Request.Path, context.User.Identity?.Name);
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await Results.Problem(statusCode: 400, title: "Missing or invalid antiforgery token.",
                    detail: "A browser request that changes something must carry the page's X-CSRF-TOKEN header; nothing was recorded.").ExecuteAsync(context);
                return;
            }
        }
        await next(context);
    }
}
