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
            events.Select(e => e.EntityType).ShouldBe(["project", "problem", "rubric", "solution", "projectMember", "humanGrade"], ignoreOrder: true);
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
        a.Revise(7, 4, null, null, "first", s_now);
        await first.SaveChangesAsync();
        b.Revise(7, 6, null, null, "second", s_now);
        await Should.ThrowAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());

        await using var check = Open(cs);
        (await check.HumanGrades.SingleAsync()).Points.ShouldBe(4m);
    }
}
