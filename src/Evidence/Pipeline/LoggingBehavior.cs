using System.Diagnostics;
using Evidence.Requests;
using MediatR;
using Microsoft.Extensions.Logging;

namespace Evidence.Pipeline;

/// <summary>
/// Logs each request's name, outcome and duration. Never the request itself: requests carry file names,
/// notes and identities of children, which must not reach a log file. Handlers log ids and hashes themselves.
/// </summary>
internal sealed class LoggingBehavior<TRequest, TResponse>(ILogger<LoggingBehavior<TRequest, TResponse>> log)
    : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        var name = typeof(TRequest).Name;
        var watch = Stopwatch.StartNew();
        try
        {
            var response = await next();
            log.LogInformation("{Request} succeeded in {ElapsedMs} ms", name, watch.ElapsedMilliseconds);
            return response;
        }
        catch (EvidenceException e)
        {
            log.LogInformation("{Request} refused after {ElapsedMs} ms: {Error}", name, watch.ElapsedMilliseconds, e.GetType().Name);
            throw;
        }
        catch (Exception e)
        {
            log.LogError("{Request} failed after {ElapsedMs} ms: {Error}", name, watch.ElapsedMilliseconds, e.GetType().Name);
            throw;
        }
    }
}
