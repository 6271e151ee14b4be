using Evidence.Domain;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Data;

/// <summary>The installation's records. On PostgreSQL the context is <see cref="PostgresEvidenceDbContext"/>, which only
/// exists so that the PostgreSQL migrations are a set of their own.</summary>
public class EvidenceDbContext : DbContext
{
    public EvidenceDbContext(DbContextOptions<EvidenceDbContext> options) : base(options)
    {
    }

    protected EvidenceDbContext(DbContextOptions options) : base(options)
    {
    }

    public DbSet<Case> Cases => Set<Case>();
    public DbSet<CaseMember> CaseMembers => Set<CaseMember>();
    public DbSet<EvidenceItem> EvidenceItems => Set<EvidenceItem>();
    public DbSet<CustodyEvent> CustodyEvents => Set<CustodyEvent>();
    public DbSet<MerkleNode> MerkleNodes => Set<MerkleNode>();
    public DbSet<CheckpointRecord> Checkpoints => Set<CheckpointRecord>();
    public DbSet<Incident> Incidents => Set<Incident>();
    public DbSet<Perpetrator> Perpetrators => Set<Perpetrator>();
    public DbSet<PerpetratorLink> PerpetratorLinks => Set<PerpetratorLink>();
    public DbSet<Victim> Victims => Set<Victim>();
    public DbSet<EvidenceTag> EvidenceTags => Set<EvidenceTag>();
    public DbSet<ReferralPackage> ReferralPackages => Set<ReferralPackage>();
    public DbSet<RegistrationNumber> RegistrationNumbers => Set<RegistrationNumber>();
    public DbSet<IncidentReferral> IncidentReferrals => Set<IncidentReferral>();
    public DbSet<ItemMetadata> ItemMetadata => Set<ItemMetadata>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(EvidenceDbContext).Assembly);
}
