using Evidence.Data;
using MediatR;

namespace Evidence.Pipeline;

/// <summary>
/// The handler's rows, blobs and custody events land together or not at all: committed with whatever other requests are
/// waiting (<see cref="GroupCommit"/>), each in its own savepoint, and timestamped once per batch.
/// </summary>
internal sealed class UnitOfWorkBehavior<TRequest, TResponse>(UnitOfWork unitOfWork) : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        TResponse response;
        try
        {
            response = await next();
        }
        catch (Exception e) when (DatabaseFailures.Describe(e) is { } failure)
        {
            // A read before the commit failed: nothing was written, and the caller gets the same clear error as a failed commit.
            await unitOfWork.AbandonAsync();
            throw failure;
        }
        catch
        {
            await unitOfWork.AbandonAsync();
            throw;
        }
        await unitOfWork.CommitAsync(cancellationToken);
        return response;
    }
}
