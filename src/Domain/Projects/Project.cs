using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Common;

namespace GradingPortal.Domain.Projects;

/// <summary>A grading campaign: its problems, members with roles, scale, and blind-grading policy.</summary>
public sealed class Project : AuditedEntity
{
    private readonly List<ProjectMember> _members = [];

    private Project()
    {
    }

    public string Name { get; private set; } = "";
    public string Description { get; private set; } = "";
    /// <summary>Default max points for new problems.</summary>
    public int MaxPoints { get; private set; } = Points.DefaultMaxPoints;
    /// <summary>Whether grades are also shown on the 1–4 label scale (GRADING-METHOD.md).</summary>
    public bool UsesLabels { get; private set; }
    /// <summary>Graders do not see other people's (or models') grades of a solution until their own is in.</summary>
    public bool BlindGrading { get; private set; }
    /// <summary>Graders do not see solution authors.</summary>
    public bool HideAuthors { get; private set; }
    /// <summary>Error types this project adds to the built-in taxonomy.</summary>
    public List<string> CustomErrorTypes { get; private set; } = [];
    /// <summary>
    /// How many people should grade each solution independently. The review queue hands a solution to graders who have
    /// not graded it until this many have (or it is adjudicated).
    /// </summary>
    public int RequiredHumanGrades { get; private set; } = 1;
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public uint RowVersion { get; private set; }

    public IReadOnlyList<ProjectMember> Members => _members;

    public static Project Create(string name, string? description, int? maxPoints, bool usesLabels, bool blindGrading,
        bool hideAuthors, IEnumerable<string>? customErrorTypes, DateTimeOffset now)
    {
        var project = new Project { Id = Ids.New(), CreatedAt = now };
        project.Update(name, description, maxPoints ?? Points.DefaultMaxPoints, usesLabels, blindGrading, hideAuthors, customErrorTypes, now);
        project.MarkAuditAction("created");
        return project;
    }

    public void Update(string name, string? description, int maxPoints, bool usesLabels, bool blindGrading, bool hideAuthors,
        IEnumerable<string>? customErrorTypes, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        name = (name ?? "").Trim();
        errors.Require(name.Length is > 0 and <= 200, "name", "Name is required (at most 200 characters).");
        errors.Require(maxPoints is > 0 and <= Points.MaxAllowedMaxPoints, "maxPoints", $"Max points must be between 1 and {Points.MaxAllowedMaxPoints}.");
        var custom = (customErrorTypes ?? []).Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        foreach (var type in custom)
        {
            errors.Require(ErrorTypes.IsWellFormed(type), "customErrorTypes", $"'{type}' is not a valid identifier (lowercase letters, digits and dashes).");
        }
        errors.ThrowIfAny();

        Name = name;
        Description = description?.Trim() ?? "";
        MaxPoints = maxPoints;
        UsesLabels = usesLabels;
        BlindGrading = blindGrading;
        HideAuthors = hideAuthors;
        CustomErrorTypes = custom;
        UpdatedAt = now;
    }

    /// <summary>Most independent grades a project may ask for per solution.</summary>
    public const int MaxRequiredHumanGrades = 10;

    /// <summary>Sets how many independent human grades each solution should get (1..<see cref="MaxRequiredHumanGrades"/>).</summary>
    public void RequireHumanGrades(int count, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        errors.Require(count is >= 1 and <= MaxRequiredHumanGrades, "requiredHumanGrades",
            $"Required human grades must be between 1 and {MaxRequiredHumanGrades}.");
        errors.ThrowIfAny();
        if (count != RequiredHumanGrades)
        {
            RequiredHumanGrades = count;
            UpdatedAt = now;
        }
    }

    public bool IsKnownErrorType(string type) => ErrorTypes.Builtin.Contains(type) || CustomErrorTypes.Contains(type);

    internal override string AuditEntityType => "project";
    internal override Guid? AuditProjectId => Id;
    internal override object AuditSnapshot() => new { Id, Name, Description, MaxPoints, UsesLabels, BlindGrading, HideAuthors, CustomErrorTypes, RequiredHumanGrades };
}

/// <summary>Roles within a project, in increasing order of power.</summary>
public enum ProjectRole
{
    /// <summary>Reads everything the project's blind policy allows.</summary>
    Viewer = 0,
    /// <summary>Also annotates and grades.</summary>
    Grader = 1,
    /// <summary>Also adjudicates final grades and edits rubrics.</summary>
    Adjudicator = 2,
    /// <summary>Everything, including members and project settings.</summary>
    Admin = 3,
}

/// <summary>What each role may do; the Api asks these, never compares roles itself.</summary>
public static class ProjectPermissions
{
    public static bool CanRead(this ProjectRole role) => role >= ProjectRole.Viewer;
    public static bool CanGrade(this ProjectRole role) => role >= ProjectRole.Grader;
    public static bool CanAdjudicate(this ProjectRole role) => role >= ProjectRole.Adjudicator;

    /// <summary>Its author may delete an annotation, and so may Adjudicators and Admins (model findings have no author).</summary>
    public static bool MayDeleteAnnotation(this ProjectRole role, Guid? authorId, Guid userId) => authorId == userId || role.CanAdjudicate();
    public static bool CanEditRubrics(this ProjectRole role) => role >= ProjectRole.Adjudicator;
    public static bool CanEditContent(this ProjectRole role) => role >= ProjectRole.Adjudicator;
    public static bool CanManage(this ProjectRole role) => role >= ProjectRole.Admin;
    /// <summary>Model profiles' endpoints and prices: for those who spend on them; Viewers and Graders see names and models only.</summary>
    public static bool SeesModelProfileDetails(this ProjectRole role) => role >= ProjectRole.Adjudicator;
}

/// <summary>A user's role in a project.</summary>
public sealed class ProjectMember : AuditedEntity
{
    private ProjectMember()
    {
    }

    public Guid ProjectId { get; private set; }
    public Guid UserId { get; private set; }
    public ProjectRole Role { get; private set; }
    public DateTimeOffset AddedAt { get; private set; }

    public static ProjectMember Create(Guid projectId, Guid userId, ProjectRole role, DateTimeOffset now)
    {
        var member = new ProjectMember { Id = Ids.New(), ProjectId = projectId, UserId = userId, Role = role, AddedAt = now };
        member.MarkAuditAction("roleGranted");
        return member;
    }

    public void ChangeRole(ProjectRole role)
    {
        if (role != Role)
        {
            Role = role;
            MarkAuditAction("roleChanged");
        }
    }

    internal override string AuditEntityType => "projectMember";
    internal override Guid? AuditProjectId => ProjectId;
    internal override object AuditSnapshot() => new { Id, ProjectId, UserId, Role = Role.ToString() };
}
