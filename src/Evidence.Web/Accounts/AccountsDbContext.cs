using Evidence.Data;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Evidence.Web.Accounts;

/// <summary>
/// Users and API tokens, in the installation's own database file beside the evidence, with their own migrations
/// (history table <c>__AccountsMigrationsHistory</c>) so the core library knows nothing of ASP.NET Core.
/// </summary>
public sealed class AccountsDbContext(DbContextOptions<AccountsDbContext> options) : IdentityUserContext<EvidenceUser>(options)
{
    public const string HistoryTable = "__AccountsMigrationsHistory";

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<EvidenceUser>(user =>
        {
            user.Property(u => u.Role).HasConversion<string>().HasMaxLength(20);
            user.Property(u => u.Office).HasConversion<string>().HasMaxLength(20);
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

    public static void Configure(DbContextOptionsBuilder options, EvidenceSettings settings) =>
        options.UseEvidenceSqlite(settings.DatabasePath, settings.DatabaseBusyTimeout, typeof(AccountsDbContext).Assembly, HistoryTable);
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
