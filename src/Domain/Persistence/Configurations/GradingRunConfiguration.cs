using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Problems;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Solutions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GradingPortal.Domain.Persistence.Configurations;

internal sealed class ModelProfileConfiguration : IEntityTypeConfiguration<ModelProfile>
{
    public void Configure(EntityTypeBuilder<ModelProfile> builder)
    {
        builder.ToTable("model_profiles");
        builder.Property(p => p.Name).HasMaxLength(200);
        builder.Property(p => p.BaseUrl).HasMaxLength(2000);
        builder.Property(p => p.Model).HasMaxLength(200);
        builder.Property(p => p.ApiKeyVariable).HasMaxLength(200);
        builder.Property(p => p.ReasoningEffort).HasMaxLength(20);
        builder.Property(p => p.PriceInput).HasPrecision(12, 4);
        builder.Property(p => p.PriceCachedInput).HasPrecision(12, 4);
        builder.Property(p => p.PriceOutput).HasPrecision(12, 4);
        builder.Property(p => p.StructuredOutput).HasConversion<string>().HasMaxLength(20);
        builder.Property(p => p.DailySpendingCap).HasPrecision(18, 4);
        builder.Property(p => p.RunSpendingCap).HasPrecision(18, 4);
        // A uuid[]: the allow-list is read with the profile and asked with = ANY(...), never joined.
        builder.Property(p => p.AllowedProjectIds).HasColumnType("uuid[]");
        builder.Property(p => p.RowVersion).IsRowVersion();
        builder.Ignore(p => p.Prices);
        builder.Ignore(p => p.HasStoredKey);
        builder.Ignore(p => p.KeyProblem);
        builder.HasIndex(p => p.Name).IsUnique().HasFilter("NOT is_deleted");
    }
}

internal sealed class GradingRunConfiguration : IEntityTypeConfiguration<GradingRun>
{
    public void Configure(EntityTypeBuilder<GradingRun> builder)
    {
        builder.ToTable("grading_runs");
        builder.Property(r => r.Workflow).HasMaxLength(50);
        builder.Property(r => r.RubricDesign).HasMaxLength(50);
        builder.Property(r => r.Aggregation).HasMaxLength(20);
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(30);
        builder.Property(r => r.ProfileSnapshot).HasColumnType("jsonb");
        builder.Property(r => r.Prompts).HasJsonConversion();
        builder.Property(r => r.Configuration).HasColumnType("jsonb");
        builder.Property(r => r.Selection).HasColumnType("jsonb");
        builder.Property(r => r.RowVersion).IsRowVersion();
        builder.Ignore(r => r.Definition);
        builder.Ignore(r => r.IsTerminal);
        builder.HasOne<Project>().WithMany().HasForeignKey(r => r.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ModelProfile>().WithMany().HasForeignKey(r => r.ModelProfileId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(r => new { r.ProjectId, r.CreatedAt });
    }
}

internal sealed class GradingRunProblemConfiguration : IEntityTypeConfiguration<GradingRunProblem>
{
    public void Configure(EntityTypeBuilder<GradingRunProblem> builder)
    {
        builder.ToTable("grading_run_problems");
        builder.Property(p => p.Status).HasConversion<string>().HasMaxLength(30);
        builder.HasOne<GradingRun>().WithMany().HasForeignKey(p => p.RunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Problem>().WithMany().HasForeignKey(p => p.ProblemId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(p => new { p.RunId, p.ProblemId }).IsUnique();
    }
}

internal sealed class GradingRunItemConfiguration : IEntityTypeConfiguration<GradingRunItem>
{
    public void Configure(EntityTypeBuilder<GradingRunItem> builder)
    {
        builder.ToTable("grading_run_items");
        builder.Property(i => i.Status).HasConversion<string>().HasMaxLength(30);
        builder.Property(i => i.RowVersion).IsRowVersion();
        builder.Ignore(i => i.IsTerminal);
        builder.HasOne<GradingRun>().WithMany().HasForeignKey(i => i.RunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Solution>().WithMany().HasForeignKey(i => i.SolutionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(i => new { i.RunId, i.SolutionId }).IsUnique();
        builder.HasIndex(i => new { i.RunId, i.Status });
        builder.HasIndex(i => new { i.RunId, i.ProblemId });
    }
}

internal sealed class StageCallConfiguration : IEntityTypeConfiguration<StageCall>
{
    public void Configure(EntityTypeBuilder<StageCall> builder)
    {
        builder.ToTable("stage_calls");
        builder.Property(c => c.CallKey).HasMaxLength(300);
        builder.Property(c => c.Stage).HasMaxLength(50);
        builder.Property(c => c.PromptName).HasMaxLength(200);
        builder.Property(c => c.PromptSha256).HasMaxLength(64);
        builder.Property(c => c.ProfileSnapshot).HasColumnType("jsonb");
        builder.Property(c => c.RequestMessages).HasColumnType("jsonb");
        builder.Property(c => c.Parsed).HasColumnType("jsonb");
        builder.Property(c => c.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(c => c.FinishReason).HasMaxLength(50);
        builder.Property(c => c.Cost).HasPrecision(18, 8);
        builder.HasIndex(c => new { c.CallKey, c.Attempt }).IsUnique();
        builder.HasIndex(c => c.RunId);
        builder.HasIndex(c => c.RunItemId);
        builder.HasIndex(c => c.ModelGradeId);
        builder.HasIndex(c => new { c.ModelProfileId, c.StartedAt });
    }
}

internal sealed class GradingArtifactConfiguration : IEntityTypeConfiguration<GradingArtifact>
{
    public void Configure(EntityTypeBuilder<GradingArtifact> builder)
    {
        builder.ToTable("grading_artifacts");
        builder.Property(a => a.Kind).HasMaxLength(30);
        builder.Property(a => a.CacheKey).HasMaxLength(128);
        builder.Property(a => a.Content).HasColumnType("jsonb");
        builder.HasOne<Problem>().WithMany().HasForeignKey(a => a.ProblemId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(a => new { a.ProblemId, a.Kind, a.CacheKey }).IsUnique();
    }
}

internal sealed class ModelRequestStartConfiguration : IEntityTypeConfiguration<ModelRequestStart>
{
    public void Configure(EntityTypeBuilder<ModelRequestStart> builder)
    {
        builder.ToTable("model_request_starts");
        builder.HasIndex(s => new { s.ModelProfileId, s.At });
    }
}
