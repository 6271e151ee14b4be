using Evidence.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Evidence.Data.Configurations;

internal sealed class MerkleNodeConfiguration : IEntityTypeConfiguration<MerkleNode>
{
    public void Configure(EntityTypeBuilder<MerkleNode> builder)
    {
        builder.ToTable("merkle_nodes");
        builder.HasKey(n => new { n.Level, n.Index });
    }
}

internal sealed class CheckpointRecordConfiguration : IEntityTypeConfiguration<CheckpointRecord>
{
    public void Configure(EntityTypeBuilder<CheckpointRecord> builder)
    {
        builder.ToTable("checkpoints");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.RootHash).HasMaxLength(64);
        builder.HasIndex(c => c.Size);
        // Two witnesses cosigning at once: the second's append is refused and retried, never written over the first's.
        builder.Property(c => c.Cosignatures).IsConcurrencyToken();
    }
}
