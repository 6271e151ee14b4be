using Evidence.Custody;
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
        catch (Exception e) when (e is not EvidenceException && Data.Sqlite.IsDamaged(e))
        {
            await unitOfWork.AbandonAsync();
            throw UnavailableException.DatabaseDamaged(e);
        }
        catch (Exception e) when (e is not EvidenceException && (Data.Postgres.IsUnavailable(e) || Data.Sqlite.IsBusy(e)))
        {
            // A read before the commit: nothing was written, and the caller gets the same clear error as a failed commit.
            await unitOfWork.AbandonAsync();
            throw UnavailableException.DatabaseUnreachable(e);
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
