using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Imports;
using GradingPortal.Domain.Projects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GradingPortal.Domain.Persistence.Configurations;

internal sealed class ImportConfiguration : IEntityTypeConfiguration<Import>
{
    public void Configure(EntityTypeBuilder<Import> builder)
    {
        builder.ToTable("imports");
        builder.Property(i => i.Id).ValueGeneratedNever();
        builder.Property(i => i.Format).HasConversion<string>().HasMaxLength(20);
        builder.Property(i => i.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(i => i.FileName).HasMaxLength(300);
        builder.Property(i => i.Error).HasMaxLength(2000);
        builder.Property(i => i.RowVersion).IsRowVersion();
        builder.Ignore(i => i.IsFinished);
        builder.HasOne<Project>().WithMany().HasForeignKey(i => i.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(i => i.CreatedById).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(i => new { i.ProjectId, i.Id });
    }
}

internal sealed class ImportFailureConfiguration : IEntityTypeConfiguration<ImportFailure>
{
    public void Configure(EntityTypeBuilder<ImportFailure> builder)
    {
        builder.ToTable("import_failures");
        builder.HasKey(f => new { f.ImportId, f.Ordinal });
        builder.Property(f => f.Record).HasMaxLength(300);
        builder.Property(f => f.Field).HasMaxLength(300);
        builder.Property(f => f.Reason).HasMaxLength(2000);
        builder.HasOne<Import>().WithMany().HasForeignKey(f => f.ImportId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ImportChunkConfiguration : IEntityTypeConfiguration<ImportChunk>
{
    public void Configure(EntityTypeBuilder<ImportChunk> builder)
    {
        // Written and read with plain SQL (streaming); mapped so the migration owns the table. Unlogged: staged bytes are
        // transient (no WAL for them), and a crash that empties the table fails the import with "upload again".
        builder.ToTable("import_chunks").IsUnlogged();
        builder.HasKey(c => new { c.ImportId, c.Seq });
        builder.HasOne<Import>().WithMany().HasForeignKey(c => c.ImportId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ImportUploadConfiguration : IEntityTypeConfiguration<ImportUpload>
{
    public void Configure(EntityTypeBuilder<ImportUpload> builder)
    {
        // Written and read with plain SQL, beside the chunks (and, like them, unlogged). A row of its own rather than columns
        // of imports: the Api updates it with every chunk while a Worker checkpoints the import row (optimistic concurrency).
        builder.ToTable("import_uploads").IsUnlogged();
        builder.HasKey(u => u.ImportId);
        builder.Property(u => u.Error).HasMaxLength(2000);
        builder.HasOne<Import>().WithOne().HasForeignKey<ImportUpload>(u => u.ImportId).OnDelete(DeleteBehavior.Cascade);
    }
}
