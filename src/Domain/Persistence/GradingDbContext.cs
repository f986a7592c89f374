using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Imports;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Problems;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Rubrics;
using GradingPortal.Domain.Solutions;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Domain.Persistence;

/// <summary>
/// The one database model of GradingPortal (Identity tables included). Every save also writes an
/// <see cref="AuditEvent"/> for each changed <see cref="AuditedEntity"/>, in the same transaction.
/// </summary>
public sealed class GradingDbContext(DbContextOptions<GradingDbContext> options, IAuditActorAccessor? actorAccessor = null, TimeProvider? clock = null)
    : IdentityDbContext<AppUser, IdentityRole<Guid>, Guid>(options)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public DbSet<Project> Projects => Set<Project>();
    public DbSet<ProjectMember> ProjectMembers => Set<ProjectMember>();
    public DbSet<Problem> Problems => Set<Problem>();
    public DbSet<ReferenceSolution> ReferenceSolutions => Set<ReferenceSolution>();
    public DbSet<Rubric> Rubrics => Set<Rubric>();
    public DbSet<RubricItem> RubricItems => Set<RubricItem>();
    public DbSet<Solution> Solutions => Set<Solution>();
    public DbSet<Annotation> Annotations => Set<Annotation>();
    public DbSet<HumanGrade> HumanGrades => Set<HumanGrade>();
    public DbSet<HumanGradeItem> HumanGradeItems => Set<HumanGradeItem>();
    public DbSet<Adjudication> Adjudications => Set<Adjudication>();
    public DbSet<GoldItem> GoldItems => Set<GoldItem>();
    public DbSet<ModelGrade> ModelGrades => Set<ModelGrade>();
    public DbSet<ModelGradeItem> ModelGradeItems => Set<ModelGradeItem>();
    public DbSet<ModelFinding> ModelFindings => Set<ModelFinding>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<RevokedSession> RevokedSessions => Set<RevokedSession>();
    public DbSet<JobsDashboardTicket> JobsDashboardTickets => Set<JobsDashboardTicket>();
    public DbSet<DataProtectionKeyRecord> DataProtectionKeys => Set<DataProtectionKeyRecord>();
    public DbSet<Import> Imports => Set<Import>();
    public DbSet<ImportFailure> ImportFailures => Set<ImportFailure>();
    public DbSet<ImportChunk> ImportChunks => Set<ImportChunk>();
    public DbSet<ImportUpload> ImportUploads => Set<ImportUpload>();
    public DbSet<ModelProfile> ModelProfiles => Set<ModelProfile>();
    public DbSet<GradingRun> GradingRuns => Set<GradingRun>();
    public DbSet<GradingRunProblem> GradingRunProblems => Set<GradingRunProblem>();
    public DbSet<GradingRunItem> GradingRunItems => Set<GradingRunItem>();
    public DbSet<StageCall> StageCalls => Set<StageCall>();
    public DbSet<GradingArtifact> GradingArtifacts => Set<GradingArtifact>();
    public DbSet<ModelRequestStart> ModelRequestStarts => Set<ModelRequestStart>();

    /// <summary>Overrides the actor for this unit of work (background hosts, the migrator's seeding).</summary>
    public AuditActor? ActorOverride { get; set; }

    /// <summary>Who the audit events of this unit of work are attributed to.</summary>
    public AuditActor CurrentActor => ActorOverride ?? actorAccessor?.Actor ?? AuditActor.System;

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(GradingDbContext).Assembly);
        // Our ids are UUID v7 assigned in code when an entity is created. Without this EF takes a preset Guid key on a
        // child added to a tracked parent for a database-generated one and UPDATEs a row that does not exist.
        foreach (var entity in builder.Model.GetEntityTypes().Where(e => e.ClrType.Namespace?.StartsWith("GradingPortal.Domain", StringComparison.Ordinal) == true))
        {
            if (entity.FindPrimaryKey()?.Properties is [{ ClrType: var type } key] && type == typeof(Guid))
            {
                key.ValueGenerated = Microsoft.EntityFrameworkCore.Metadata.ValueGenerated.Never;
            }
        }
        SnakeCaseNames.Apply(builder);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        WriteAuditEvents();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        WriteAuditEvents();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>
    /// Accounts are Identity's type, so they cannot derive from <see cref="AuditedEntity"/>; what matters about them for
    /// the history is named here. Sign-in bookkeeping (failure counts, lockout, security stamps) is not recorded.
    /// </summary>
    private static IEnumerable<string> UserAuditActions(Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry<AppUser> entry)
    {
        if (entry.State == EntityState.Added)
        {
            yield return "created";
            if (entry.Entity.IsAdmin)
            {
                yield return "adminGranted";
            }
            yield break;
        }
        if (entry.State != EntityState.Modified)
        {
            yield break;
        }
        if (entry.Property(u => u.IsAdmin).IsModified && (bool)entry.Property(u => u.IsAdmin).OriginalValue! != entry.Entity.IsAdmin)
        {
            yield return entry.Entity.IsAdmin ? "adminGranted" : "adminRevoked";
        }
        if (entry.Property(u => u.DisabledAt).IsModified && (entry.Property(u => u.DisabledAt).OriginalValue is null) != (entry.Entity.DisabledAt is null))
        {
            yield return entry.Entity.IsDisabled ? "disabled" : "enabled";
        }
        if (entry.Property(u => u.PasswordHash).IsModified && entry.Property(u => u.PasswordHash).OriginalValue != entry.Entity.PasswordHash)
        {
            yield return "passwordChanged";
        }
    }

    private void WriteAuditEvents()
    {
        ChangeTracker.DetectChanges();
        var actor = CurrentActor;
        var now = _clock.GetUtcNow();
        var events = new List<AuditEvent>();
        foreach (var entry in ChangeTracker.Entries<AuditedEntity>())
        {
            if (entry.State == EntityState.Added)
            {
                if (AuditEvent.ForCreation(entry.Entity, actor, now) is { } created)
                {
                    events.Add(created);
                }
                continue;
            }
            var pending = entry.Entity.TakePendingAuditAction();
            var action = entry.State switch
            {
                EntityState.Deleted => "deleted",
                EntityState.Modified => pending ?? "updated",
                // A child changed (items), or behaviour named an action without a scalar change.
                EntityState.Unchanged when pending is not null => pending,
                _ => null,
            };
            if (action is null)
            {
                continue;
            }
            if (entry.Entity is ApiToken or Solution && entry.State == EntityState.Modified && pending is null)
            {
                // "last used" and "updated at" bookkeeping (Solution.Touch when its grades or annotations change) is not a
                // change worth a history entry: the grade or annotation has its own, and blind graders must not see others act.
                continue;
            }
            events.Add(AuditEvent.Create(entry.Entity, action, actor, now));
        }
        foreach (var entry in ChangeTracker.Entries<AppUser>())
        {
            events.AddRange(UserAuditActions(entry).Select(action => AuditEvent.ForUser(entry.Entity, action, actor, now)));
        }
        AuditEvents.AddRange(events);
    }
}
