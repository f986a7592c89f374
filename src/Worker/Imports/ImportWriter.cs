using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Imports;
using GradingPortal.Domain.Persistence;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Rubrics;
using GradingPortal.Domain.Solutions;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Worker.Imports;

/// <summary>What one record came to: an outcome per item, and the failures to report.</summary>
internal sealed class RecordResult
{
    public int Created { get; set; }
    public int Updated { get; set; }
    public int Skipped { get; set; }
    public List<ImportFailureInput> Failures { get; } = [];

    public void Add(RecordResult other)
    {
        Created += other.Created;
        Updated += other.Updated;
        Skipped += other.Skipped;
        Failures.AddRange(other.Failures);
    }
}

/// <summary>
/// Turns import items into entities through the Domain's factories (which validate before anything is added), matching
/// existing data by external id so a re-import changes nothing. Lookups are AsNoTracking and batched: problems of the
/// project once, solutions per batch. Nothing is saved here; the job saves a batch together with its checkpoint.
/// </summary>
internal sealed partial class ImportWriter(GradingDbContext db, Import import, Project project, TimeProvider clock)
{
    private readonly Dictionary<string, ProblemRef> _problems = new(StringComparer.Ordinal);
    private readonly Dictionary<(Guid ProblemId, string ExternalId), SolutionRef> _solutions = [];
    private readonly Dictionary<string, PersonRefResult> _people = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<Guid, Rubric?> _rubrics = [];

    private sealed record ProblemRef(Guid Id, int MaxPoints);

    private sealed record SolutionRef(Guid Id, string Text, string? Author, bool Existing);

    private sealed record PersonRefResult(Guid? UserId, string? Refusal);

    /// <summary>Loads the project's live problems (external id → id). Called at start and after a failed batch.</summary>
    public async Task LoadAsync(CancellationToken ct)
    {
        _problems.Clear();
        _solutions.Clear();
        _rubrics.Clear();
        ForgetRecordState();
        var rows = await db.Problems.AsNoTracking()
            .Where(p => p.ProjectId == project.Id && p.DeletedAt == null && p.ExternalId != null)
            .Select(p => new { p.ExternalId, p.Id, p.MaxPoints })
            .ToListAsync(ct);
        foreach (var row in rows)
        {
            _problems[row.ExternalId!] = new ProblemRef(row.Id, row.MaxPoints);
        }
    }

    /// <summary>Fetches, in one query, the existing solutions the batch's items refer to.</summary>
    public async Task PrefetchAsync(IReadOnlyList<ImportRecord> batch, CancellationToken ct)
    {
        _solutions.Clear();
        var keys = batch.SelectMany(r => r.Items).Select(SolutionKey).OfType<(string Problem, string Solution)>()
            .Where(k => _problems.ContainsKey(k.Problem))
            .Select(k => (ProblemId: _problems[k.Problem].Id, k.Solution))
            .ToHashSet();
        if (keys.Count == 0)
        {
            return;
        }
        var problemIds = keys.Select(k => k.ProblemId).Distinct().ToList();
        var externalIds = keys.Select(k => k.Solution).Distinct().ToList();
        var rows = await db.Solutions.AsNoTracking()
            // One array parameter each (= ANY(@ids)), whatever the batch size, rather than one parameter per id.
            .Where(s => EF.Parameter(problemIds).Contains(s.ProblemId) && EF.Parameter(externalIds).Contains(s.ExternalId!))
            .Select(s => new { s.Id, s.ProblemId, s.ExternalId, s.Text, s.Author })
            .ToListAsync(ct);
        foreach (var row in rows)
        {
            _solutions[(row.ProblemId, row.ExternalId!)] = new SolutionRef(row.Id, row.Text, row.Author, Existing: true);
        }
    }

    /// <summary>Forgets what the last batch added (it was saved, or rolled back and reloaded).</summary>
    public void BatchSaved() => _solutions.Clear();

    private List<Solution>? _bulk;

    /// <summary>
    /// True when every item of the batch is a solution (or was unreadable): new solutions can then be written with COPY
    /// instead of the change tracker (see <see cref="BulkSolutionWriter"/>). Anything else goes through EF.
    /// </summary>
    public static bool CanBulkWrite(IReadOnlyList<ImportRecord> batch) => batch.All(CanBulkWrite);

    public static bool CanBulkWrite(ImportRecord record) => record.Items.All(i => i is SolutionImport or InvalidImport);

    /// <summary>From now on new solutions are collected (validated by the Domain as usual) rather than added to the context.</summary>
    public void BeginBulk() => _bulk = [];

    /// <summary>The new solutions collected since <see cref="BeginBulk"/>; back to adding to the context.</summary>
    public List<Solution> EndBulk()
    {
        var collected = _bulk ?? [];
        _bulk = null;
        return collected;
    }

    public async Task<RecordResult> ApplyAsync(ImportRecord record, CancellationToken ct)
    {
        var result = new RecordResult();
        if (record.Error is { } error)
        {
            result.Failures.Add(error);
            return result;
        }
        for (var i = 0; i < record.Items.Count; i++)
        {
            var item = record.Items[i];
            if (item is ExportRecordImport whole)
            {
                result.Add(await ExportRecordAsync(whole, ct));
                continue;
            }
            try
            {
                var outcome = await ApplyAsync(item, ct);
                switch (outcome)
                {
                    case ImportOutcome.Created: result.Created++; break;
                    case ImportOutcome.Updated: result.Updated++; break;
                    default: result.Skipped++; break;
                }
            }
            catch (Exception ex) when (ex is ImportItemException or DomainValidationException or DomainConflictException)
            {
                var (field, reason) = ex switch
                {
                    ImportItemException e => (e.Field, e.Message),
                    DomainValidationException v => (ImportItemException.From(v).Field, ImportItemException.From(v).Message),
                    _ => (null, ex.Message),
                };
                if (item is ProblemImport && record.Items.Count > 1)
                {
                    // Everything else in the record hangs off this problem.
                    reason += $" The record's other {record.Items.Count - 1} item(s) were not imported.";
                    result.Failures.Add(new ImportFailureInput(item.Location, field, reason));
                    return result;
                }
                result.Failures.Add(new ImportFailureInput(item.Location, field, reason));
            }
        }
        return result;
    }

    private Task<ImportOutcome> ApplyAsync(ImportItem item, CancellationToken ct) => item switch
    {
        ProblemImport p => ProblemAsync(p, ct),
        SolutionImport s => Task.FromResult(Solution(s)),
        HumanGradeImport g => HumanGradeAsync(g, ct),
        AnnotationImport a => AnnotationAsync(a, ct),
        ModelGradeImport m => ModelGradeAsync(m, ct),
        InvalidImport invalid => throw new ImportItemException(invalid.Field, invalid.Reason),
        _ => throw new ImportItemException(null, $"Unsupported item {item.GetType().Name}."),
    };

    private async Task<ImportOutcome> ProblemAsync(ProblemImport item, CancellationToken ct)
    {
        var externalId = Required(item.ExternalId, "externalId", "A problem needs an `externalId` (re-imports match on it).");
        var now = clock.GetUtcNow();
        var references = item.References.Select(r => (r.Text ?? "", r.Source)).ToList();
        var content = item.Rubric is null ? null : new RubricContent(
            item.Rubric.Items.Select(i => new RubricItemContent(i.Title ?? "", i.Points, i.Description)).ToList(), item.Rubric.ZeroCredit, null, null);
        if (!_problems.TryGetValue(externalId, out var known))
        {
            var maxPoints = item.MaxPoints ?? project.MaxPoints;
            var problem = Domain.Problems.Problem.Create(project.Id, item.Title ?? externalId, item.Statement ?? "", maxPoints, item.Source, externalId,
                item.MarkingScheme, references, now);
            Rubric? rubric = null;
            if (content is not null)
            {
                rubric = WithPrefix("rubric", () => Rubric.CreateOfficial(project.Id, problem.Id, 1, maxPoints, content, import.CreatedById, now));
            }
            db.Problems.Add(problem);
            if (rubric is not null)
            {
                db.Rubrics.Add(rubric);
            }
            _problems[externalId] = new ProblemRef(problem.Id, problem.MaxPoints);
            _rubrics[problem.Id] = rubric;
            return ImportOutcome.Created;
        }

        var existing = await db.Problems.Include(p => p.ReferenceSolutions).FirstAsync(p => p.Id == known.Id, ct);
        var current = await CurrentRubricAsync(existing.Id, ct);
        var sameFields = (item.Title is null || item.Title.Trim() == existing.Title)
            && (item.Statement is null || item.Statement == existing.Statement)
            && (item.MaxPoints is null || item.MaxPoints == existing.MaxPoints)
            && (item.Source is null || item.Source.Trim() == existing.Source)
            && (item.MarkingScheme is null || (string.IsNullOrWhiteSpace(item.MarkingScheme) ? null : item.MarkingScheme) == existing.MarkingScheme);
        var sameReferences = references.Count == 0 || references.SequenceEqual(
            existing.ReferenceSolutions.OrderBy(r => r.Ordinal).Select(r => (r.Text, (string?)r.Source)),
            ReferenceComparer.Instance);
        var sameRubric = content is null || (current is not null && SameRubric(current, content));
        if (sameFields && sameReferences && sameRubric)
        {
            return ImportOutcome.Skipped;
        }
        if (!sameFields)
        {
            var hasGrades = current is not null || await db.Rubrics.AnyAsync(r => r.ProblemId == existing.Id, ct)
                || await db.HumanGrades.AnyAsync(g => db.Solutions.Any(s => s.Id == g.SolutionId && s.ProblemId == existing.Id), ct);
            existing.Update(item.Title, item.Statement, item.MaxPoints, item.Source, null, item.MarkingScheme, hasGrades, now);
        }
        if (!sameReferences)
        {
            db.ReferenceSolutions.RemoveRange(existing.ReferenceSolutions);
            existing.ReplaceReferenceSolutions(references, now);
            foreach (var reference in existing.ReferenceSolutions)
            {
                db.Entry(reference).State = EntityState.Added;
            }
        }
        if (!sameRubric)
        {
            var version = await db.Rubrics.Where(r => r.ProblemId == existing.Id).MaxAsync(r => (int?)r.Version, ct) ?? 0;
            var rubric = WithPrefix("rubric", () => Rubric.CreateOfficial(project.Id, existing.Id, version + 1, existing.MaxPoints, content!,
                import.CreatedById, now));
            if (current is not null)
            {
                var tracked = await db.Rubrics.FirstAsync(r => r.Id == current.Id, ct);
                tracked.Retire(now);
            }
            db.Rubrics.Add(rubric);
            _rubrics[existing.Id] = rubric;
        }
        _problems[externalId] = new ProblemRef(existing.Id, existing.MaxPoints);
        return ImportOutcome.Updated;
    }

    private ImportOutcome Solution(SolutionImport item)
    {
        var problem = Problem(item.ProblemExternalId);
        var externalId = Required(item.ExternalId, "externalId", "A solution needs an `externalId` (re-imports match on it).");
        if (_solutions.TryGetValue((problem.Id, externalId), out var existing))
        {
            if (existing.Text != item.Text)
            {
                throw new ImportItemException("text", $"Solution '{externalId}' of problem '{item.ProblemExternalId}' already exists with a different " +
                    "text. Imports never change a solution's text (annotations and grades point into it); give the new text a new externalId.");
            }
            if ((existing.Author ?? "") != (string.IsNullOrWhiteSpace(item.Author) ? "" : item.Author.Trim()))
            {
                throw new ImportItemException("author", $"Solution '{externalId}' already exists with author '{existing.Author}'; imports do not change it.");
            }
            return ImportOutcome.Skipped;
        }
        var solution = Domain.Solutions.Solution.Create(project.Id, problem.Id, item.Text ?? "", item.Author, externalId, clock.GetUtcNow(), import.Id);
        if (_bulk is not null)
        {
            _bulk.Add(solution);
        }
        else
        {
            db.Solutions.Add(solution);
        }
        _solutions[(problem.Id, externalId)] = new SolutionRef(solution.Id, solution.Text, solution.Author, Existing: false);
        return ImportOutcome.Created;
    }

    private async Task<ImportOutcome> HumanGradeAsync(HumanGradeImport item, CancellationToken ct)
    {
        var problem = Problem(item.ProblemExternalId);
        var solution = SolutionOf(problem, item.SolutionExternalId);
        var graderId = await PersonAsync(item.Grader, "graderEmail", "grade", ct);
        if (item.Points is not { } points)
        {
            throw new ImportItemException("points", "`points` is required.");
        }
        Rubric? rubric = null;
        List<ItemAwardInput>? awards = null;
        if (item.Items is { Count: > 0 })
        {
            rubric = await CurrentRubricAsync(problem.Id, ct)
                ?? throw new ImportItemException("items", "Item awards need an approved rubric, and this problem has none; import its rubric first.");
            awards = [];
            for (var i = 0; i < item.Items.Count; i++)
            {
                var award = item.Items[i];
                var rubricItem = (award.Title is { Length: > 0 } title
                        ? rubric.Items.FirstOrDefault(r => string.Equals(r.Title, title.Trim(), StringComparison.OrdinalIgnoreCase))
                        : null)
                    ?? (award.Ordinal is { } ordinal ? rubric.Items.FirstOrDefault(r => r.Ordinal == ordinal) : null)
                    ?? throw new ImportItemException($"items[{i}]",
                        $"No item {(award.Title is { Length: > 0 } ? $"titled '{award.Title}'" : $"with ordinal {award.Ordinal}")} in rubric version {rubric.Version}.");
                awards.Add(new ItemAwardInput(rubricItem.Id, award.Points, award.Comment));
            }
        }
        var now = clock.GetUtcNow();
        if (solution.Existing)
        {
            var existing = await db.HumanGrades.Include(g => g.Items).FirstOrDefaultAsync(g => g.SolutionId == solution.Id && g.GraderId == graderId, ct);
            if (existing is not null)
            {
                if (SameGrade(existing, points, rubric, awards, item.Comment))
                {
                    return ImportOutcome.Skipped;
                }
                db.HumanGradeItems.RemoveRange(existing.Items);
                // The imported record says how the grade was given; a blind grade revised by a non-blind one is no longer blind.
                existing.Revise(problem.MaxPoints, points, rubric, awards, item.Comment, stillBlind: item.Blind, now);
                foreach (var added in existing.Items)
                {
                    db.Entry(added).State = EntityState.Added;
                }
                await TouchAsync(solution, now, ct);
                return ImportOutcome.Updated;
            }
            await TouchAsync(solution, now, ct);
        }
        db.HumanGrades.Add(HumanGrade.Create(project.Id, solution.Id, graderId, problem.MaxPoints, points, rubric, awards, item.Comment, item.Blind, now));
        return ImportOutcome.Created;
    }

    private async Task<ImportOutcome> AnnotationAsync(AnnotationImport item, CancellationToken ct)
    {
        var problem = Problem(item.ProblemExternalId);
        var solutionRef = SolutionOf(problem, item.SolutionExternalId);
        var authorId = await PersonAsync(item.Author, "authorEmail", "annotate", ct);
        if (item.Start is not { } start || item.End is not { } end)
        {
            throw new ImportItemException(item.Start is null ? "start" : "end", "`start` and `end` (UTF-16 offsets, end exclusive) are required.");
        }
        if (!Enum.TryParse<Severity>(item.Severity, ignoreCase: true, out var severity) || int.TryParse(item.Severity, out _))
        {
            throw new ImportItemException("severity", "Severity is one of minor, major, critical.");
        }
        var errorType = item.ErrorType?.Trim() ?? "";
        if (solutionRef.Existing && await db.Annotations.AnyAsync(a => a.SolutionId == solutionRef.Id && a.AuthorId == authorId
                && a.Start == start && a.End == end && a.ErrorType == errorType, ct))
        {
            return ImportOutcome.Skipped;
        }
        var now = clock.GetUtcNow();
        Solution solution;
        if (solutionRef.Existing)
        {
            solution = await db.Solutions.FirstAsync(s => s.Id == solutionRef.Id, ct);
        }
        else
        {
            solution = db.Solutions.Local.First(s => s.Id == solutionRef.Id);
        }
        var annotation = Annotation.CreateByPerson(project.Id, solution, start, end, item.Quote, errorType, severity, item.Comment,
            project.IsKnownErrorType, authorId, now);
        db.Annotations.Add(annotation);
        solution.Touch(now);
        return ImportOutcome.Created;
    }

    private async Task<ImportOutcome> ModelGradeAsync(ModelGradeImport item, CancellationToken ct)
    {
        var problem = Problem(item.ProblemExternalId);
        var solution = SolutionOf(problem, item.SolutionExternalId);
        if (solution.Existing && await db.ModelGrades.AnyAsync(g => g.SolutionId == solution.Id && g.Source == item.Source
                && g.ExternalId == item.ExternalId, ct))
        {
            return ImportOutcome.Skipped;
        }
        var now = clock.GetUtcNow();
        var grade = item.Points is { } points
            ? ModelGrade.CreateValid(project.Id, solution.Id, solution.Text, problem.MaxPoints, item.Source, item.Model, null, null, points, [],
                item.Findings, item.Summary, null, item.RawOutput, item.Provenance, item.ExternalId, now)
            : ModelGrade.CreateUnscored(project.Id, solution.Id, solution.Text, problem.MaxPoints, item.Source, item.Model, null, item.Findings,
                item.Summary, item.RawOutput, item.Provenance, item.ExternalId, now);
        db.ModelGrades.Add(grade);
        if (solution.Existing)
        {
            await TouchAsync(solution, now, ct);
        }
        return ImportOutcome.Created;
    }

    private ProblemRef Problem(string? externalId)
    {
        var id = Required(externalId, "problemExternalId", "`problemExternalId` is required.");
        return _problems.TryGetValue(id, out var problem)
            ? problem
            : throw new ImportItemException("problemExternalId", $"Unknown problem '{id}': no live problem of this project has that external id.");
    }

    private SolutionRef SolutionOf(ProblemRef problem, string? externalId)
    {
        var id = Required(externalId, "solutionExternalId", "`solutionExternalId` is required.");
        return _solutions.TryGetValue((problem.Id, id), out var solution)
            ? solution
            : throw new ImportItemException("solutionExternalId", $"Unknown solution '{id}' for this problem.");
    }

    /// <summary>The person an item belongs to: the importer, or an existing member allowed to <paramref name="verb"/>. Never creates users.</summary>
    private async Task<Guid> PersonAsync(PersonRef person, string field, string verb, CancellationToken ct)
    {
        if (person.Importer)
        {
            return import.CreatedById;
        }
        var email = Required(person.Email, field, $"`{field}` is required.").Trim();
        if (!_people.TryGetValue(email, out var found))
        {
            var normalized = email.ToUpperInvariant();
            var user = await db.Users.AsNoTracking().Where(u => u.NormalizedEmail == normalized)
                .Select(u => new { u.Id, u.IsAdmin }).FirstOrDefaultAsync(ct);
            if (user is null)
            {
                found = new PersonRefResult(null, $"No user has the e-mail '{email}'. Imports never create users: add the person first.");
            }
            else
            {
                var role = user.IsAdmin ? ProjectRole.Admin : await db.ProjectMembers.AsNoTracking()
                    .Where(m => m.ProjectId == project.Id && m.UserId == user.Id).Select(m => (ProjectRole?)m.Role).FirstOrDefaultAsync(ct);
                found = role is { } r && r.CanGrade()
                    ? new PersonRefResult(user.Id, null)
                    : new PersonRefResult(null, role is null
                        ? $"'{email}' is not a member of this project."
                        : $"'{email}' is a {role.Value.ToString().ToLowerInvariant()} here and may not {verb}.");
            }
            _people[email] = found;
        }
        return found.UserId ?? throw new ImportItemException(field, found.Refusal!);
    }

    private async Task<Rubric?> CurrentRubricAsync(Guid problemId, CancellationToken ct)
    {
        if (!_rubrics.TryGetValue(problemId, out var rubric))
        {
            rubric = await db.Rubrics.AsNoTracking().Include(r => r.Items)
                .Where(r => r.ProblemId == problemId && r.Status == RubricStatus.Approved && r.ApproachKey == null)
                .OrderByDescending(r => r.Version).FirstOrDefaultAsync(ct);
            _rubrics[problemId] = rubric;
        }
        return rubric;
    }

    private async Task TouchAsync(SolutionRef solution, DateTimeOffset now, CancellationToken ct)
    {
        var tracked = db.Solutions.Local.FirstOrDefault(s => s.Id == solution.Id) ?? await db.Solutions.FirstAsync(s => s.Id == solution.Id, ct);
        tracked.Touch(now);
    }

    private static bool SameRubric(Rubric current, RubricContent content) =>
        current.ZeroCredit == (content.ZeroCredit?.Trim() ?? "")
        && current.Items.Count == content.Items.Count
        && current.Items.OrderBy(i => i.Ordinal).Zip(content.Items).All(p =>
            p.First.Title == p.Second.Title.Trim() && p.First.Points == p.Second.Points && p.First.Description == (p.Second.Description?.Trim() ?? ""));

    private static bool SameGrade(HumanGrade grade, decimal points, Rubric? rubric, List<ItemAwardInput>? awards, string? comment) =>
        grade.Points == points
        && grade.Comment == (comment?.Trim() ?? "")
        && grade.RubricId == (awards is { Count: > 0 } ? rubric!.Id : null)
        && grade.Items.Count == (awards?.Count ?? 0)
        && (awards ?? []).All(a => grade.Items.Any(i => i.RubricItemId == a.RubricItemId && i.Points == a.Points && i.Comment == (a.Comment?.Trim() ?? "")));

    private static string Required(string? value, string field, string message) =>
        string.IsNullOrWhiteSpace(value) ? throw new ImportItemException(field, message) : value.Trim();

    private static T WithPrefix<T>(string prefix, Func<T> create)
    {
        try
        {
            return create();
        }
        catch (DomainValidationException ex)
        {
            throw ImportItemException.From(ex, prefix);
        }
    }

    private static (string Problem, string Solution)? SolutionKey(ImportItem item) => item switch
    {
        SolutionImport { ProblemExternalId: { } p, ExternalId: { } s } => (p.Trim(), s.Trim()),
        HumanGradeImport { ProblemExternalId: { } p, SolutionExternalId: { } s } => (p.Trim(), s.Trim()),
        AnnotationImport { ProblemExternalId: { } p, SolutionExternalId: { } s } => (p.Trim(), s.Trim()),
        ModelGradeImport m => (m.ProblemExternalId.Trim(), m.SolutionExternalId.Trim()),
        ExportRecordImport { Record: { Problem: { } p, Solution: { } s } } when RecordKey(p.ExternalId, p.Id) is { } pk
            && RecordKey(s.ExternalId, s.Id) is { } sk => (pk, sk),
        _ => null,
    };

    private sealed class ReferenceComparer : IEqualityComparer<(string Text, string? Source)>
    {
        public static readonly ReferenceComparer Instance = new();

        public bool Equals((string Text, string? Source) x, (string Text, string? Source) y) =>
            x.Text == y.Text && (x.Source?.Trim() ?? "") == (y.Source?.Trim() ?? "");

        public int GetHashCode((string Text, string? Source) obj) => obj.Text.GetHashCode(StringComparison.Ordinal);
    }
}
