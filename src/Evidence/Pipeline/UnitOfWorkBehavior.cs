using Evidence.Custody;
using Evidence.Data;
using MediatR;

namespace Evidence.Pipeline;

/// <summary>
/// One database transaction per request: the handler's rows, blobs and custody events land together.
/// The checkpoint the commit produced is then timestamped, outside the transaction.
/// </summary>
internal sealed class UnitOfWorkBehavior<TRequest, TResponse>(UnitOfWork unitOfWork, CheckpointTimestamps timestamps) : IPipelineBehavior<TRequest, TResponse>
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
        if (unitOfWork.Checkpoint is { } checkpoint)
        {
            await timestamps.TryStampAsync(checkpoint, cancellationToken);
        }
        return response;
    }
}
