using Evidence.Accounts;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Pipeline;
using Evidence.Requests;
using Evidence.Storage;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Evidence;

/// <summary>Wires Evidence together: MediatR 5.1.0 by hand, the behaviors in order, the database and the blob store.</summary>
public static class EvidenceServices
{
    public static IServiceCollection AddEvidence(this IServiceCollection services, EvidenceSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        if (settings.PostgresDatabase is { } postgres)
        {
            services.AddDbContext<EvidenceDbContext, PostgresEvidenceDbContext>(options => options.UseEvidencePostgres(postgres, settings.DatabaseBusyTimeout));
        }
        else
        {
            services.AddDbContext<EvidenceDbContext>(options => options.UseEvidenceSqlite(settings.DatabasePath, settings.DatabaseBusyTimeout));
        }
        services.AddSingleton<IBlobStore>(provider => settings.AzureBlobConnectionString is { } connection
            ? new AzureBlobStore(connection, settings.AzureBlobContainer, settings.BlobRetries, settings.StagingMaxAge, provider.GetRequiredService<TimeProvider>())
            : new FolderBlobStore(settings.BlobFolder));
        // Created on first use: the key is generated, readable by its owner only, the first time a checkpoint is signed.
        services.AddSingleton(_ => NoteSigner.LoadOrCreate(Path.Combine(settings.KeyFolder, "ledger-ed25519.pem"), settings.LedgerName));
        services.AddSingleton(_ => ProtectedFields.LoadOrCreate(Path.Combine(settings.KeyFolder, "identities-aes256.key")));
        services.AddSingleton(provider => OrganisationSigner.LoadOrCreate(settings, provider.GetRequiredService<TimeProvider>()));
        services.AddScoped<Ledger>();
        services.AddSingleton(_ => TimestampTrust.From(settings));
        if (settings.TimestampAuthorityUrl is { } tsaUrl)
        {
            services.AddSingleton(provider => new TimestampAuthority(
                new HttpClient { Timeout = settings.TimestampAuthorityTimeout }, tsaUrl, provider.GetRequiredService<TimestampTrust>()));
        }
        services.AddScoped(provider => new CheckpointTimestamps(provider.GetRequiredService<EvidenceDbContext>(),
            provider.GetRequiredService<ILogger<CheckpointTimestamps>>(), provider.GetService<TimestampAuthority>()));
        services.AddScoped<CurrentActor>();
        // The unit of work is given the ledger's append as a step, so that neither knows the other's insides.
        services.AddScoped(provider => new UnitOfWork(provider.GetRequiredService<EvidenceDbContext>(), provider.GetRequiredService<IBlobStore>(),
            provider.GetRequiredService<Ledger>().AppendAsync, provider.GetRequiredService<CurrentActor>(), provider.GetRequiredService<ILogger<UnitOfWork>>()));
        AccountsDbContext.Register(services, settings);
        services.AddScoped<UserAccounts>();
        services.AddSingleton(new Provenance.ProvenanceTrust(settings));
        services.AddSingleton<Viewing.Thumbnails>();
        services.AddScoped<Ingest.EvidenceIntake>();
        services.AddSingleton(provider => new Ingest.UploadStaging(provider.GetRequiredService<IBlobStore>(), settings.MaxUploadBytes, provider.GetRequiredService<TimeProvider>()));

        services.AddScoped<ServiceFactory>(provider => provider.GetService!);
        services.AddScoped<IMediator, Mediator>();
        // MediatR 5 runs the first registered behavior outermost.
        services.AddScoped(typeof(IPipelineBehavior<,>), typeof(LoggingBehavior<,>));
        services.AddScoped(typeof(IPipelineBehavior<,>), typeof(ValidationBehavior<,>));
        services.AddScoped(typeof(IPipelineBehavior<,>), typeof(AuthorizationBehavior<,>));
        services.AddScoped(typeof(IPipelineBehavior<,>), typeof(UnitOfWorkBehavior<,>));
        foreach (var handler in typeof(EvidenceServices).Assembly.GetTypes().Where(t => t is { IsAbstract: false, IsClass: true }))
        {
            foreach (var contract in handler.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IRequestHandler<,>)))
            {
                services.AddScoped(contract, handler);
            }
        }
        return services;
    }

    /// <summary>
    /// Builds the services for one installation and makes it ready: the home folder and its parts (owner-only, see <see cref="HomeFolder"/>), the
    /// database at the latest migration, the blob store, and staged blobs left by a crash removed.
    /// </summary>
    public static async Task<ServiceProvider> StartAsync(EvidenceSettings settings, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        HomeFolder.Prepare(settings);
        var services = new ServiceCollection().AddLogging(builder => logging?.Invoke(builder)).AddEvidence(settings);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        try
        {
            await PrepareAsync(provider, cancellationToken);
            return provider;
        }
        catch (Exception e)
        {
            await provider.DisposeAsync();
            if (DatabaseFailures.Describe(e, settings.DatabasePath) is { } failure)
            {
                throw failure;
            }
            throw;
        }
    }

    /// <summary>
    /// Makes an installation ready in a container built elsewhere (the web app's): the database at the latest
    /// migration, the blob store, and what a crash left behind removed (staged blobs, unrecorded blobs and package files,
    /// abandoned uploads).
    /// </summary>
    public static async Task PrepareAsync(IServiceProvider provider, CancellationToken cancellationToken)
    {
        await using (var scope = provider.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<EvidenceDbContext>().Database.MigrateAsync(cancellationToken);
            await scope.ServiceProvider.GetRequiredService<AccountsDbContext>().Database.MigrateAsync(cancellationToken);
            scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = RecordExistingAccounts.Upgrade;
            await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new RecordExistingAccounts(), cancellationToken);
        }
        await Recovery.StartupRecovery.RunAsync(provider, cancellationToken);
    }
}
