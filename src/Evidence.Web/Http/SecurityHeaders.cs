namespace Evidence.Web.Http;

/// <summary>
/// Headers on every response: scripts and styles only from this origin (no inline code, so an injected tag does
/// nothing), never framed, no MIME sniffing, no referrer leaving the site.
/// </summary>
internal sealed class SecurityHeaders(RequestDelegate next)
{
    public const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        // Just before the response starts, not now: the exception handler clears the headers of a failed response, and a
        // refusal's body (which may quote what a user typed) needs them as much as a page. An endpoint that sets one of
        // them for itself keeps its own (a preview's sandbox policy, a PDF framed by this site only).
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.TryAdd("Content-Security-Policy", Policy);
            headers.TryAdd("X-Content-Type-Options", "nosniff");
            headers.TryAdd("X-Frame-Options", "DENY");
            headers.TryAdd("Referrer-Policy", "no-referrer");
            headers.TryAdd("Cross-Origin-Opener-Policy", "same-origin");
            headers.TryAdd("Cache-Control", "no-store");
            return Task.CompletedTask;
        });
        return next(context);
    }
}
