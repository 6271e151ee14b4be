using Evidence.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Evidence.Data.Configurations;

internal sealed class ItemMetadataConfiguration : IEntityTypeConfiguration<ItemMetadata>
{
    public void Configure(EntityTypeBuilder<ItemMetadata> builder)
    {
        builder.ToTable("item_metadata");
        builder.HasKey(m => m.Id);
        builder.HasIndex(m => new { m.EvidenceId, m.Version }).IsUnique();
        builder.Property(m => m.Place).HasMaxLength(1000);
        builder.Property(m => m.Languages).HasMaxLength(400);
        builder.Property(m => m.Generation).HasConversion<string>().HasMaxLength(20);
        builder.Property(m => m.OriginalHeldAt).HasMaxLength(1000);
        builder.Property(m => m.DerivedKind).HasConversion<string>().HasMaxLength(20);
        builder.Property(m => m.SourceUrl).HasMaxLength(2000);
        builder.Property(m => m.RetrievedAt).HasMaxLength(40);
        builder.Property(m => m.Device).HasMaxLength(400);
        builder.Property(m => m.Consent).HasConversion<string>().HasMaxLength(20);
        builder.Property(m => m.ConsentScope).HasMaxLength(1000);
        builder.Property(m => m.Confidentiality).HasConversion<string>().HasMaxLength(30);
        builder.Property(m => m.Reason).HasMaxLength(2000);
        builder.Property(m => m.StatedBy).HasMaxLength(200);
        builder.HasOne<EvidenceItem>().WithMany().HasForeignKey(m => m.EvidenceId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<EvidenceItem>().WithMany().HasForeignKey(m => m.DerivedFrom).OnDelete(DeleteBehavior.Restrict);
    }
}
