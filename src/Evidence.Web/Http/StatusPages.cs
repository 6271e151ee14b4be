using System.Net;
using Evidence.Web.Localization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Evidence.Web.Http;

/// <summary>
/// The answer to a failure that has no body of its own (an unknown address, a denied API call, a method the address does
/// not take), in the request's language: a small HTML page with its &lt;html lang&gt; for a browser, ProblemDetails with
/// a stable <c>code</c> for anything else, as <see cref="EvidenceProblems"/> answers the core's refusals.
/// </summary>
internal static class StatusPages
{
    public static async Task AnswerAsync(StatusCodeContext status)
    {
        var context = status.HttpContext;
        var code = context.Response.StatusCode;
        var language = Languages.Of(context);
        var (machine, english) = Describe(code);
        var title = Refusals.Translate(english, language);
        if (WantsHtml(context.Request))
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            // Every text is encoded: the title is this table's, but nothing of the request is ever echoed unencoded.
            var home = Refusals.Translate("Back to the start page", language);
            await context.Response.WriteAsync(
                "<!DOCTYPE html>\n" +
                $"<html lang=\"{language}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
                $"<title>{code} · {WebUtility.HtmlEncode(title)}</title>\n<link rel=\"stylesheet\" href=\"/assets/site.css\">\n</head>\n" +
                $"<body>\n<main>\n<h1>{WebUtility.HtmlEncode(title)}</h1>\n<p>HTTP {code}</p>\n<p><a href=\"/\">{WebUtility.HtmlEncode(home)}</a></p>\n</main>\n</body>\n</html>\n",
                context.RequestAborted);
            return;
        }
        var details = new ProblemDetails { Status = code, Title = title };
        details.Extensions["code"] = machine;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details }))
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync($"{code} {title}", context.RequestAborted);
        }
    }

    /// <summary>A browser asks for HTML by name; a script asks for JSON or for anything (*/*), and gets JSON.</summary>
    private static bool WantsHtml(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase) && a.Quality is not 0);

    private static (string Code, string Title) Describe(int status) => status switch
    {
        StatusCodes.Status400BadRequest => ("unreadable", "The request could not be read."),
        StatusCodes.Status401Unauthorized => ("unauthorized", "Sign in first."),
        StatusCodes.Status403Forbidden => ("forbidden", "Your role may not do this."),
        StatusCodes.Status404NotFound => ("not-found", "Not found."),
        StatusCodes.Status405MethodNotAllowed => ("method-not-allowed", "This address does not take that kind of request."),
        StatusCodes.Status413PayloadTooLarge => ("too-large", "The upload is larger than this server accepts."),
        StatusCodes.Status415UnsupportedMediaType => ("unsupported-media-type", "The request's body is not of a type this address reads."),
        StatusCodes.Status429TooManyRequests => ("too-many-requests", "Too many requests; wait a moment and try again."),
        >= 500 => ("server-error", "The server could not answer; nothing was recorded. Try again."),
        _ => ("error", "The request was not carried out."),
    };
}
