using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Solutions;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>Builds the solution page's data, applying the project's blind policy to what the caller sees.</summary>
internal static class SolutionView
{
    public static Task<Guid?> ProjectOfAsync(GradingDbContext db, Guid solutionId, CancellationToken ct) =>
        db.Solutions.Where(s => s.Id == solutionId && db.Problems.Any(p => p.Id == s.ProblemId && p.DeletedAt == null))
            .Select(s => (Guid?)s.ProjectId).FirstOrDefaultAsync(ct);

    public static async Task<SolutionResponse?> LoadAsync(GradingDbContext db, Guid solutionId, Guid userId, ProjectRole role, CancellationToken ct)
    {
        var solution = await db.Solutions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == solutionId, ct);
        if (solution is null)
        {
            return null;
        }
        var project = await db.Projects.AsNoTracking().FirstAsync(p => p.Id == solution.ProjectId, ct);
        var problem = await db.Problems.AsNoTracking().FirstAsync(p => p.Id == solution.ProblemId, ct);
        var rubrics = await db.Rubrics.AsNoTracking().Include(r => r.Items).Where(r => r.ProblemId == problem.Id).ToListAsync(ct);
        var grades = await db.HumanGrades.AsNoTracking().Include(g => g.Items).Where(g => g.SolutionId == solutionId)
            .OrderBy(g => g.CreatedAt).ToListAsync(ct);
        var annotations = await db.Annotations.AsNoTracking().Where(a => a.SolutionId == solutionId).OrderBy(a => a.Start).ThenBy(a => a.End)
            .ToListAsync(ct);
        var adjudication = await db.Adjudications.AsNoTracking().FirstOrDefaultAsync(a => a.SolutionId == solutionId, ct);

        var people = grades.Select(g => g.GraderId)
            .Concat(annotations.Where(a => a.AuthorId is not null).Select(a => a.AuthorId!.Value))
            .Concat(adjudication is null ? [] : [adjudication.AdjudicatorId])
            .Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(u => people.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, ct);

        var mine = grades.FirstOrDefault(g => g.GraderId == userId);
        var seesOthers = BlindPolicy.MaySeeOthersGrades(project, role, mine is not null);
        var seesAuthor = BlindPolicy.MaySeeAuthor(project, role);
        var visibleGrades = seesOthers ? grades : grades.Where(g => g.GraderId == userId).ToList();
        var visibleAnnotations = seesOthers ? annotations : annotations.Where(a => a.AuthorId == userId).ToList();

        var previous = await db.Solutions.Where(s => s.ProblemId == problem.Id && s.Id.CompareTo(solutionId) < 0)
            .OrderByDescending(s => s.Id).Select(s => (Guid?)s.Id).FirstOrDefaultAsync(ct);
        var next = await db.Solutions.Where(s => s.ProblemId == problem.Id && s.Id.CompareTo(solutionId) > 0)
            .OrderBy(s => s.Id).Select(s => (Guid?)s.Id).FirstOrDefaultAsync(ct);

        var rubric = ProblemQueries.CurrentRubric(rubrics);
        var evidence = Evidence.Level(modelGrades: 0, grades.Count, adjudication is not null);
        return new SolutionResponse(
            solution.Id, solution.ProjectId, solution.ProblemId,
            new SolutionProblemResponse(problem.Id, problem.Title, problem.Statement, problem.MaxPoints),
            solution.Text, seesAuthor ? solution.Author : null, solution.ExternalId, solution.CreatedAt, solution.UpdatedAt,
            rubric is null ? null : RubricMapping.ToResponse(rubric),
            visibleAnnotations.Select(a => ToResponse(a, names)).ToList(),
            visibleGrades.Select(g => ToResponse(g, names)).ToList(),
            mine is null ? null : ToResponse(mine, names),
            seesOthers && adjudication is not null ? ToResponse(adjudication, names) : null,
            seesOthers ? EvidenceName(evidence) : "hidden",
            new SolutionPermissions(role.ToWire(), role.CanGrade(), role.CanGrade(), role.CanAdjudicate(), !seesOthers, !seesAuthor),
            previous, next);
    }

    public static string EvidenceName(EvidenceLevel level) => level switch
    {
        EvidenceLevel.ModelOnly => "modelOnly",
        EvidenceLevel.OneHuman => "oneHuman",
        EvidenceLevel.TwoHumans => "twoHumans",
        EvidenceLevel.Adjudicated => "adjudicated",
        _ => "none",
    };

    public static AnnotationResponse ToResponse(Annotation a, IReadOnlyDictionary<Guid, string> names) => new(
        a.Id, a.SolutionId, a.Start, a.End, a.Quote, a.ErrorType, a.Severity.ToString().ToLowerInvariant(), a.Comment,
        a.Origin.ToString().ToLowerInvariant(), a.Review.ToString().ToLowerInvariant(), a.AuthorId,
        a.AuthorId is { } id ? names.GetValueOrDefault(id) : null, a.CreatedAt);

    public static HumanGradeResponse ToResponse(HumanGrade g, IReadOnlyDictionary<Guid, string> names) => new(
        g.Id, g.SolutionId, g.GraderId, names.GetValueOrDefault(g.GraderId, ""), g.RubricId, g.Points,
        g.Items.Select(i => new ItemAwardDto(i.RubricItemId, i.Points, i.Comment)).ToList(), g.Comment, g.GivenBlind, g.CreatedAt, g.UpdatedAt,
        g.RowVersion);

    public static AdjudicationResponse ToResponse(Adjudication a, IReadOnlyDictionary<Guid, string> names) => new(
        a.Id, a.SolutionId, a.Points, a.Rationale, a.AdjudicatorId, names.GetValueOrDefault(a.AdjudicatorId, ""),
        a.BasedOn.Select(b => new GradeReferenceDto(b.Kind.ToString().ToLowerInvariant(), b.GradeId)).ToList(), a.CreatedAt, a.UpdatedAt,
        a.RowVersion);
}
