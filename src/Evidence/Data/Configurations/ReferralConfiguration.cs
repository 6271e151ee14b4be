using Evidence.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Evidence.Data.Configurations;

internal sealed class ReferralPackageConfiguration : IEntityTypeConfiguration<ReferralPackage>
{
    public void Configure(EntityTypeBuilder<ReferralPackage> builder)
    {
        builder.ToTable("referral_packages");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Recipient).HasConversion<string>().HasMaxLength(20);
        builder.Property(p => p.Sha256).HasMaxLength(64).IsFixedLength();
        builder.HasOne<Incident>().WithMany().HasForeignKey(p => p.IncidentId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Perpetrator>().WithMany().HasForeignKey(p => p.PerpetratorId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RegistrationNumberConfiguration : IEntityTypeConfiguration<RegistrationNumber>
{
    public void Configure(EntityTypeBuilder<RegistrationNumber> builder)
    {
        builder.ToTable("registration_numbers");
        builder.HasKey(r => r.EvidenceId);
        builder.Property(r => r.Ern).HasMaxLength(64);
        // Two packages built at once cannot hand out the same number: the second commit fails and nothing of it is kept.
        builder.HasIndex(r => r.Ern).IsUnique();
        builder.Property(r => r.Suffix).HasMaxLength(40).HasDefaultValue("");
        // A derived item shares its original's batch and item and differs by its suffix.
        builder.HasIndex(r => new { r.Batch, r.Item, r.Suffix }).IsUnique();
        builder.HasOne<EvidenceItem>().WithMany().HasForeignKey(r => r.EvidenceId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<ReferralPackage>().WithMany().HasForeignKey(r => r.PackageId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class IncidentReferralConfiguration : IEntityTypeConfiguration<IncidentReferral>
{
    public void Configure(EntityTypeBuilder<IncidentReferral> builder)
    {
        builder.ToTable("incident_referrals");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Office).HasConversion<string>().HasMaxLength(20);
        builder.HasIndex(r => new { r.IncidentId, r.Office }).IsUnique();
        builder.HasOne<Incident>().WithMany().HasForeignKey(r => r.IncidentId).OnDelete(DeleteBehavior.Restrict);
    }
}
