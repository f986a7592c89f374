using System.Text;
using GradingPortal.Domain.Persistence;
using GradingPortal.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Import.Tests;

/// <summary>IMO-GradingBench tables imported through the Api and a Worker process: the real corpus, and a crafted file with bad rows.</summary>
[Collection(ImportCollection.Name)]
public sealed class GradingBenchImportTests(ImportFixture fixture)
{
    private const string Header = "Grading ID,Problem ID,Problem,Solution,Grading guidelines,Response,Points,Reward,Problem Source";

    [Fact]
    public async Task GradingBench_Corpus_Imports30Problems100SolutionsAndExpertGrades_ReimportCreatesNothing()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "IMO-GradingBench");
        var file = await File.ReadAllBytesAsync(Corpora.PathOf("imo-gradingbench/gradingbench_train.csv"));

        var done = await Imports.RunAsync(admin, projectId, "imo-gradingbench", file, "gradingbench_train.csv", fixture);

        done.Status.ShouldBe("succeeded", done.ToString());
        (done.ProcessedRecords, done.Created, done.Failed).ShouldBe((100, 30 + 100 + 100, 0), done.ToString());
        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        var problems = await db.Problems.AsNoTracking().Include(p => p.ReferenceSolutions).Where(p => p.ProjectId == projectId).ToListAsync();
        problems.Count.ShouldBe(30);
        problems.ShouldAllBe(p => p.MaxPoints == 7 && p.ReferenceSolutions.Count == 1 && p.ReferenceSolutions[0].Source == "IMO-GradingBench"
            && p.MarkingScheme!.EndsWith("IMO-GradingBench grades: Correct 7, Almost 6, Partial 1, Incorrect 0."));
        var first = problems.Single(p => p.ExternalId == "PB-Advanced-026");
        first.Statement.ShouldStartWith("Let $n$ and $k$ be positive integers with $k<n$.");
        first.ReferenceSolutions[0].Text.ShouldStartWith("Let $n>k\\geq1$ be integers.");
        first.MarkingScheme!.Length.ShouldBeGreaterThan(200);
        problems.Select(p => p.Source).ShouldContain("USAMO 2025");

        var solutions = await db.Solutions.AsNoTracking().Where(s => s.ProjectId == projectId).ToListAsync();
        solutions.Count.ShouldBe(100);
        solutions.Select(s => s.ExternalId).ShouldContain("GB-0849");
        solutions.ShouldAllBe(s => s.ImportId == done.Id && s.Text.Length > 0);

        var adminId = await db.Users.Where(u => u.Email == ImportFixture.AdminEmail).Select(u => u.Id).SingleAsync();
        var grades = await db.HumanGrades.AsNoTracking().Where(g => g.ProjectId == projectId).ToListAsync();
        grades.Count.ShouldBe(100);
        grades.ShouldAllBe(g => g.GraderId == adminId && !g.GivenBlind && g.Comment.StartsWith("IMO-GradingBench expert: "));
        var labelled = grades.Select(g => (g.Points, Label: g.Comment.Split(' ')[2])).GroupBy(x => x).ToDictionary(x => x.Key, x => x.Count());
        // The corpus's own counts of each (Points, Reward) pair.
        labelled.ShouldBe(new Dictionary<(decimal, string), int>
        {
            [(0m, "Incorrect")] = 35, [(7m, "Correct")] = 35, [(1m, "Partial")] = 24, [(6m, "Almost")] = 6,
        }, ignoreOrder: true);
        var gb0849 = solutions.Single(s => s.ExternalId == "GB-0849");
        grades.Single(g => g.SolutionId == gb0849.Id).Comment.ShouldEndWith("grading GB-0849.");

        var again = await Imports.RunAsync(admin, projectId, "imo-gradingbench", file, "gradingbench_train.csv", fixture);
        (again.Created, again.Updated, again.Skipped, again.Failed).ShouldBe((0, 0, 230, 0), again.ToString());
        (await db.HumanGrades.CountAsync(g => g.ProjectId == projectId)).ShouldBe(100);
    }

    [Fact]
    public async Task GradingBench_BadRows_ReportedByLineAndTheRestImported()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "IMO-GradingBench bad rows");
        var csv = new StringBuilder(Header).Append('\n')
            .Append("G-1,P-1,\"Show that\n$1+1=2$.\",By counting.,Full marks for counting.,One and one make two.,7,Correct,Novel Problem\n") // lines 2-3
            .Append("G-2,P-1,Show that $1+1=2$.,By counting.,Full marks for counting.,It is obvious.,seven,Incorrect,Novel Problem\n")     // line 4
            .Append("G-3,P-1,Show that $1+1=2$.,By counting.,Full marks for counting.,Too much.,9,Correct,Novel Problem\n")                // line 5
            .Append("G-4,P-1,Show that $1+1=2$.,By counting.\n")                                                                           // line 6
            .Append("G-5,P-2,Find $x$.,$x=0$.,,$x=0$ since $x+x=x$.,,Partial,\n")                                                            // line 7
            .Append("G-6,P-2,Find $x$.,$x=0$.,,Guess: $x=0$.,1,Partial,\n");                                                                  // line 8

        var done = await Imports.RunAsync(admin, projectId, "imo-gradingbench", Encoding.UTF8.GetBytes(csv.ToString()), "crafted.csv", fixture);

        done.Status.ShouldBe("succeeded", done.ToString());
        (done.ProcessedRecords, done.Created, done.Failed).ShouldBe((6, 2 + 2 + 2, 4), done.ToString());
        done.Failures.Select(f => (f.Record, f.Field)).ShouldBe(
            [("line 4", "Points"), ("line 5", "Points"), ("line 6", null), ("line 7", "Points")]);
        done.Failures[0].Reason.ShouldBe("Points 'seven' is not a number.");
        done.Failures[1].Reason.ShouldBe("Points 9 is outside 0 to 7.");
        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        (await db.Solutions.Where(s => s.ProjectId == projectId).Select(s => s.ExternalId).OrderBy(s => s).ToListAsync()).ShouldBe(["G-1", "G-6"]);
        var p2 = await db.Problems.AsNoTracking().SingleAsync(p => p.ProjectId == projectId && p.ExternalId == "P-2");
        (p2.Source, p2.MarkingScheme).ShouldBe(("", "IMO-GradingBench grades: Correct 7, Almost 6, Partial 1, Incorrect 0."));
        (await db.HumanGrades.Where(g => g.ProjectId == projectId).Select(g => g.Points).OrderBy(p => p).ToListAsync()).ShouldBe([1m, 7m]);
    }
}
