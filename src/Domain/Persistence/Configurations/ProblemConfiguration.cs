using GradingPortal.Domain.Problems;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Rubrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GradingPortal.Domain.Persistence.Configurations;

internal sealed class ProblemConfiguration : IEntityTypeConfiguration<Problem>
{
    public void Configure(EntityTypeBuilder<Problem> builder)
    {
        builder.ToTable("problems");
        builder.Property(p => p.Title).HasMaxLength(300);
        builder.Property(p => p.ExternalId).HasMaxLength(200);
        builder.Property(p => p.RowVersion).IsRowVersion();
        builder.HasOne<Project>().WithMany().HasForeignKey(p => p.ProjectId).OnDelete(DeleteBehavior.Cascade);
        // External ids identify live problems for re-imports; a deleted problem frees its id.
        builder.HasIndex(p => new { p.ProjectId, p.ExternalId }).IsUnique().HasFilter("external_id IS NOT NULL AND deleted_at IS NULL");
        builder.HasIndex(p => p.ProjectId);
        builder.HasMany(p => p.ReferenceSolutions).WithOne().HasForeignKey(r => r.ProblemId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(p => p.ReferenceSolutions).UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}

internal sealed class ReferenceSolutionConfiguration : IEntityTypeConfiguration<ReferenceSolution>
{
    public void Configure(EntityTypeBuilder<ReferenceSolution> builder)
    {
        builder.ToTable("reference_solutions");
        builder.HasIndex(r => new { r.ProblemId, r.Ordinal });
    }
}

internal sealed class RubricConfiguration : IEntityTypeConfiguration<Rubric>
{
    public void Configure(EntityTypeBuilder<Rubric> builder)
    {
        builder.ToTable("rubrics");
        builder.Property(r => r.Origin).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.ApproachKey).HasMaxLength(200);
        builder.Property(r => r.Deductions).HasJsonConversion();
        builder.Property(r => r.RowVersion).IsRowVersion();
        builder.Ignore(r => r.TotalPoints);
        builder.HasOne<Problem>().WithMany().HasForeignKey(r => r.ProblemId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.ProblemId, r.Version }).IsUnique();
        builder.HasMany(r => r.Items).WithOne().HasForeignKey(i => i.RubricId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(r => r.Items).UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}

internal sealed class RubricItemConfiguration : IEntityTypeConfiguration<RubricItem>
{
    public void Configure(EntityTypeBuilder<RubricItem> builder)
    {
        builder.ToTable("rubric_items");
        builder.Property(i => i.Title).HasMaxLength(300);
        builder.Property(i => i.Points).HasPrecision(6, 2);
        builder.HasIndex(i => new { i.RubricId, i.Ordinal });
    }
}
