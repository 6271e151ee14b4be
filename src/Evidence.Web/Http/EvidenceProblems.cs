using Evidence.Data;
using Evidence.Requests;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Evidence.Web.Http;

/// <summary>
/// Maps the core's typed failures to ProblemDetails, once (STYLE rule 4): bad input 400, not found 404, forbidden
/// 403, unavailable 503, a body over the limit 413. Every one of them means nothing was recorded.
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
        var (status, title) = Describe(exception);
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
        var details = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (exception is InvalidRequestException { Problems.Count: > 0 } invalid)
        {
            details.Extensions["problems"] = invalid.Problems;
        }
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details, Exception = exception });
    }

    public static int StatusOf(Exception exception) => Describe(exception).Status;

    private static (int Status, string Title) Describe(Exception exception) => exception switch
        {
            InvalidRequestException => (StatusCodes.Status400BadRequest, "The request was refused; nothing was recorded."),
            NotFoundException => (StatusCodes.Status404NotFound, "Not found."),
            ForbiddenException => (StatusCodes.Status403Forbidden, "Your role may not do this."),
            UnavailableException => (StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable; nothing was recorded. Try again."),
            Ingest.UploadTooLargeException => (StatusCodes.Status413PayloadTooLarge, "The upload is larger than this server accepts."),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, "The upload is larger than this server accepts."),
            BadHttpRequestException bad => (bad.StatusCode, "The request could not be read."),
            _ => (0, ""),
        };
}
