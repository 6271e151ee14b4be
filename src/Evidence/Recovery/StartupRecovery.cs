using Evidence.Custody;
using Evidence.Data;
using Evidence.Ingest;
using Evidence.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Evidence.Recovery;

/// <summary>
/// What a crash can leave behind, removed in one place and one order when an installation starts: staged blobs of an
/// interrupted ingest, blobs and package files stored but never recorded (a process stopped between writing and
/// committing), and resumable uploads that will never complete. Each step removes only what no custody record accounts
/// for; what the signed ledger names is never removed, whatever the tables say.
/// </summary>
internal static class StartupRecovery
{
    public static async Task RunAsync(IServiceProvider provider, CancellationToken cancellationToken)
    {
        await using var scope = provider.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<EvidenceDbContext>();
        var settings = services.GetRequiredService<EvidenceSettings>();
        var blobs = services.GetRequiredService<IBlobStore>();
        var ledger = services.GetRequiredService<Ledger>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StartupRecovery));

        if (await blobs.PrepareAsync(cancellationToken) is > 0 and var staged)
        {
            log.LogWarning("Removed {Count} staged blobs left behind by an interrupted ingest", staged);
        }
        if (await UnrecordedBlobs.RemoveAsync(db, blobs, ledger, now - settings.StagingMaxAge, now, log, cancellationToken) is > 0 and var unrecorded)
        {
            log.LogWarning("Removed {Count} blobs that no evidence item records: a process stopped between storing a file and recording it", unrecorded);
        }
        if (await UnrecordedPackages.RemoveAsync(db, ledger, settings.PackageFolder, log, cancellationToken) is > 0 and var packages)
        {
            log.LogWarning("Removed {Count} package files that no referral package records: a process stopped while building or publishing them", packages);
        }
        if (await AbandonedUploads.RemoveAsync(services.GetRequiredService<UploadStaging>(), now, cancellationToken) is > 0 and var uploads)
        {
            log.LogWarning("Removed {Count} resumable uploads abandoned for a week or claimed by a completion that died", uploads);
        }
    }
}
