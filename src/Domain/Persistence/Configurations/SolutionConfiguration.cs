using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Problems;
using GradingPortal.Domain.Rubrics;
using GradingPortal.Domain.Solutions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GradingPortal.Domain.Persistence.Configurations;

internal sealed class SolutionConfiguration : IEntityTypeConfiguration<Solution>
{
    public void Configure(EntityTypeBuilder<Solution> builder)
    {
        builder.ToTable("solutions");
        builder.Property(s => s.Author).HasMaxLength(200);
        builder.Property(s => s.ExternalId).HasMaxLength(200);
        // Stored, so sorting a problem's solutions by length reads an index instead of decompressing every proof.
        builder.Property(s => s.TextLength).HasComputedColumnSql("char_length(text)", stored: true);
        builder.HasOne<Problem>().WithMany().HasForeignKey(s => s.ProblemId).OnDelete(DeleteBehavior.Cascade);
        // Paging is by (problem, id); ids are UUID v7 so this is creation order.
        builder.HasIndex(s => new { s.ProblemId, s.Id });
        builder.HasIndex(s => new { s.ProblemId, s.ExternalId }).IsUnique().HasFilter("external_id IS NOT NULL");
        builder.HasIndex(s => new { s.ProjectId, s.UpdatedAt });
        builder.HasIndex(s => new { s.ProblemId, s.TextLength, s.Id });
    }
}

internal sealed class AnnotationConfiguration : IEntityTypeConfiguration<Annotation>
{
    public void Configure(EntityTypeBuilder<Annotation> builder)
    {
        builder.ToTable("annotations");
        builder.Property(a => a.ErrorType).HasMaxLength(100);
        builder.Property(a => a.Severity).HasConversion<string>().HasMaxLength(20);
        builder.Property(a => a.Origin).HasConversion<string>().HasMaxLength(20);
        builder.Property(a => a.Review).HasConversion<string>().HasMaxLength(20);
        builder.Property(a => a.RowVersion).IsRowVersion();
        builder.HasOne<Solution>().WithMany().HasForeignKey(a => a.SolutionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(a => new { a.SolutionId, a.Start });
    }
}

internal sealed class HumanGradeConfiguration : IEntityTypeConfiguration<HumanGrade>
{
    public void Configure(EntityTypeBuilder<HumanGrade> builder)
    {
        builder.ToTable("human_grades");
        builder.Property(g => g.Points).HasPrecision(6, 2);
        builder.Property(g => g.RowVersion).IsRowVersion();
        builder.HasOne<Solution>().WithMany().HasForeignKey(g => g.SolutionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(g => g.GraderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Rubric>().WithMany().HasForeignKey(g => g.RubricId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(g => new { g.SolutionId, g.GraderId }).IsUnique();
        builder.HasMany(g => g.Items).WithOne().HasForeignKey(i => i.HumanGradeId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(g => g.Items).UsePropertyAccessMode(PropertyAccessMode.Field);
    }
}

internal sealed class HumanGradeItemConfiguration : IEntityTypeConfiguration<HumanGradeItem>
{
    public void Configure(EntityTypeBuilder<HumanGradeItem> builder)
    {
        builder.ToTable("human_grade_items");
        builder.Property(i => i.Points).HasPrecision(6, 2);
        builder.HasOne<RubricItem>().WithMany().HasForeignKey(i => i.RubricItemId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(i => i.HumanGradeId);
    }
}

internal sealed class AdjudicationConfiguration : IEntityTypeConfiguration<Adjudication>
{
    public void Configure(EntityTypeBuilder<Adjudication> builder)
    {
        builder.ToTable("adjudications");
        builder.Property(a => a.Points).HasPrecision(6, 2);
        builder.Property(a => a.BasedOn).HasJsonConversion();
        builder.Property(a => a.RowVersion).IsRowVersion();
        builder.HasOne<Solution>().WithMany().HasForeignKey(a => a.SolutionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(a => a.SolutionId).IsUnique();
    }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.ToTable("audit_events");
        builder.Property(e => e.Id).UseIdentityAlwaysColumn();
        builder.Property(e => e.EntityType).HasMaxLength(50);
        builder.Property(e => e.Action).HasMaxLength(50);
        builder.Property(e => e.ActorName).HasMaxLength(256);
        builder.HasIndex(e => new { e.SolutionId, e.Id });
        builder.HasIndex(e => new { e.EntityId, e.Id });
        builder.HasIndex(e => new { e.ProjectId, e.Id });
    }
}

internal sealed class GoldItemConfiguration : IEntityTypeConfiguration<GoldItem>
{
    public void Configure(EntityTypeBuilder<GoldItem> builder)
    {
        builder.ToTable("gold_items");
        builder.Property(g => g.Note).HasMaxLength(GoldItem.MaxNoteLength);
        builder.HasOne<Solution>().WithMany().HasForeignKey(g => g.SolutionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(g => g.SolutionId).IsUnique();
        builder.HasIndex(g => new { g.ProjectId, g.Active });
    }
}
