using Evidence.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Evidence.Data.Configurations;

internal sealed class EvidenceItemConfiguration : IEntityTypeConfiguration<EvidenceItem>
{
    public void Configure(EntityTypeBuilder<EvidenceItem> builder)
    {
        builder.ToTable("evidence_items");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Sha256).HasMaxLength(64).IsFixedLength();
        builder.HasIndex(e => e.Sha256);
        builder.Property(e => e.MediaType).HasMaxLength(100);
        builder.Property(e => e.OriginalName).HasMaxLength(1024);
        builder.Property(e => e.Collector).HasMaxLength(200);
        builder.Property(e => e.Source).HasMaxLength(4000);
        builder.Property(e => e.CapturedAt).HasMaxLength(40);
        builder.Property(e => e.IngestedBy).HasMaxLength(200);
        builder.HasOne<Case>().WithMany().HasForeignKey(e => e.CaseId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<EvidenceItem>().WithMany().HasForeignKey(e => e.DuplicateOf).OnDelete(DeleteBehavior.Restrict);
    }
}
