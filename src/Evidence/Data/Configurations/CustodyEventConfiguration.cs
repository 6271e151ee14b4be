using Evidence.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Evidence.Data.Configurations;

internal sealed class CustodyEventConfiguration : IEntityTypeConfiguration<CustodyEvent>
{
    public void Configure(EntityTypeBuilder<CustodyEvent> builder)
    {
        builder.ToTable("custody_events");
        builder.HasKey(e => e.Sequence);
        // The sequence is the leaf index, assigned by the unit of work under the write lock, never by the database.
        builder.Property(e => e.Sequence).ValueGeneratedNever();
        builder.Property(e => e.Actor).HasMaxLength(200);
        builder.Property(e => e.Role).HasMaxLength(40);
        builder.Property(e => e.Action).HasMaxLength(40);
        builder.Property(e => e.Sha256).HasMaxLength(64);
        builder.Property(e => e.LeafHash).HasMaxLength(64);
        builder.HasIndex(e => e.EvidenceId);
    }
}
