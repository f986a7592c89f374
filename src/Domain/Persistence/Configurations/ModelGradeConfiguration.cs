using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Rubrics;
using GradingPortal.Domain.Solutions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GradingPortal.Domain.Persistence.Configurations;

internal sealed class ModelGradeConfiguration : IEntityTypeConfiguration<ModelGrade>
{
    public void Configure(EntityTypeBuilder<ModelGrade> builder)
    {
        builder.ToTable("model_grades");
        builder.Property(g => g.Source).HasMaxLength(100);
        builder.Property(g => g.Model).HasMaxLength(200);
        builder.Property(g => g.ExternalId).HasMaxLength(300);
        builder.Property(g => g.Points).HasPrecision(6, 2);
        builder.Property(g => g.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(g => g.Provenance).HasColumnType("jsonb");
        builder.HasOne<Solution>().WithMany().HasForeignKey(g => g.SolutionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Rubric>().WithMany().HasForeignKey(g => g.RubricId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(g => new { g.SolutionId, g.CreatedAt });
        // One grade per solution per run: a job run twice, or two Workers racing, cannot store a second one.
        builder.HasIndex(g => new { g.RunId, g.SolutionId }).IsUnique().HasFilter("run_id IS NOT NULL");
        builder.HasIndex(g => new { g.SolutionId, g.Source, g.ExternalId }).IsUnique().HasFilter("external_id IS NOT NULL");
        builder.HasMany(g => g.Items).WithOne().HasForeignKey(i => i.ModelGradeId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(g => g.Findings).WithOne().HasForeignKey(f => f.ModelGradeId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(g => g.Items).UsePropertyAccessMode(PropertyAccessMode.Field);
        builder.Navigation(g => g.Findings).UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}

internal sealed class ModelGradeItemConfiguration : IEntityTypeConfiguration<ModelGradeItem>
{
    public void Configure(EntityTypeBuilder<ModelGradeItem> builder)
    {
        builder.ToTable("model_grade_items");
        builder.Property(i => i.Points).HasPrecision(6, 2);
        builder.Property(i => i.MaxPoints).HasPrecision(6, 2);
        builder.HasIndex(i => i.ModelGradeId);
    }
}

internal sealed class ModelFindingConfiguration : IEntityTypeConfiguration<ModelFinding>
{
    public void Configure(EntityTypeBuilder<ModelFinding> builder)
    {
        builder.ToTable("model_findings");
        builder.Property(f => f.ErrorType).HasMaxLength(100);
        builder.Property(f => f.Category).HasMaxLength(200);
        builder.Property(f => f.Severity).HasConversion<string>().HasMaxLength(20);
        builder.Property(f => f.SpanMatch).HasConversion<string>().HasMaxLength(20);
        builder.Property(f => f.Review).HasConversion<string>().HasMaxLength(20);
        builder.HasIndex(f => new { f.SolutionId, f.Start });
    }
}
