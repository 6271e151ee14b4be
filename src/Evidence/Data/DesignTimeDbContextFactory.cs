using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Evidence.Data;

/// <summary>Lets `dotnet ef migrations add` build the model without running the CLI; the SQLite migrations live in <c>Data/Migrations/Sqlite</c> (give `--output-dir Data/Migrations/Sqlite`).</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<EvidenceDbContext>
{
    public EvidenceDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<EvidenceDbContext>();
        options.UseEvidenceSqlite(Path.Combine(Path.GetTempPath(), "evidence-design.db"), TimeSpan.FromSeconds(5));
        return new EvidenceDbContext(options.Options);
    }
}
