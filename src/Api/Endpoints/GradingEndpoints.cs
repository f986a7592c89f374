using GradingPortal.Api.Auth;
using GradingPortal.Api.Contracts;
using GradingPortal.Api.Infrastructure;
using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Rubrics;
using GradingPortal.Domain.Solutions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Api.Endpoints;

/// <summary>Grading a solution by hand: annotations, human grades, adjudication.</summary>
internal static class GradingEndpoints
{
    public static IEndpointRouteBuilder MapGradingEndpoints(this IEndpointRouteBuilder app)
    {
        var solutions = app.MapGroup("/api/solutions/{solutionId:guid}").WithTags("Grading").RequireAuthorization();
        solutions.MapGet("/annotations", ListAnnotations).WithName("ListAnnotations")
            .WithSummary("Annotations you may see on the solution.").Problems(404);
        solutions.MapPost("/annotations", CreateAnnotation).WithName("CreateAnnotation")
            .WithSummary("Mark an error span (Graders). `quote` must equal the text at [start, end), UTF-16 offsets, end exclusive.").Problems(400, 403, 404);
        solutions.MapGet("/human-grades", ListHumanGrades).WithName("ListHumanGrades")
            .WithSummary("People's grades you may see (in blind projects: yours until you submit).").Problems(404);
        solutions.MapPost("/human-grades", SubmitHumanGrade).WithName("SubmitHumanGrade")
            .WithSummary("Submit your grade (Graders); to revise it, send the rowVersion you read.").Problems(400, 403, 404, 409);
        solutions.MapPut("/adjudication", Adjudicate).WithName("SetAdjudication")
            .WithSummary("Set the final grade with a rationale (Adjudicators); revising needs rowVersion.").Problems(400, 403, 404, 409);

        app.MapPatch("/api/annotations/{annotationId:guid}", UpdateAnnotation).WithName("UpdateAnnotation")
            .WithTags("Grading").RequireAuthorization()
            .WithSummary("Change your own annotation's type, severity and comment; send the rowVersion you read.").Problems(400, 403, 404, 409);
        app.MapDelete("/api/annotations/{annotationId:guid}", DeleteAnnotation).WithName("DeleteAnnotation")
            .WithTags("Grading").RequireAuthorization()
            .WithSummary("Delete an annotation (its author, or Adjudicators).").Problems(403, 404);
        return app;
    }

    internal static async Task<Results<Ok<List<AnnotationResponse>>, ProblemHttpResult>> ListAnnotations(Guid solutionId, GradingDbContext db,
        CurrentUser current, CancellationToken ct)
    {
        // Only the annotations' part of the solution record: an open page reads this on every annotation made elsewhere.
        var annotations = await SolutionView.LoadAnnotationsAsync(db, solutionId, current.Id, current.IsAdmin, ct);
        return annotations is null ? ApiProblems.NotFound("The solution") : TypedResults.Ok(annotations);
    }

    internal static async Task<Results<Created<AnnotationResponse>, ProblemHttpResult>> CreateAnnotation(Guid solutionId,
        CreateAnnotationRequest request, GradingDbContext db, ProjectAccess access, CurrentUser current, TimeProvider clock, CancellationToken ct)
    {
        if (await FindLiveSolutionAsync(db, access, solutionId, ct) is not var (solution, role))
        {
            return ApiProblems.NotFound("The solution");
        }
        if (!role.CanGrade())
        {
            return ApiProblems.Forbidden("annotate solutions");
        }
        if (!TryParseSeverity(request.Severity, out var severity))
        {
            return ApiProblems.Validation("severity", "Severity is one of minor, major, critical.");
        }
        var project = await db.Projects.AsNoTracking().FirstAsync(p => p.Id == solution.ProjectId, ct);
        var now = clock.GetUtcNow();
        var annotation = Annotation.CreateByPerson(project.Id, solution, request.Start, request.End, request.Quote, request.ErrorType, severity,
            request.Comment, project.IsKnownErrorType, current.Id, now);
        db.Annotations.Add(annotation);
        solution.Touch(now);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/annotations/{annotation.Id}",
            SolutionView.ToResponse(annotation, new Dictionary<Guid, string> { [current.Id] = current.Name },
                role.MayDeleteAnnotation(annotation.AuthorId, current.Id), canEdit: true));
    }

    internal static async Task<Results<Ok<AnnotationResponse>, ProblemHttpResult>> UpdateAnnotation(Guid annotationId,
        UpdateAnnotationRequest request, GradingDbContext db, ProjectAccess access, CurrentUser current, TimeProvider clock, CancellationToken ct)
    {
        var annotation = await db.Annotations.FirstOrDefaultAsync(a => a.Id == annotationId, ct);
        if (annotation is null || await SolutionView.ProjectOfAsync(db, annotation.SolutionId, ct) is null
            || await access.RoleAsync(annotation.ProjectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The annotation");
        }
        var project = await db.Projects.AsNoTracking().FirstAsync(p => p.Id == annotation.ProjectId, ct);
        if (annotation.AuthorId != current.Id || !role.CanGrade())
        {
            // Words are their author's: Adjudicators may delete a mark but not put words in someone's mouth. Whoever may
            // not see the mark at all (blind project, no own grade yet) gets 404, as for delete.
            var userId = current.Id;
            var hasOwnGrade = await db.HumanGrades.AnyAsync(g => g.SolutionId == annotation.SolutionId && g.GraderId == userId, ct);
            return BlindPolicy.MaySeeOthersGrades(project, role, hasOwnGrade) || annotation.AuthorId == current.Id
                ? ApiProblems.Forbidden("edit other people's annotations")
                : ApiProblems.NotFound("The annotation");
        }
        if (request.RowVersion is not { } expected)
        {
            return ApiProblems.Validation("rowVersion", "Send the rowVersion of the annotation you read.");
        }
        if (!TryParseSeverity(request.Severity, out var severity))
        {
            return ApiProblems.Validation("severity", "Severity is one of minor, major, critical.");
        }
        db.Entry(annotation).Property(a => a.RowVersion).OriginalValue = expected;
        var now = clock.GetUtcNow();
        annotation.Revise(request.ErrorType, severity, request.Comment, project.IsKnownErrorType, now);
        var solution = await db.Solutions.FirstAsync(s => s.Id == annotation.SolutionId, ct);
        solution.Touch(now);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(SolutionView.ToResponse(annotation, new Dictionary<Guid, string> { [current.Id] = current.Name },
            role.MayDeleteAnnotation(annotation.AuthorId, current.Id), canEdit: true));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAnnotation(Guid annotationId, GradingDbContext db, ProjectAccess access,
        CurrentUser current, TimeProvider clock, CancellationToken ct)
    {
        var annotation = await db.Annotations.FirstOrDefaultAsync(a => a.Id == annotationId, ct);
        if (annotation is null || await SolutionView.ProjectOfAsync(db, annotation.SolutionId, ct) is null
            || await access.RoleAsync(annotation.ProjectId, ct) is not { } role)
        {
            return ApiProblems.NotFound("The annotation");
        }
        if (!role.MayDeleteAnnotation(annotation.AuthorId, current.Id))
        {
            // Whoever may not see others' annotations (blind project, no own grade yet) must not learn of them; 404 keeps that promise.
            var project = await db.Projects.AsNoTracking().FirstAsync(p => p.Id == annotation.ProjectId, ct);
            var userId = current.Id;
            var hasOwnGrade = await db.HumanGrades.AnyAsync(g => g.SolutionId == annotation.SolutionId && g.GraderId == userId, ct);
            return BlindPolicy.MaySeeOthersGrades(project, role, hasOwnGrade)
                ? ApiProblems.Forbidden("delete other people's annotations")
                : ApiProblems.NotFound("The annotation");
        }
        db.Annotations.Remove(annotation);
        var solution = await db.Solutions.FirstAsync(s => s.Id == annotation.SolutionId, ct);
        solution.Touch(clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<List<HumanGradeResponse>>, ProblemHttpResult>> ListHumanGrades(Guid solutionId, GradingDbContext db,
        CurrentUser current, CancellationToken ct)
    {
        var context = await LoadContextAsync(db, solutionId, current.Id, current.IsAdmin, ct);
        if (context is null)
        {
            return ApiProblems.NotFound("The solution");
        }
        return TypedResults.Ok(context.View.HumanGrades.ToList());
    }

    internal static async Task<Results<Created<HumanGradeResponse>, Ok<HumanGradeResponse>, ProblemHttpResult>> SubmitHumanGrade(Guid solutionId,
        SubmitHumanGradeRequest request, GradingDbContext db, ProjectAccess access, CurrentUser current, TimeProvider clock, CancellationToken ct)
    {
        if (await FindLiveSolutionAsync(db, access, solutionId, ct) is not var (solution, role))
        {
            return ApiProblems.NotFound("The solution");
        }
        if (!role.CanGrade())
        {
            return ApiProblems.Forbidden("grade solutions");
        }
        var project = await db.Projects.AsNoTracking().FirstAsync(p => p.Id == solution.ProjectId, ct);
        var maxPoints = await db.Problems.Where(p => p.Id == solution.ProblemId).Select(p => p.MaxPoints).FirstAsync(ct);
        var rubric = await RubricOfAwardsAsync(db, solution.ProblemId, request.Items, ct);
        var items = request.Items?.Select(i => new ItemAwardInput(i.RubricItemId, i.Points, i.Comment)).ToList();
        var now = clock.GetUtcNow();
        var userId = current.Id;
        var existing = await db.HumanGrades.Include(g => g.Items).FirstOrDefaultAsync(g => g.SolutionId == solutionId && g.GraderId == userId, ct);
        HumanGrade grade;
        var otherGrades = await db.HumanGrades.CountAsync(g => g.SolutionId == solutionId && g.GraderId != userId, ct)
            + await db.Adjudications.CountAsync(a => a.SolutionId == solutionId, ct)
            + await db.ModelGrades.CountAsync(m => m.SolutionId == solutionId, ct);
        if (existing is null)
        {
            grade = HumanGrade.Create(project.Id, solutionId, userId, maxPoints, request.Points, rubric, items, request.Comment,
                BlindPolicy.GradeIsBlind(project, role, otherGrades), now);
            db.HumanGrades.Add(grade);
        }
        else
        {
            if (request.RowVersion is not { } expected)
            {
                return ApiProblems.Conflict("You have already graded this solution; send the rowVersion of your grade to revise it.");
            }
            db.Entry(existing).Property(g => g.RowVersion).OriginalValue = expected;
            db.HumanGradeItems.RemoveRange(existing.Items);
            existing.Revise(maxPoints, request.Points, rubric, items, request.Comment,
                BlindPolicy.RevisionIsBlind(existing.GivenBlind, project, role, otherGrades), now);
            grade = existing;
        }
        solution.Touch(now);
        await db.SaveChangesAsync(ct);
        var response = SolutionView.ToResponse(grade, new Dictionary<Guid, string> { [userId] = current.Name });
        return existing is null
            ? TypedResults.Created($"/api/solutions/{solutionId}/human-grades", response)
            : TypedResults.Ok(response);
    }

    internal static async Task<Results<Created<AdjudicationResponse>, Ok<AdjudicationResponse>, ProblemHttpResult>> Adjudicate(Guid solutionId,
        AdjudicateRequest request, GradingDbContext db, ProjectAccess access, CurrentUser current, TimeProvider clock, CancellationToken ct)
    {
        if (await FindLiveSolutionAsync(db, access, solutionId, ct) is not var (solution, role))
        {
            return ApiProblems.NotFound("The solution");
        }
        if (!role.CanAdjudicate())
        {
            return ApiProblems.Forbidden("adjudicate");
        }
        var basedOn = new List<GradeReference>();
        var gradeIds = await db.HumanGrades.Where(g => g.SolutionId == solutionId).Select(g => g.Id).ToListAsync(ct);
        foreach (var (reference, index) in (request.BasedOn ?? []).Select((r, i) => (r, i)))
        {
            if (!string.Equals(reference.Kind, "human", StringComparison.OrdinalIgnoreCase) || !gradeIds.Contains(reference.GradeId))
            {
                return ApiProblems.Validation($"basedOn[{index}]", "Not a grade of this solution.");
            }
            basedOn.Add(new GradeReference(GradeSourceKind.Human, reference.GradeId));
        }
        var maxPoints = await db.Problems.Where(p => p.Id == solution.ProblemId).Select(p => p.MaxPoints).FirstAsync(ct);
        var now = clock.GetUtcNow();
        var existing = await db.Adjudications.FirstOrDefaultAsync(a => a.SolutionId == solutionId, ct);
        Adjudication adjudication;
        if (existing is null)
        {
            adjudication = Adjudication.Create(solution.ProjectId, solutionId, maxPoints, request.Points, request.Rationale, basedOn, current.Id, now);
            db.Adjudications.Add(adjudication);
        }
        else
        {
            if (request.RowVersion is not { } expected)
            {
                return ApiProblems.Conflict("This solution is already adjudicated; send the adjudication's rowVersion to revise it.");
            }
            db.Entry(existing).Property(a => a.RowVersion).OriginalValue = expected;
            existing.Revise(maxPoints, request.Points, request.Rationale, basedOn, current.Id, now);
            adjudication = existing;
        }
        solution.Touch(now);
        await db.SaveChangesAsync(ct);
        var response = SolutionView.ToResponse(adjudication, new Dictionary<Guid, string> { [current.Id] = current.Name });
        return existing is null
            ? TypedResults.Created($"/api/solutions/{solutionId}/adjudication", response)
            : TypedResults.Ok(response);
    }

    /// <summary>
    /// The rubric version the awards refer to: the one owning the first awarded item, which must belong to this problem
    /// and be approved (or retired, so a grade given against the previous version can still be revised).
    /// </summary>
    private static async Task<Rubric?> RubricOfAwardsAsync(GradingDbContext db, Guid problemId, IReadOnlyList<ItemAwardDto>? items, CancellationToken ct)
    {
        if (items is not { Count: > 0 })
        {
            return null;
        }
        var itemId = items[0].RubricItemId;
        var rubricId = await db.RubricItems.Where(i => i.Id == itemId).Select(i => (Guid?)i.RubricId).FirstOrDefaultAsync(ct);
        var rubric = rubricId is null ? null : await db.Rubrics.AsNoTracking().Include(r => r.Items)
            .FirstOrDefaultAsync(r => r.Id == rubricId && r.ProblemId == problemId && r.Status != RubricStatus.Draft, ct);
        if (rubric is null)
        {
            throw new DomainValidationException("items[0].rubricItemId", "Not an item of an approved rubric of this problem.");
        }
        return rubric;
    }

    /// <summary>
    /// The tracked solution (for commands that touch it) and the caller's role, in two queries; null when the solution
    /// or its problem is gone, or the caller is not a member of its project.
    /// </summary>
    private static async Task<(Solution Solution, ProjectRole Role)?> FindLiveSolutionAsync(GradingDbContext db, ProjectAccess access,
        Guid solutionId, CancellationToken ct)
    {
        var solution = await db.Solutions
            .Where(s => s.Id == solutionId && db.Problems.Any(p => p.Id == s.ProblemId && p.DeletedAt == null))
            .FirstOrDefaultAsync(ct);
        return solution is not null && await access.RoleAsync(solution.ProjectId, ct) is { } role ? (solution, role) : null;
    }

    private static bool TryParseSeverity(string? value, out Severity severity) =>
        Enum.TryParse(value, ignoreCase: true, out severity) && Enum.IsDefined(severity) && !int.TryParse(value, out _);

    private sealed record SolutionContext(SolutionResponse View);

    private static async Task<SolutionContext?> LoadContextAsync(GradingDbContext db, Guid solutionId, Guid userId, bool isGlobalAdmin,
        CancellationToken ct)
    {
        var loaded = await SolutionView.LoadAsync(db, solutionId, userId, isGlobalAdmin, ct);
        return loaded is { } found ? new SolutionContext(found.View) : null;
    }
}
