using GradingPortal.Domain.Auditing;
using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Problems;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Rubrics;
using GradingPortal.Domain.Solutions;
using GradingPortal.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GradingPortal.Domain.Tests;

public sealed class PersistenceTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static GradingDbContext Open(string cs, AuditActor? actor = null) =>
        new(new DbContextOptionsBuilder<GradingDbContext>().UseNpgsql(cs).Options) { ActorOverride = actor };

    [Fact]
    public async Task SaveChanges_GradeWithItems_RoundTripsAndWritesAuditEvents()
    {
        var cs = await TestDatabase.CreateAsync("persist");
        var user = new AppUser { Id = Ids.New(), UserName = "g@example.org", Email = "g@example.org", DisplayName = "G", CreatedAt = s_now };
        var project = Project.Create("USAMO 2025", null, null, false, true, false, null, s_now);
        var problem = Problem.Create(project.Id, "P1", "Prove $x$.", 7, "USAMO", "p1", null, [("Ref", "official")], s_now);
        var rubric = Rubric.CreateOfficial(project.Id, problem.Id, 1, 7,
            new RubricContent([new("Idea", 3, null), new("Finish", 4, "rest")], "Nothing", [new("Sloppy", 1)], null), user.Id, s_now);
        var solution = Solution.Create(project.Id, problem.Id, "A proof text.", "human", "s1", s_now);
        await using (var db = Open(cs, new AuditActor(user.Id, "G")))
        {
            db.Users.Add(user);
            db.AddRange(project, problem, rubric, solution);
            db.ProjectMembers.Add(ProjectMember.Create(project.Id, user.Id, ProjectRole.Grader, s_now));
            await db.SaveChangesAsync();
            var grade = HumanGrade.Create(project.Id, solution.Id, user.Id, 7, 5, rubric,
                [new(rubric.Items[0].Id, 3, "ok"), new(rubric.Items[1].Id, 2, null)], "fine", true, s_now);
            db.HumanGrades.Add(grade);
            await db.SaveChangesAsync();
        }

        await using (var db = Open(cs))
        {
            var grade = await db.HumanGrades.Include(g => g.Items).SingleAsync();
            grade.Points.ShouldBe(5m);
            grade.Items.Count.ShouldBe(2);
            grade.RubricId.ShouldBe(rubric.Id);
            grade.RowVersion.ShouldNotBe(0u);
            var stored = await db.Rubrics.Include(r => r.Items).SingleAsync();
            stored.Deductions.ShouldHaveSingleItem().Points.ShouldBe(1m);
            var events = await db.AuditEvents.OrderBy(e => e.Id).ToListAsync();
            // New accounts are audited too.
            events.Select(e => e.EntityType).ShouldBe(["user", "project", "problem", "rubric", "solution", "projectMember", "humanGrade"], ignoreOrder: true);
            var gradeEvent = events.Single(e => e.EntityType == "humanGrade");
            gradeEvent.SolutionId.ShouldBe(solution.Id);
            gradeEvent.ActorName.ShouldBe("G");
            gradeEvent.Data.RootElement.GetProperty("items").GetArrayLength().ShouldBe(2);
        }
    }

    [Fact]
    public async Task AuditEvents_UpdateOrDelete_IsRefusedByTheDatabase()
    {
        var cs = await TestDatabase.CreateAsync("append");
        await using (var db = Open(cs))
        {
            db.Projects.Add(Project.Create("P", null, null, false, false, false, null, s_now));
            await db.SaveChangesAsync();
        }
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var delete = new NpgsqlCommand("DELETE FROM audit_events", conn);
        var ex = await Should.ThrowAsync<PostgresException>(() => delete.ExecuteNonQueryAsync());
        ex.MessageText.ShouldContain("append-only");
        await using var update = new NpgsqlCommand("UPDATE audit_events SET action = 'x'", conn);
        await Should.ThrowAsync<PostgresException>(() => update.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task HumanGrade_StaleRowVersion_ThrowsConcurrencyAndKeepsTheOtherEdit()
    {
        var cs = await TestDatabase.CreateAsync("concurrency");
        var user = new AppUser { Id = Ids.New(), UserName = "a@example.org", DisplayName = "A", CreatedAt = s_now };
        var project = Project.Create("P", null, null, false, false, false, null, s_now);
        var problem = Problem.Create(project.Id, "P1", "S", 7, null, null, null, [], s_now);
        var solution = Solution.Create(project.Id, problem.Id, "text", null, null, s_now);
        var grade = HumanGrade.Create(project.Id, solution.Id, user.Id, 7, 3, null, null, null, false, s_now);
        await using (var db = Open(cs))
        {
            db.Users.Add(user);
            db.AddRange(project, problem, solution, grade);
            await db.SaveChangesAsync();
        }

        await using var first = Open(cs);
        await using var second = Open(cs);
        var a = await first.HumanGrades.SingleAsync();
        var b = await second.HumanGrades.SingleAsync();
        a.Revise(7, 4, null, null, "first", stillBlind: true, s_now);
        await first.SaveChangesAsync();
        b.Revise(7, 6, null, null, "second", stillBlind: true, s_now);
        await Should.ThrowAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());

        await using var check = Open(cs);
        (await check.HumanGrades.SingleAsync()).Points.ShouldBe(4m);
    }

    private sealed record Seed(string ConnectionString, AppUser Grader, AppUser Adjudicator, Project Project, Problem Problem, Rubric Rubric,
        Solution Solution);

    /// <summary>A project with a grader and an adjudicator, a problem with an approved official rubric and one solution.</summary>
    private static async Task<Seed> SeedAsync(string hint)
    {
        var cs = await TestDatabase.CreateAsync(hint);
        var grader = new AppUser { Id = Ids.New(), UserName = $"g-{hint}@example.org", DisplayName = "Greta Grader", CreatedAt = s_now };
        var adjudicator = new AppUser { Id = Ids.New(), UserName = $"a-{hint}@example.org", DisplayName = "Ada Adjudicator", CreatedAt = s_now };
        var project = Project.Create("Audit", null, null, false, false, false, null, s_now);
        var problem = Problem.Create(project.Id, "P1", "Prove it.", 7, null, null, null, [], s_now);
        var rubric = Rubric.CreateOfficial(project.Id, problem.Id, 1, 7,
            new RubricContent([new("Idea", 3, null), new("Finish", 4, null)], null, null, null), adjudicator.Id, s_now);
        var solution = Solution.Create(project.Id, problem.Id, "Let n be even. Then n^2 is even.", "model-x", null, s_now);
        await using var db = Open(cs, new AuditActor(adjudicator.Id, adjudicator.DisplayName));
        db.Users.AddRange(grader, adjudicator);
        db.AddRange(project, problem, rubric, solution);
        db.ProjectMembers.AddRange(ProjectMember.Create(project.Id, grader.Id, ProjectRole.Grader, s_now),
            ProjectMember.Create(project.Id, adjudicator.Id, ProjectRole.Adjudicator, s_now));
        await db.SaveChangesAsync();
        return new Seed(cs, grader, adjudicator, project, problem, rubric, solution);
    }

    private static AuditActor ActorOf(AppUser user) => new(user.Id, user.DisplayName);

    private static async Task<List<AuditEvent>> EventsOfAsync(string cs, Guid entityId)
    {
        await using var db = Open(cs);
        return await db.AuditEvents.AsNoTracking().Where(e => e.EntityId == entityId).OrderBy(e => e.Id).ToListAsync();
    }

    [Fact]
    public async Task Audit_AnnotationCreatedChangedDeleted_WritesAnEventEachWithTheActor()
    {
        var seed = await SeedAsync("annotation");
        Guid annotationId;
        await using (var db = Open(seed.ConnectionString, ActorOf(seed.Grader)))
        {
            var solution = await db.Solutions.SingleAsync();
            var annotation = Annotation.CreateByPerson(seed.Project.Id, solution, 4, 13, "n be even", ErrorTypes.ProofByExample, Severity.Major,
                "only one case", _ => true, seed.Grader.Id, s_now);
            annotationId = annotation.Id;
            db.Annotations.Add(annotation);
            await db.SaveChangesAsync();
        }
        await using (var db = Open(seed.ConnectionString, ActorOf(seed.Grader)))
        {
            // No behaviour edits a person's annotation today; any change to an audited row is still recorded.
            var annotation = await db.Annotations.SingleAsync();
            db.Entry(annotation).Property(a => a.Comment).CurrentValue = "only one case, and n odd is missing";
            await db.SaveChangesAsync();
        }
        await using (var db = Open(seed.ConnectionString, ActorOf(seed.Adjudicator)))
        {
            db.Annotations.Remove(await db.Annotations.SingleAsync());
            await db.SaveChangesAsync();
        }

        var events = await EventsOfAsync(seed.ConnectionString, annotationId);
        events.Select(e => (e.Action, e.ActorName)).ShouldBe([("created", "Greta Grader"), ("updated", "Greta Grader"), ("deleted", "Ada Adjudicator")]);
        events.ShouldAllBe(e => e.EntityType == "annotation" && e.SolutionId == seed.Solution.Id && e.ProjectId == seed.Project.Id);
        events.Select(e => e.ActorId).ShouldBe([seed.Grader.Id, seed.Grader.Id, seed.Adjudicator.Id]);
        events[0].Data.RootElement.GetProperty("quote").GetString().ShouldBe("n be even");
        events[1].Data.RootElement.GetProperty("comment").GetString().ShouldBe("only one case, and n odd is missing");
        // A deletion records the entity as it stood before it.
        events[2].Data.RootElement.GetProperty("errorType").GetString().ShouldBe(ErrorTypes.ProofByExample);
    }

    [Fact]
    public async Task Audit_RubricApproved_WritesApprovedAndRetiredForThePreviousVersion()
    {
        var seed = await SeedAsync("approve");
        Guid draftId;
        await using (var db = Open(seed.ConnectionString, ActorOf(seed.Adjudicator)))
        {
            var draft = Rubric.CreateDraft(seed.Project.Id, seed.Problem.Id, 2, 7, RubricOrigin.Manual,
                new RubricContent([new("All of it", 7, null)], null, null, null), seed.Adjudicator.Id, s_now);
            draftId = draft.Id;
            db.Rubrics.Add(draft);
            await db.SaveChangesAsync();
        }
        await using (var db = Open(seed.ConnectionString, ActorOf(seed.Adjudicator)))
        {
            var draft = await db.Rubrics.Include(r => r.Items).SingleAsync(r => r.Id == draftId);
            var current = await db.Rubrics.Include(r => r.Items).SingleAsync(r => r.Id == seed.Rubric.Id);
            draft.Approve(seed.Adjudicator.Id, current, s_now.AddHours(1));
            await db.SaveChangesAsync();
        }

        var draftEvents = await EventsOfAsync(seed.ConnectionString, draftId);
        draftEvents.Select(e => e.Action).ShouldBe(["created", "approved"]);
        draftEvents[1].ActorId.ShouldBe(seed.Adjudicator.Id);
        draftEvents[1].ActorName.ShouldBe("Ada Adjudicator");
        draftEvents[1].Data.RootElement.GetProperty("status").GetString().ShouldBe("Approved");
        var previousEvents = await EventsOfAsync(seed.ConnectionString, seed.Rubric.Id);
        previousEvents.Select(e => e.Action).ShouldBe(["created", "retired"]);
        previousEvents[1].Data.RootElement.GetProperty("status").GetString().ShouldBe("Retired");
        await using var check = Open(seed.ConnectionString);
        (await check.Rubrics.SingleAsync(r => r.Id == seed.Rubric.Id)).Status.ShouldBe(RubricStatus.Retired);
    }

    [Fact]
    public async Task Audit_RubricDraftEdited_WritesEditedAndStoresTheNewItems()
    {
        var seed = await SeedAsync("edit");
        Guid draftId;
        await using (var db = Open(seed.ConnectionString, ActorOf(seed.Adjudicator)))
        {
            var draft = Rubric.CreateDraft(seed.Project.Id, seed.Problem.Id, 2, 7, RubricOrigin.Derived,
                new RubricContent([new("All of it", 7, null)], null, null, null), null, s_now);
            draftId = draft.Id;
            db.Rubrics.Add(draft);
            await db.SaveChangesAsync();
        }
        await using (var db = Open(seed.ConnectionString, ActorOf(seed.Adjudicator)))
        {
            var draft = await db.Rubrics.Include(r => r.Items).SingleAsync(r => r.Id == draftId);
            draft.Edit(new RubricContent([new("Lemma", 3, null), new("Finish", 4, null)], "nothing", null, null), 7, s_now.AddMinutes(1));
            await db.SaveChangesAsync();
        }

        await using var check = Open(seed.ConnectionString);
        var stored = await check.Rubrics.Include(r => r.Items).SingleAsync(r => r.Id == draftId);
        stored.Items.OrderBy(i => i.Ordinal).Select(i => (i.Title, i.Points)).ShouldBe([("Lemma", 3m), ("Finish", 4m)]);
        stored.Origin.ShouldBe(RubricOrigin.Manual);
        (await EventsOfAsync(seed.ConnectionString, draftId)).Select(e => e.Action).ShouldBe(["created", "edited"]);
    }

    [Fact]
    public async Task Audit_GradeRevised_WritesRevisedWithTheNewAwards()
    {
        var seed = await SeedAsync("revise");
        Guid gradeId;
        await using (var db = Open(seed.ConnectionString, ActorOf(seed.Grader)))
        {
            var rubric = await db.Rubrics.Include(r => r.Items).SingleAsync();
            var items = rubric.Items.OrderBy(i => i.Ordinal).ToList();
            var grade = HumanGrade.Create(seed.Project.Id, seed.Solution.Id, seed.Grader.Id, 7, 5, rubric,
                [new(items[0].Id, 3, null), new(items[1].Id, 2, null)], null, true, s_now);
            gradeId = grade.Id;
            db.HumanGrades.Add(grade);
            await db.SaveChangesAsync();
        }
        await using (var db = Open(seed.ConnectionString, ActorOf(seed.Grader)))
        {
            var rubric = await db.Rubrics.AsNoTracking().Include(r => r.Items).SingleAsync();
            var items = rubric.Items.OrderBy(i => i.Ordinal).ToList();
            var grade = await db.HumanGrades.Include(g => g.Items).SingleAsync();
            grade.Revise(7, 4, rubric, [new(items[0].Id, 1, "weak"), new(items[1].Id, 3, null)], "second look", stillBlind: true, s_now.AddHours(1));
            await db.SaveChangesAsync();
        }

        var events = await EventsOfAsync(seed.ConnectionString, gradeId);
        events.Select(e => (e.Action, e.ActorName)).ShouldBe([("created", "Greta Grader"), ("revised", "Greta Grader")]);
        events[1].Data.RootElement.GetProperty("points").GetDecimal().ShouldBe(4m);
        await using var check = Open(seed.ConnectionString);
        var stored = await check.HumanGrades.Include(g => g.Items).SingleAsync();
        stored.Points.ShouldBe(4m);
        stored.Items.Select(i => i.Points).ShouldBe([1m, 3m], ignoreOrder: true);
        (await check.HumanGradeItems.CountAsync()).ShouldBe(2);
    }

    [Fact]
    public async Task Audit_MemberRoleChangedAndRemoved_WritesRoleChangedAndDeleted()
    {
        var seed = await SeedAsync("roles");
        await using (var db = Open(seed.ConnectionString, ActorOf(seed.Adjudicator)))
        {
            var member = await db.ProjectMembers.SingleAsync(m => m.UserId == seed.Grader.Id);
            member.ChangeRole(ProjectRole.Adjudicator);
            await db.SaveChangesAsync();
            member.ChangeRole(ProjectRole.Adjudicator);
            await db.SaveChangesAsync();
            db.ProjectMembers.Remove(member);
            await db.SaveChangesAsync();
        }

        await using var check = Open(seed.ConnectionString);
        var events = await check.AuditEvents.Where(e => e.EntityType == "projectMember").OrderBy(e => e.Id).ToListAsync();
        var forGrader = events.Where(e => e.Data.RootElement.GetProperty("userId").GetGuid() == seed.Grader.Id).ToList();
        forGrader.Select(e => e.Action).ShouldBe(["roleGranted", "roleChanged", "deleted"]);
        forGrader[1].Data.RootElement.GetProperty("role").GetString().ShouldBe("Adjudicator");
        forGrader[1].ActorName.ShouldBe("Ada Adjudicator");
        forGrader.ShouldAllBe(e => e.ProjectId == seed.Project.Id);
    }

    [Fact]
    public async Task Audit_ProblemDeletedAndProjectUpdated_WritesDeletedAndUpdated()
    {
        var seed = await SeedAsync("problem");
        await using (var db = Open(seed.ConnectionString, ActorOf(seed.Adjudicator)))
        {
            (await db.Problems.SingleAsync()).Delete(s_now);
            var project = await db.Projects.SingleAsync();
            project.Update("Audit (renamed)", null, 7, false, true, false, null, s_now);
            await db.SaveChangesAsync();
        }

        (await EventsOfAsync(seed.ConnectionString, seed.Problem.Id)).Select(e => e.Action).ShouldBe(["created", "deleted"]);
        var projectEvents = await EventsOfAsync(seed.ConnectionString, seed.Project.Id);
        projectEvents.Select(e => e.Action).ShouldBe(["created", "updated"]);
        projectEvents[1].Data.RootElement.GetProperty("blindGrading").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Audit_NoActorGiven_RecordsTheSystem()
    {
        var cs = await TestDatabase.CreateAsync("system");
        await using (var db = Open(cs))
        {
            db.Projects.Add(Project.Create("P", null, null, false, false, false, null, s_now));
            await db.SaveChangesAsync();
        }
        await using var check = Open(cs);
        var e = await check.AuditEvents.SingleAsync();
        (e.ActorId, e.ActorName, e.Action, e.EntityType).ShouldBe((null, "system", "created", "project"));
    }

    [Fact]
    public async Task Audit_SolutionOnlyTouched_WritesNoSolutionEvent()
    {
        var seed = await SeedAsync("touch");
        await using (var db = Open(seed.ConnectionString, ActorOf(seed.Grader)))
        {
            var solution = await db.Solutions.SingleAsync();
            db.Annotations.Add(Annotation.CreateByPerson(seed.Project.Id, solution, 0, 3, "Let", ErrorTypes.ProofByExample, Severity.Minor, null,
                _ => true, seed.Grader.Id, s_now));
            solution.Touch(s_now.AddMinutes(1));
            await db.SaveChangesAsync();
        }

        (await EventsOfAsync(seed.ConnectionString, seed.Solution.Id)).Select(e => e.Action).ShouldBe(["created"]);
        await using var check = Open(seed.ConnectionString);
        (await check.Solutions.SingleAsync()).UpdatedAt.ShouldBe(s_now.AddMinutes(1));
        (await check.AuditEvents.CountAsync(e => e.SolutionId == seed.Solution.Id && e.EntityType == "annotation")).ShouldBe(1);
    }
}
