using Evidence.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Evidence.Data.Configurations;

internal sealed class IncidentConfiguration : IEntityTypeConfiguration<Incident>
{
    public void Configure(EntityTypeBuilder<Incident> builder)
    {
        builder.ToTable("incidents");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Kind).HasConversion<string>().HasMaxLength(20);
        builder.Property(i => i.Title).HasMaxLength(500);
        builder.Property(i => i.PeriodFrom).HasMaxLength(40);
        builder.Property(i => i.PeriodTo).HasMaxLength(40);
        builder.HasOne<Case>().WithMany().HasForeignKey(i => i.CaseId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class CaseMemberConfiguration : IEntityTypeConfiguration<CaseMember>
{
    public void Configure(EntityTypeBuilder<CaseMember> builder)
    {
        builder.ToTable("case_members");
        builder.HasKey(m => new { m.CaseId, m.Member });
        builder.Property(m => m.Member).HasMaxLength(200);
        builder.HasIndex(m => m.Member);
        builder.HasOne<Case>().WithMany().HasForeignKey(m => m.CaseId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class PerpetratorConfiguration : IEntityTypeConfiguration<Perpetrator>
{
    public void Configure(EntityTypeBuilder<Perpetrator> builder)
    {
        builder.ToTable("perpetrators");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Kind).HasConversion<string>().HasMaxLength(20);
        builder.Property(p => p.Name).HasMaxLength(300);
        builder.HasIndex(p => p.Name);
    }
}

internal sealed class PerpetratorLinkConfiguration : IEntityTypeConfiguration<PerpetratorLink>
{
    public void Configure(EntityTypeBuilder<PerpetratorLink> builder)
    {
        builder.ToTable("perpetrator_links");
        builder.HasKey(l => l.Id);
        builder.Property(l => l.Relation).HasConversion<string>().HasMaxLength(20);
        builder.HasOne<Perpetrator>().WithMany().HasForeignKey(l => l.FromId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Perpetrator>().WithMany().HasForeignKey(l => l.ToId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class VictimConfiguration : IEntityTypeConfiguration<Victim>
{
    public void Configure(EntityTypeBuilder<Victim> builder)
    {
        // No foreign key: SQLite could add one only by rebuilding the table, which would drop its append-only triggers.
        // The handler checks that the case exists and that the actor works it.
        builder.HasIndex(v => v.CaseId);
        builder.ToTable("victims");
        builder.HasKey(v => v.Code);
        builder.Property(v => v.Code).HasMaxLength(16);
        builder.Property(v => v.Status).HasConversion<string>().HasMaxLength(20);
    }
}

internal sealed class EvidenceTagConfiguration : IEntityTypeConfiguration<EvidenceTag>
{
    public void Configure(EntityTypeBuilder<EvidenceTag> builder)
    {
        builder.ToTable("evidence_tags");
        builder.HasKey(t => t.Id);
        builder.HasOne<EvidenceItem>().WithMany().HasForeignKey(t => t.EvidenceId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Incident>().WithMany().HasForeignKey(t => t.IncidentId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Perpetrator>().WithMany().HasForeignKey(t => t.PerpetratorId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Victim>().WithMany().HasForeignKey(t => t.VictimCode).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(t => t.IncidentId);
    }
}
