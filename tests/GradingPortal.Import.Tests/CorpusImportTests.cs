using System.IO.Compression;
using System.Net.Http.Json;
using System.Text.Json;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Rubrics;
using GradingPortal.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Import.Tests;

/// <summary>The three public corpora, imported for real through the Api and a Worker process, then imported again.</summary>
[Collection(ImportCollection.Name)]
public sealed class CorpusImportTests(ImportFixture fixture)
{
    [Fact]
    public async Task ProofBench_Corpus_Imports60ProblemsWithReferencesAndGuidelines_ReimportCreatesNothing()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "IMO-ProofBench");
        var file = await File.ReadAllBytesAsync(Corpora.PathOf("imo-proofbench/proofbench_v2.csv"));

        var done = await Imports.RunAsync(admin, projectId, "imo-proofbench", file, "proofbench_v2.csv", fixture);

        done.Status.ShouldBe("succeeded", done.ToString());
        (done.Created, done.Failed, done.ProcessedRecords).ShouldBe((60, 0, 60), done.ToString());
        done.ReceivedBytes.ShouldBe(file.Length);
        var problems = await admin.GetFromJsonAsync<List<JsonElement>>($"/api/projects/{projectId}/problems");
        problems!.Count.ShouldBe(60);
        var first = problems.Single(p => p.GetProperty("externalId").GetString() == "PB-Basic-001");
        var problem = await admin.GetFromJsonAsync<JsonElement>($"/api/problems/{first.GetProperty("id").GetGuid()}");
        problem.GetProperty("maxPoints").GetInt32().ShouldBe(7);
        problem.GetProperty("source").GetString().ShouldBe("(Modified) IMO 2019, P1 · Algebra · IMO-easy");
        problem.GetProperty("statement").GetString()!.ShouldStartWith("Determine all functions $f: \\mathbb{Z} \\rightarrow \\mathbb{Z}$");
        var scheme = problem.GetProperty("markingScheme").GetString()!;
        scheme.ShouldStartWith("(Partial)\n 1. Guessed the solution correctly");
        scheme.ShouldContain("(Almost)\n 1. Solved correctly, but did not check");
        scheme.ShouldContain("Short answer: $f(x) = 0$ and $f(x) = 2x + c$");
        var reference = problem.GetProperty("referenceSolutions")[0];
        reference.GetProperty("text").GetString()!.ShouldStartWith("By taking $x = 0$, we get $f(0) + 2f(y) = f(f(y))$");
        reference.GetProperty("source").GetString().ShouldBe("IMO-ProofBench");

        var again = await Imports.RunAsync(admin, projectId, "imo-proofbench", file, "proofbench_v2.csv", fixture);
        (again.Created, again.Updated, again.Skipped, again.Failed).ShouldBe((0, 0, 60, 0), again.ToString());
    }

    [Fact]
    public async Task MathArena_Corpus_ImportsProblemsApprovedRubricsAndSampleGrades_ReimportCreatesNothing()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "USAMO 2025");
        var zip = ZipFolder(Corpora.PathOf("matharena-usamo-2025"));

        var done = await Imports.RunAsync(admin, projectId, "matharena", zip, "matharena-usamo-2025.zip", fixture);

        done.Status.ShouldBe("succeeded", done.ToString());
        // Per problem: the problem, its sample solution and the sample grade.
        (done.ProcessedRecords, done.Created, done.Failed).ShouldBe((6, 18, 0), done.ToString());
        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        var problems = await db.Problems.AsNoTracking().Include(p => p.ReferenceSolutions).Where(p => p.ProjectId == projectId)
            .OrderBy(p => p.ExternalId).ToListAsync();
        problems.Select(p => p.ExternalId).ShouldBe(Enumerable.Range(1, 6).Select(n => $"matharena-usamo-2025/{n}"));
        problems.ShouldAllBe(p => p.MaxPoints == 7 && p.ReferenceSolutions.Count == 1);
        problems[0].Statement.ShouldStartWith("Let $k$ and $d$ be positive integers.");
        var rubrics = await db.Rubrics.AsNoTracking().Include(r => r.Items).Where(r => r.ProjectId == projectId).ToListAsync();
        rubrics.Count.ShouldBe(6);
        rubrics.ShouldAllBe(r => r.Status == RubricStatus.Approved && r.Origin == RubricOrigin.Official && r.Version == 1);
        rubrics.ShouldAllBe(r => r.Items.Sum(i => i.Points) == 7);
        var first = rubrics.Single(r => r.ProblemId == problems[0].Id);
        first.Items.OrderBy(i => i.Ordinal).Select(i => (i.Title, i.Points)).ShouldBe(
            [("Initial closed form expression for each digit", 1m), ("Interchanging the floor and mod", 3m), ("Bounding the expression", 2m), ("Finishing", 1m)]);

        var grades = await db.HumanGrades.AsNoTracking().Include(g => g.Items).Where(g => g.ProjectId == projectId).ToListAsync();
        grades.Count.ShouldBe(6);
        var adminId = await db.Users.Where(u => u.Email == ImportFixture.AdminEmail).Select(u => u.Id).SingleAsync();
        grades.ShouldAllBe(g => g.GraderId == adminId && !g.GivenBlind && g.Points == 7 && g.RubricId != null);
        grades.Sum(g => g.Items.Count).ShouldBe(rubrics.Sum(r => r.Items.Count));
        // sample_grading/4.txt writes "\triangle" inside JSON, which reads as a tab; the backslash is put back.
        var fourth = grades.Single(g => g.RubricId == rubrics.Single(r => r.ProblemId == problems[3].Id).Id);
        fourth.Items.Select(i => i.Comment).ShouldContain("Constructs the point $M$, which turns out to be the circumcenter of $\\triangle AFP$.");
        var solutions = await db.Solutions.AsNoTracking().Where(s => s.ProjectId == projectId).ToListAsync();
        solutions.Count.ShouldBe(6);
        solutions.ShouldAllBe(s => s.ExternalId == "sample-solution" && s.Author == "MathArena sample solution" && s.ImportId == done.Id);
        solutions.Single(s => s.ProblemId == problems[0].Id).Text.ShouldBe(problems[0].ReferenceSolutions[0].Text);

        var again = await Imports.RunAsync(admin, projectId, "matharena", zip, "matharena-usamo-2025.zip", fixture);
        (again.Created, again.Updated, again.Skipped, again.Failed).ShouldBe((0, 0, 18, 0), again.ToString());
    }

    [Fact]
    public async Task Opc_Corpus_ImportsAttemptsAndUnscoredJudgmentsWithVerifiedSpans_ReimportCreatesNothing()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "Open Proof Corpus BMOSL");
        var folder = Corpora.PathOf("opc/BMOSL");
        var zip = ZipFolder(folder);

        var done = await Imports.RunAsync(admin, projectId, "opc", zip, "BMOSL.zip", fixture);

        done.Status.ShouldBe("succeeded", done.ToString());
        (done.ProcessedRecords, done.Failed).ShouldBe((74, 0), done.ToString());
        done.Created.ShouldBe(74 + 370 + 370);
        await using var scope = fixture.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        (await db.Problems.CountAsync(p => p.ProjectId == projectId)).ShouldBe(74);
        (await db.Solutions.CountAsync(s => s.ProjectId == projectId)).ShouldBe(370);
        var grades = await db.ModelGrades.AsNoTracking().Include(g => g.Findings).Where(g => g.ProjectId == projectId).ToListAsync();
        grades.Count.ShouldBe(370);
        grades.ShouldAllBe(g => g.Source == "opc-judge" && g.Status == ModelGradeStatus.Unscored && g.Points == null && g.Summary.Length > 0);
        var findings = grades.SelectMany(g => g.Findings).ToList();
        findings.Count.ShouldBe(1349);
        // 1,231 issues carry start_index, 71 of them null: 1,160 claim offsets.
        findings.Count(f => f.ClaimedStart is not null).ShouldBe(1160);

        // Every span is checked against the text it claims to quote, whatever the file said.
        var texts = await db.Solutions.AsNoTracking().Where(s => s.ProjectId == projectId).ToDictionaryAsync(s => s.Id, s => s.Text);
        foreach (var f in findings.Where(f => f.SpanMatch is SpanMatch.VerifiedOffsets or SpanMatch.Exact))
        {
            texts[f.SolutionId][f.Start!.Value..f.End!.Value].ShouldBe(f.Quote);
        }
        foreach (var f in findings.Where(f => f.SpanMatch == SpanMatch.None))
        {
            (f.Start, f.End).ShouldBe((null, null));
        }
        var byMatch = findings.GroupBy(f => f.SpanMatch).ToDictionary(g => g.Key, g => g.Count());
        // The corpus's own offsets agree with their quote only 22 times; the rest were searched for.
        byMatch[SpanMatch.VerifiedOffsets].ShouldBe(22);
        var repaired = byMatch.Where(kv => kv.Key is SpanMatch.Exact or SpanMatch.Whitespace or SpanMatch.Normalized or SpanMatch.Fuzzy).Sum(kv => kv.Value);
        var unplaced = byMatch.GetValueOrDefault(SpanMatch.None);
        (22 + repaired + unplaced).ShouldBe(1349);
        TestContext.Current.SendDiagnosticMessage(
            $"OPC findings: {string.Join(", ", byMatch.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"))}");
        repaired.ShouldBeGreaterThan(800);
        findings.Where(f => f.SpanMatch == SpanMatch.Fuzzy).ShouldAllBe(f => f.SpanConfidence >= QuoteLocator.MinimumFuzzyConfidence && f.SpanConfidence <= 1);
        findings.ShouldAllBe(f => f.Category.Length > 0);
        findings.Where(f => f.Category == "Overgeneralization").ShouldAllBe(f => f.ErrorType == "proof-by-example");
        findings.Where(f => f.Category == "Other" || f.Category == "Missing Edge Cases").ShouldAllBe(f => f.ErrorType == null);

        var problem = await db.Problems.AsNoTracking().Include(p => p.ReferenceSolutions).SingleAsync(p => p.ProjectId == projectId && p.ExternalId == "BMOSL_2016_10");
        problem.MaxPoints.ShouldBe(1);
        problem.Source.ShouldBe("Balkan MO Shortlist 2016 · bmo · difficulty 6.89 · high_school");
        problem.MarkingScheme!.ShouldStartWith("Correctness (1 point):\n<p>A solution should be considered correct even if it would earn 5+/7 points");
        problem.MarkingScheme.ShouldContain("<ul><li>Makes a small computational mistake");
        problem.ReferenceSolutions.Single().Text.ShouldStartWith("Solution. We show that the maximal $k$ is $45$.");
        var attempt = await db.Solutions.AsNoTracking().SingleAsync(s => s.ProblemId == problem.Id && s.ExternalId == "BMOSL_2016_10/0");
        attempt.Author.ShouldBe("qwen/qwen3_235b_a22b");
        using var raw = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "2016_10.json")));
        attempt.Text.ShouldBe(raw.RootElement.GetProperty("attempts")[0].GetProperty("solution").GetString());

        var again = await Imports.RunAsync(admin, projectId, "opc", zip, "BMOSL.zip", fixture);
        (again.Created, again.Updated, again.Failed).ShouldBe((0, 0, 0), again.ToString());
        again.Skipped.ShouldBe(74 + 370 + 370);
        (await db.ModelGrades.CountAsync(g => g.ProjectId == projectId)).ShouldBe(370);
    }

    [Fact]
    public async Task Opc_SingleJsonFile_ImportsOneProblemWithItsAttempts()
    {
        var admin = await fixture.AdminAsync();
        var projectId = await fixture.NewProjectAsync(admin, "One OPC file");
        var file = await File.ReadAllBytesAsync(Corpora.PathOf("opc/BMOSL/2017_1.json"));

        var done = await Imports.RunAsync(admin, projectId, "opc", file, "2017_1.json", fixture, multipart: false);

        done.Status.ShouldBe("succeeded", done.ToString());
        (done.ProcessedRecords, done.Created, done.Failed).ShouldBe((1, 11, 0), done.ToString());
    }

    internal static byte[] ZipFolder(string folder)
    {
        var path = Path.Combine(Path.GetTempPath(), $"gp-import-{Guid.NewGuid():N}.zip");
        try
        {
            ZipFile.CreateFromDirectory(folder, path, CompressionLevel.Fastest, includeBaseDirectory: true);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
