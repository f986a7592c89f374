using System.Text.Json;

namespace GradingPortal.Domain.Auditing;

/// <summary>
/// One append-only entry in the history of grades, rubrics, annotations, problems, solutions and roles.
/// Written by <see cref="Persistence.GradingDbContext"/> for every change of an <see cref="AuditedEntity"/>;
/// the database refuses UPDATE and DELETE on the table.
/// </summary>
public sealed class AuditEvent
{
    private AuditEvent()
    {
    }

    public long Id { get; private set; }
    public DateTimeOffset At { get; private set; }
    public Guid? ActorId { get; private set; }
    public string ActorName { get; private set; } = "";
    public Guid? ProjectId { get; private set; }
    public Guid? SolutionId { get; private set; }
    /// <summary>Entity kind, e.g. <c>rubric</c>, <c>humanGrade</c>.</summary>
    public string EntityType { get; private set; } = "";
    public Guid EntityId { get; private set; }
    /// <summary>What happened: <c>created</c>, <c>updated</c>, <c>deleted</c> or an entity-specific verb (<c>approved</c>...).</summary>
    public string Action { get; private set; } = "";
    /// <summary>The entity as it stood after the change (before it, for a deletion), as JSON.</summary>
    public JsonDocument Data { get; private set; } = null!;

    internal static AuditEvent Create(AuditedEntity entity, string action, AuditActor actor, DateTimeOffset at) => new()
    {
        At = at,
        ActorId = actor.UserId,
        ActorName = actor.Name,
        ProjectId = entity.AuditProjectId,
        SolutionId = entity.AuditSolutionId,
        EntityType = entity.AuditEntityType,
        EntityId = entity.Id,
        Action = action,
        // Not SerializeToDocument: its document keeps the 16 KB pooled buffer it was written into until disposed, and events
        // are not disposed; a bulk import creating thousands of them spent most of its time collecting that garbage.
        Data = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(entity.AuditSnapshot(), s_json)),
    };

    /// <summary>An event about an account; the snapshot names the person and their rights, never credentials.</summary>
    internal static AuditEvent ForUser(Identity.AppUser user, string action, AuditActor actor, DateTimeOffset at) => new()
    {
        At = at,
        ActorId = actor.UserId,
        ActorName = actor.Name,
        EntityType = "user",
        EntityId = user.Id,
        Action = action,
        Data = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(
            new { user.Id, user.Email, user.DisplayName, user.IsAdmin, Disabled = user.IsDisabled }, s_json)),
    };

    /// <summary>
    /// The event recording the creation of a new <paramref name="entity"/> (action: the entity's pending verb, else
    /// <c>created</c>), or null for parts whose parent's event records them. The DbContext uses it for added entities;
    /// bulk writers that insert rows without change tracking use it too, so both write the same event and snapshot.
    /// </summary>
    public static AuditEvent? ForCreation(AuditedEntity entity, AuditActor actor, DateTimeOffset at)
    {
        var action = entity.TakePendingAuditAction() ?? "created";
        return entity.AuditCreation ? Create(entity, action, actor, at) : null;
    }

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
}

/// <summary>Who is making the current change. The Api sets it per request; background hosts name themselves.</summary>
public sealed record AuditActor(Guid? UserId, string Name)
{
    public static readonly AuditActor System = new(null, "system");
}

/// <summary>Supplies the actor for the current unit of work (scoped per request in the Api).</summary>
public interface IAuditActorAccessor
{
    AuditActor Actor { get; }
}

/// <summary>
/// Base of every entity whose changes are recorded. Children (rubric items, grade items) are not audited on their
/// own: the root's snapshot includes them, and behaviour that changes a child touches its root.
/// </summary>
public abstract class AuditedEntity
{
    private string? _pendingAction;

    public Guid Id { get; protected set; }

    internal abstract string AuditEntityType { get; }
    internal abstract Guid? AuditProjectId { get; }
    internal virtual Guid? AuditSolutionId => null;

    /// <summary>False for parts created together with a parent whose own event already records them.</summary>
    internal virtual bool AuditCreation => true;

    /// <summary>A plain object describing the entity (and its children) for the audit log.</summary>
    internal abstract object AuditSnapshot();

    /// <summary>Names the next audit event of this entity with a verb more precise than <c>updated</c>.</summary>
    protected void MarkAuditAction(string action) => _pendingAction = action;

    internal string? TakePendingAuditAction()
    {
        var action = _pendingAction;
        _pendingAction = null;
        return action;
    }
}
