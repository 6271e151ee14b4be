using Evidence.Accounts;
using Evidence.Data;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Schema;

/// <summary>
/// The command line starts from compiled EF Core models (`Data/CompiledModels`, `Accounts/CompiledModels`) instead of building
/// the model on every start. A compiled model that lags behind the configurations would read and write the wrong columns, so
/// each is compared with the model the configurations build. Only SQLite's are compiled: PostgreSQL serves long-lived app servers. When this fails, regenerate it (the command is in Data/README.md).
/// </summary>
public sealed class CompiledModelTests
{
    [SqliteFact]
    public async Task EvidenceModel_CompiledMatchesTheConfigurations()
    {
        await using var slice = await Slice.StartAsync();
        await using var scope = slice.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<EvidenceDbContext>();

        Assert.IsType<Evidence.Data.CompiledModels.Sqlite.EvidenceDbContextModel>(db.Model);
        AssertSameAsConfigured(db);
    }

    [SqliteFact]
    public async Task AccountsModel_CompiledMatchesTheConfigurations()
    {
        await using var slice = await Slice.StartAsync();
        await using var scope = slice.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AccountsDbContext>();

        Assert.IsType<Evidence.Accounts.CompiledModels.Sqlite.AccountsDbContextModel>(db.Model);
        AssertSameAsConfigured(db);
    }

    private static void AssertSameAsConfigured(DbContext db)
    {
        // The design-time model is always built from OnModelCreating; the runtime one is the compiled model, which keeps only
        // what reading and writing need: so that is what is compared.
        Assert.Equal(Describe(db.GetService<IDesignTimeModel>().Model), Describe(db.Model));
    }

    private static List<string> Describe(IModel model) =>
    [
        .. model.GetEntityTypes().OrderBy(e => e.Name, StringComparer.Ordinal).SelectMany(entity => (IEnumerable<string>)
        [
            $"{entity.Name} -> {entity.GetTableName()} key ({string.Join(", ", entity.FindPrimaryKey()?.Properties.Select(p => p.Name) ?? [])})",
            .. entity.GetProperties().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p =>
                $"{entity.Name}.{p.Name} -> {p.GetColumnName()} {p.ClrType.Name} {p.GetColumnType()} null={p.IsNullable} converter={p.GetValueConverter()?.GetType().Name}"),
            .. entity.GetForeignKeys().Select(k => $"{entity.Name} fk ({string.Join(", ", k.Properties.Select(p => p.Name))}) -> {k.PrincipalEntityType.Name}").Order(StringComparer.Ordinal),
        ]),
    ];
}
