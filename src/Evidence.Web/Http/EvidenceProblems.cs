using Evidence.Data;
using Evidence.Requests;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Evidence.Web.Http;

/// <summary>
/// Maps the core's typed failures to ProblemDetails, once (STYLE rule 4): bad input 400, not found 404, forbidden
/// 403, unavailable 503, a body over the limit 413. Every one of them means nothing was recorded.
/// <para>
/// The title, the detail and the problems are in the request's language (as its pages are: the user's choice, the
/// browser's cookie, Accept-Language; English without one), translated by <see cref="Localization.Refusals"/>;
/// <c>code</c> names the kind of failure in words that never change, for scripts.
/// </para>
/// </summary>
internal sealed class EvidenceProblems(IProblemDetailsService problems, ILogger<EvidenceProblems> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (Data.DatabaseFailures.Describe(exception) is { } failure)
        {
            // Outside the request pipeline (signing in): nothing was written.
            if (Data.Sqlite.IsDamaged(exception))
            {
                log.LogCritical("The database file is damaged; restore it from a backup: {Message}", exception.Message);
            }
            exception = failure;
        }
        var (status, code, title) = Describe(exception);
        if (status == 0)
        {
            return false;
        }
        if (exception is ForbiddenException)
        {
            log.LogWarning("Denied {Method} {Path} to {User}", context.Request.Method, context.Request.Path, context.User.Identity?.Name);
        }
        context.Response.StatusCode = status;
        // A body that is not the JSON asked for: the serializer's message says which field and where.
        var detail = exception is BadHttpRequestException { InnerException: System.Text.Json.JsonException json } ? $"{exception.Message} {json.Message}" : exception.Message;
        var language = Localization.Languages.Of(context);
        var details = new ProblemDetails { Status = status, Title = Localization.Refusals.Translate(title, language), Detail = Localization.Refusals.Translate(detail, language) };
        details.Extensions["code"] = code;
        if (exception is InvalidRequestException { Problems.Count: > 0 } invalid)
        {
            // The message is the sentence, then its problems as lines (Requests/Errors.cs); each is translated on its own.
            var listed = Environment.NewLine + string.Join(Environment.NewLine, invalid.Problems.Select(p => "  - " + p));
            var sentence = invalid.Message.EndsWith(listed, StringComparison.Ordinal) ? invalid.Message[..^listed.Length] : invalid.Message;
            details.Detail = Localization.Refusals.Translate(sentence, invalid.Problems, language);
            details.Extensions["problems"] = invalid.Problems.Select(p => Localization.Refusals.Translate(p, language)).ToList();
        }
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details, Exception = exception });
    }

    public static int StatusOf(Exception exception) => Describe(exception).Status;

    /// <summary>The status, the code scripts can rely on, and the title (English; translated per request).</summary>
    private static (int Status, string Code, string Title) Describe(Exception exception) => exception switch
        {
            InvalidRequestException => (StatusCodes.Status400BadRequest, "invalid-request", "The request was refused; nothing was recorded."),
            NotFoundException => (StatusCodes.Status404NotFound, "not-found", "Not found."),
            ForbiddenException => (StatusCodes.Status403Forbidden, "forbidden", "Your role may not do this."),
            UnavailableException => (StatusCodes.Status503ServiceUnavailable, "unavailable", "Temporarily unavailable; nothing was recorded. Try again."),
            Crypto.DamagedBlobException => (StatusCodes.Status500InternalServerError, "damaged-evidence", "The stored evidence does not open as it was stored; none of it was handed out. An auditor should run `evidence verify`."),
            Ingest.UploadTooLargeException => (StatusCodes.Status413PayloadTooLarge, "too-large", "The upload is larger than this server accepts."),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, "too-large", "The upload is larger than this server accepts."),
            BadHttpRequestException bad => (bad.StatusCode, "unreadable", "The request could not be read."),
            _ => (0, "", ""),
        };
}
