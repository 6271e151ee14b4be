using Evidence.Accounts;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Pipeline;
using Evidence.Requests;
using Evidence.Storage;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
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
        // Each scope's connection is the scope's, not the context's: a request's contexts lend it out while their rows are written
        // on a batch's connection (Data/GroupCommit.cs), and take it back afterwards, which EF Core allows only for a
        // connection it does not own (it disposes one it owns when handed another).
        services.AddScoped(_ => new ScopeConnection(settings));
        // The contexts come from a pool, their options built once: a context built anew for every request (options, then EF Core's
        // own services for it) was the largest single cost of ingesting a small file. A pooled context is reset when its scope
        // ends, and put on the new scope's connection when it is handed out again.
        if (settings.PostgresDatabase is { } postgres)
        {
            services.AddSingleton(provider => new PooledDbContextFactory<PostgresEvidenceDbContext>(
                ContextOptions<PostgresEvidenceDbContext>(provider, options => options.UseEvidencePostgres(postgres, settings.DatabaseBusyTimeout))));
            services.AddScoped<EvidenceDbContext>(provider => OnConnection(provider.GetRequiredService<PooledDbContextFactory<PostgresEvidenceDbContext>>().CreateDbContext(),
                provider.GetRequiredService<ScopeConnection>().Connection));
        }
        else
        {
            services.AddSingleton(provider => new PooledDbContextFactory<EvidenceDbContext>(
                ContextOptions<EvidenceDbContext>(provider, options => options.UseEvidenceSqlite(settings.DatabasePath, settings.DatabaseBusyTimeout))));
            services.AddScoped(provider => OnConnection(provider.GetRequiredService<PooledDbContextFactory<EvidenceDbContext>>().CreateDbContext(),
                provider.GetRequiredService<ScopeConnection>().Connection));
            // Made by the container, so that the container disposes it (and empties the connection pool) when the services stop.
            services.AddSingleton(_ => new SqliteKeepAlive(settings.DatabasePath, settings.DatabaseBusyTimeout));
        }
        // Every blob, and every package kept in the package folder, is encrypted at rest under the key-encryption key, created
        // (owner-only) on first use like the other keys.
        services.AddSingleton<IKeyEncryptionKey>(_ => KeyEncryptionKeyFile.LoadOrCreate(Path.Combine(settings.KeyFolder, "blobs-kek-aes256.key")));
        services.AddSingleton(provider => new EncryptedBlobStore(
            settings.AzureBlobConnectionString is { } connection
                ? new AzureBlobStore(connection, settings.AzureBlobContainer, settings.BlobRetries, settings.StagingMaxAge, provider.GetRequiredService<TimeProvider>())
                : new FolderBlobStore(settings.BlobFolder),
            provider.GetRequiredService<IKeyEncryptionKey>()));
        services.AddSingleton<IBlobStore>(provider => provider.GetRequiredService<EncryptedBlobStore>());
        // Created on first use: the key is generated, readable by its owner only, the first time a checkpoint is signed.
        // Rotated by RotateLedgerKey; the ledger picks the current one (Ledger.SigningKeyAsync).
        services.AddSingleton(_ => LedgerKeys.LoadOrCreate(settings.KeyFolder, settings.LedgerName));
        services.AddSingleton(_ => ProtectedFields.LoadOrCreate(Path.Combine(settings.KeyFolder, "identities-aes256.key")));
        services.AddSingleton(_ => Search.SealedText.LoadOrCreate(Path.Combine(settings.KeyFolder, "text-aes256.key")));
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
        services.AddSingleton<GroupCommit>();
        services.AddScoped<CommitTurn>();
        services.AddScoped<UnitOfWork>();
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
    /// A command's start is one thread's work (the home, the keys, the schema probe, the request's services) until its first
    /// query, which then pays for EF Core's first use in the process: its internal services, and compiling its query and
    /// change-tracking code. Done meanwhile on the other core, with no connection and nothing recorded, that first query
    /// starts later than it would otherwise only if this has not finished, and then finishes it.
    /// Only a quick start (the command line) does this: a server pays it once in a life of hours.
    /// </summary>
    private static void WarmUpEntityFramework(ServiceProvider provider)
    {
        try
        {
            using var db = provider.GetRequiredService<PooledDbContextFactory<EvidenceDbContext>>().CreateDbContext();
            _ = db.Cases.AsNoTracking().Where(c => c.Id == Guid.Empty).OrderBy(c => c.CreatedAtUtc).Select(c => new { c.Id, c.Title }).ToQueryString();
            db.Cases.Add(new Domain.Case { Id = Guid.Empty, Title = "", CreatedBy = "" });
            db.ChangeTracker.DetectChanges();
            db.ChangeTracker.Clear();
        }
        catch (Exception)
        {
            // Only ever a head start: the command finished first and the services are gone, or whatever failed here fails again
            // where the command itself uses EF Core, and is reported there.
        }
    }

    /// <summary>A context's options, built once per container, logging through the container's loggers as EF Core's own registration would.</summary>
    internal static DbContextOptions<TContext> ContextOptions<TContext>(IServiceProvider provider, Action<DbContextOptionsBuilder> configure) where TContext : DbContext
    {
        var options = new DbContextOptionsBuilder<TContext>();
        if (provider.GetService<ILoggerFactory>() is { } loggers)
        {
            options.UseLoggerFactory(loggers);
        }
        configure(options);
        return options.Options;
    }

    /// <summary>Puts a context on a connection it does not own (the scope's), so that it neither opens nor disposes one of its own.</summary>
    internal static TContext OnConnection<TContext>(TContext context, System.Data.Common.DbConnection connection) where TContext : DbContext
    {
        context.Database.SetDbConnection(connection, contextOwnsConnection: false);
        return context;
    }

    /// <summary>
    /// Builds the services for one installation and makes it ready (see <see cref="PrepareAsync"/>): the home folder and
    /// its parts (owner-only, see <see cref="HomeFolder"/>), the database at the latest migration and, on a
    /// <see cref="StartUp.Full"/> start, the blob store ready and what a crash left behind removed.
    /// </summary>
    public static async Task<ServiceProvider> StartAsync(EvidenceSettings settings, Action<ILoggingBuilder>? logging = null,
        CancellationToken cancellationToken = default, StartUp startUp = StartUp.Full)
    {
        HomeFolder.Prepare(settings);
        var services = new ServiceCollection().AddLogging(builder => logging?.Invoke(builder)).AddEvidence(settings);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        if (startUp == StartUp.Quick && settings.PostgresDatabase is null)
        {
            _ = Task.Run(() => WarmUpEntityFramework(provider), CancellationToken.None);
        }
        try
        {
            await PrepareAsync(provider, cancellationToken, startUp);
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
    /// Makes an installation ready in a container built elsewhere (the web app's): the database at the latest migration (a new
    /// SQLite file created from the migrations' SQL, <see cref="NewSqliteDatabase"/>), the accounts of an older version
    /// recorded, the blob store, and what a crash left behind removed (staged blobs, unrecorded blobs and package files,
    /// abandoned uploads). A <see cref="StartUp.Quick"/> start stops after
    /// one query that finds the database already at the latest migration.
    /// </summary>
    public static async Task PrepareAsync(IServiceProvider provider, CancellationToken cancellationToken, StartUp startUp = StartUp.Full)
    {
        // Resolved before the first connection is opened, so that the container disposes it, and with it the pool of the scopes'
        // connections, even when this start fails (a damaged database).
        var keepAlive = provider.GetService<SqliteKeepAlive>();
        await using (var scope = provider.CreateAsyncScope())
        {
            var onPostgres = provider.GetRequiredService<EvidenceSettings>().PostgresDatabase is not null;
            var connection = scope.ServiceProvider.GetRequiredService<ScopeConnection>().Connection;
            var created = !onPostgres && await NewSqliteDatabase.CreateIfEmptyAsync(connection, cancellationToken);
            var migrated = created | await SchemaVersion.BringToLatestAsync(onPostgres ? typeof(PostgresEvidenceDbContext) : typeof(EvidenceDbContext), connection,
                               scope.ServiceProvider.GetRequiredService<EvidenceDbContext>, cancellationToken)
                           | await SchemaVersion.BringToLatestAsync(onPostgres ? typeof(PostgresAccountsDbContext) : typeof(AccountsDbContext), connection,
                               scope.ServiceProvider.GetRequiredService<AccountsDbContext>, cancellationToken);
            keepAlive?.Open();
            if (startUp == StartUp.Quick && !migrated)
            {
                return;
            }
            // A database created a moment ago holds no accounts of an older version to record.
            if (!created)
            {
                scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = RecordExistingAccounts.Upgrade;
                await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new RecordExistingAccounts(), cancellationToken);
            }
        }
        await Recovery.StartupRecovery.RunAsync(provider, cancellationToken);
    }
}

/// <summary>How much a start of the services does.</summary>
public enum StartUp
{
    /// <summary>
    /// Everything <see cref="EvidenceServices.PrepareAsync"/> does: `serve`, `verify` and the tests. The sweep of what a crash left
    /// behind lists the blob store, which is too slow to pay on every command.
    /// </summary>
    Full,

    /// <summary>
    /// The database checked to be at the latest migration with one query: every other command of the command line. A start that
    /// has to migrate (a new home, an upgrade) does everything <see cref="Full"/> does.
    /// </summary>
    Quick,
}
