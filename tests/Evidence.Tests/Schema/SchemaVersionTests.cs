using Evidence.Accounts;
using Evidence.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Evidence.Tests.Schema;

/// <summary>
/// Every command finds out that the database is at the latest migration by comparing its history table with the migration
/// ids written in <see cref="SchemaVersion.Known"/>. An id left behind when a migration is added would make every start
/// migrate (or, ahead, never see the new one); these hold the ids to EF Core's own list, for each context on each database.
/// </summary>
public sealed class SchemaVersionTests
{
    public static TheoryData<string> Contexts => [nameof(EvidenceDbContext), nameof(PostgresEvidenceDbContext), nameof(AccountsDbContext), nameof(PostgresAccountsDbContext)];

    [Theory]
    [MemberData(nameof(Contexts))]
    public void KnownLatestMigration_IsEfCoresLatest(string name)
    {
        using DbContext context = name switch
        {
            nameof(EvidenceDbContext) => new DesignTimeDbContextFactory().CreateDbContext([]),
            nameof(PostgresEvidenceDbContext) => new PostgresDesignTimeDbContextFactory().CreateDbContext([]),
            nameof(AccountsDbContext) => new AccountsDesignTimeFactory().CreateDbContext([]),
            _ => new PostgresAccountsDesignTimeFactory().CreateDbContext([]),
        };
        var efLatest = context.GetService<IMigrationsAssembly>().Migrations.Keys.Max(StringComparer.Ordinal);
        var history = context.GetService<IDbContextOptions>().Extensions.OfType<RelationalOptionsExtension>().Single().MigrationsHistoryTableName
                      ?? HistoryRepository.DefaultTableName;

        Assert.Equal((history, efLatest), SchemaVersion.Known[context.GetType()]);
    }
}
