using System.Data.Common;
using Evidence.Data;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Accounts;

/// <summary>
/// Users and API tokens (ASP.NET Core Identity's tables), in the installation's own database beside the evidence, with
/// their own migrations (history table <c>__AccountsMigrationsHistory</c>). In a request's scope it shares the evidence
/// context's connection, so that the unit of work commits an account and its custody event in one transaction.
/// </summary>
public class AccountsDbContext : IdentityUserContext<EvidenceUser>
{
    public const string HistoryTable = "__AccountsMigrationsHistory";

    public AccountsDbContext(DbContextOptions<AccountsDbContext> options) : base(options)
    {
    }

    protected AccountsDbContext(DbContextOptions options) : base(options)
    {
    }

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<EvidenceUser>(user =>
        {
            user.Property(u => u.Role).HasConversion<string>().HasMaxLength(20);
            user.Property(u => u.Office).HasConversion<string>().HasMaxLength(20);
            user.Property(u => u.Language).HasMaxLength(8);
        });
        builder.Entity<ApiToken>(token =>
        {
            token.ToTable("api_tokens");
            token.HasKey(t => t.Id);
            token.Property(t => t.Sha256).HasMaxLength(64).IsFixedLength();
            token.HasIndex(t => t.Sha256).IsUnique();
            // A deleted user's tokens go with them: a token never outlives its owner.
            token.HasOne<EvidenceUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    /// <summary>Opens the installation's database (a context is then put on its scope's connection: EvidenceServices.OnConnection).</summary>
    public static void Configure(DbContextOptionsBuilder options, EvidenceSettings settings)
    {
        if (settings.PostgresDatabase is { } postgres)
        {
            options.UseEvidencePostgres(postgres, settings.DatabaseBusyTimeout, typeof(AccountsDbContext).Assembly, HistoryTable);
        }
        else
        {
            options.UseEvidenceSqlite(settings.DatabasePath, settings.DatabaseBusyTimeout, typeof(AccountsDbContext).Assembly, HistoryTable);
        }
    }

    /// <summary>
    /// Registers the accounts context for the installation's database (on PostgreSQL, with its own migrations), on the
    /// connection of the scope's evidence context.
    /// </summary>
    public static void Register(IServiceCollection services, EvidenceSettings settings)
    {
        // Built once, like the evidence context's (EvidenceServices.AddEvidence), and put on the scope's evidence connection.
        DbConnection Shared(IServiceProvider provider) => provider.GetRequiredService<EvidenceDbContext>().Database.GetDbConnection();
        if (settings.PostgresDatabase is null)
        {
            services.AddSingleton(provider => EvidenceServices.ContextOptions<AccountsDbContext>(provider, options => Configure(options, settings)));
            services.AddScoped(provider => EvidenceServices.OnConnection(new AccountsDbContext(provider.GetRequiredService<DbContextOptions<AccountsDbContext>>()), Shared(provider)));
        }
        else
        {
            services.AddSingleton(provider => EvidenceServices.ContextOptions<PostgresAccountsDbContext>(provider, options => Configure(options, settings)));
            services.AddScoped<AccountsDbContext>(provider => EvidenceServices.OnConnection(
                new PostgresAccountsDbContext(provider.GetRequiredService<DbContextOptions<PostgresAccountsDbContext>>()), Shared(provider)));
        }
    }
}

/// <summary>The accounts context on PostgreSQL; it exists so that its migrations (<c>Accounts/Migrations/Postgres</c>) are a set of their own.</summary>
public sealed class PostgresAccountsDbContext(DbContextOptions<PostgresAccountsDbContext> options) : AccountsDbContext(options);

/// <summary>Lets `dotnet ef migrations add --context PostgresAccountsDbContext` build the model; it connects to nothing.</summary>
internal sealed class PostgresAccountsDesignTimeFactory : IDesignTimeDbContextFactory<PostgresAccountsDbContext>
{
    public PostgresAccountsDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PostgresAccountsDbContext>();
        AccountsDbContext.Configure(options, new EvidenceSettings { Home = Path.GetTempPath(), PostgresDatabase = "postgres://evidence@localhost/evidence_design" });
        return new PostgresAccountsDbContext(options.Options);
    }
}

/// <summary>Lets `dotnet ef migrations add` build the accounts model.</summary>
internal sealed class AccountsDesignTimeFactory : IDesignTimeDbContextFactory<AccountsDbContext>
{
    public AccountsDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<AccountsDbContext>();
        Configure(options);
        return new AccountsDbContext(options.Options);
    }

    private static void Configure(DbContextOptionsBuilder options) =>
        AccountsDbContext.Configure(options, new EvidenceSettings { Home = Path.Combine(Path.GetTempPath(), "evidence-design") });
}
