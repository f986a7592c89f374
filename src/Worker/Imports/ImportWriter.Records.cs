using GradingPortal.Domain.Common;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Imports;
using GradingPortal.Domain.Projects;
using GradingPortal.Domain.Rubrics;
using GradingPortal.Domain.Solutions;
using Microsoft.EntityFrameworkCore;

namespace GradingPortal.Worker.Imports;

/// <summary>
/// Export records read back (docs/import-format.md, "Export records"): a record is planned in full first (every entity
/// built through its Domain factory, every reference resolved) and only then handed to the context, so a record that
/// fails anywhere leaves nothing behind. Rubric versions are matched by (problem, version), so grades keep pointing at
/// the version they used; grades made by a grading run that does not exist here are kept as imported grades of the same
/// source; people are matched by e-mail when the record names one, else by their user id in this portal, else they get
/// a disabled placeholder account.
/// </summary>
internal sealed partial class ImportWriter
{
    /// <summary>Placeholder accounts get an address under this reserved domain (RFC 2606): it can never receive mail.</summary>
    public const string PlaceholderDomain = "imported.invalid";

    private readonly Dictionary<(Guid ProblemId, int Version), Rubric?> _versions = [];
    private readonly Dictionary<Guid, bool> _runsHere = [];
    private readonly Dictionary<Guid, KnownPerson?> _peopleById = [];
    private readonly HashSet<string> _recordProblems = new(StringComparer.Ordinal);
    private readonly HashSet<(Guid ProblemId, int Version)> _recordRubrics = [];

    private sealed record KnownPerson(Guid Id, bool IsAdmin, bool Placeholder, ProjectRole? Role);

    private sealed class RecordPlan(string location)
    {
        public string Location { get; } = location;
        public List<object> Added { get; } = [];
        public List<Action> Then { get; } = [];
        public List<ImportFailureInput> Notices { get; } = [];
        public Dictionary<Guid, Guid> HumanGrades { get; } = [];
        public Dictionary<Guid, Guid> ModelGrades { get; } = [];
        public Dictionary<Guid, PlannedPerson> People { get; } = [];
        /// <summary>Names the record gives people anywhere, for the places that give only an id (a finding's reviewer).</summary>
        public Dictionary<Guid, string> Names { get; } = [];
        public int Created { get; set; }
        public int Skipped { get; set; }

        public void Add(object entity)
        {
            Added.Add(entity);
            Created++;
        }
    }

    private sealed class PlannedPerson(ProjectRole? role, ProjectMember? newMember)
    {
        public ProjectRole? Role { get; set; } = role;
        public ProjectMember? NewMember { get; } = newMember;
    }

    private sealed record VersionMap(Rubric Target, Dictionary<Guid, RubricItem> Items);

    private void ForgetRecordState()
    {
        _versions.Clear();
        _runsHere.Clear();
        _peopleById.Clear();
    }

    private async Task<RecordResult> ExportRecordAsync(ExportRecordImport item, CancellationToken ct)
    {
        var result = new RecordResult();
        var plan = new RecordPlan(item.Location);
        try
        {
            await PlanAsync(item.Record, plan, ct);
        }
        catch (Exception ex) when (ex is ImportItemException or DomainValidationException or DomainConflictException)
        {
            var (field, reason) = ex switch
            {
                ImportItemException e => (e.Field, e.Message),
                DomainValidationException v => (ImportItemException.From(v).Field, ImportItemException.From(v).Message),
                _ => (null, ex.Message),
            };
            result.Failures.Add(new ImportFailureInput(item.Location, field, $"{reason} Nothing of this record was imported."));
            return result;
        }
        foreach (var entity in plan.Added)
        {
            db.Add(entity);
        }
        foreach (var then in plan.Then)
        {
            then();
        }
        result.Created = plan.Created;
        result.Skipped = plan.Skipped;
        result.Failures.AddRange(plan.Notices);
        return result;
    }

    private async Task PlanAsync(ExportRecordLine record, RecordPlan plan, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var p = record.Problem ?? throw new ImportItemException("problem", "The record has no `problem`.");
        var s = record.Solution ?? throw new ImportItemException("solution", "The record has no `solution`.");
        var problemKey = KeyOf(p.ExternalId, p.Id, "problem");
        foreach (var (id, name) in (record.HumanGrades ?? []).Select(g => (g.GraderId, g.GraderName))
            .Concat((record.Annotations ?? []).Select(a => (a.AuthorId, a.AuthorName)))
            .Append((record.Adjudication?.AdjudicatorId, record.Adjudication?.AdjudicatorName)))
        {
            if (id is { } known && !string.IsNullOrWhiteSpace(name))
            {
                plan.Names.TryAdd(known, name);
            }
        }
        var problem = PlanProblem(p, problemKey, plan, now);
        var rubrics = await PlanRubricsAsync(record.Rubrics ?? [], problem, problemKey, plan, now, ct);
        var (solution, existing) = await PlanSolutionAsync(s, problem, problemKey, plan, now, ct);
        var createdBefore = plan.Created;

        var humanGrades = record.HumanGrades ?? [];
        for (var i = 0; i < humanGrades.Count; i++)
        {
            await PlanHumanGradeAsync(humanGrades[i], $"humanGrades[{i}]", problem, solution, existing, rubrics, plan, now, ct);
        }
        var modelGrades = record.ModelGrades ?? [];
        for (var i = 0; i < modelGrades.Count; i++)
        {
            await PlanModelGradeAsync(modelGrades[i], $"modelGrades[{i}]", problem, solution, existing, rubrics, plan, now, ct);
        }
        var annotations = record.Annotations ?? [];
        for (var i = 0; i < annotations.Count; i++)
        {
            await PlanAnnotationAsync(annotations[i], $"annotations[{i}]", solution, existing, plan, now, ct);
        }
        if (record.Adjudication is { } adjudication)
        {
            await PlanAdjudicationAsync(adjudication, problem, solution, existing, plan, now, ct);
        }
        if (existing && plan.Created > createdBefore)
        {
            plan.Then.Add(() => solution.Touch(now));
        }
    }

    private ProblemRef PlanProblem(RecordProblem p, string key, RecordPlan plan, DateTimeOffset now)
    {
        if (_problems.TryGetValue(key, out var known))
        {
            // An existing problem is used as it is: an export record never edits one (a `problem` line does).
            if (p.MaxPoints is { } maxPoints && maxPoints != known.MaxPoints)
            {
                throw new ImportItemException("problem.maxPoints", $"Problem '{key}' is worth {known.MaxPoints} here and {maxPoints} in the record; " +
                    "its grades would not fit.");
            }
            if (!_recordProblems.Contains(key))
            {
                plan.Skipped++;
                plan.Then.Add(() => _recordProblems.Add(key));
            }
            return known;
        }
        var references = (p.References ?? []).OrderBy(r => r.Ordinal ?? int.MaxValue).Select(r => (r.Text ?? "", r.Source)).ToList();
        var problem = WithPrefix("problem", () => Domain.Problems.Problem.Create(project.Id, p.Title ?? key, p.Statement ?? "",
            p.MaxPoints ?? project.MaxPoints, p.Source, key, p.MarkingScheme, references, now));
        plan.Add(problem);
        var created = new ProblemRef(problem.Id, problem.MaxPoints);
        plan.Then.Add(() =>
        {
            _problems[key] = created;
            _recordProblems.Add(key);
        });
        return created;
    }

    private async Task<Dictionary<Guid, VersionMap>> PlanRubricsAsync(List<RecordRubric> rubrics, ProblemRef problem, string problemKey,
        RecordPlan plan, DateTimeOffset now, CancellationToken ct)
    {
        var map = new Dictionary<Guid, VersionMap>();
        var planned = new Dictionary<int, Rubric>();
        for (var i = 0; i < rubrics.Count; i++)
        {
            var r = rubrics[i];
            var field = $"rubrics[{i}]";
            var id = r.Id ?? throw new ImportItemException($"{field}.id", "A rubric version needs its `id` (grades refer to it).");
            var version = r.Version is > 0 ? r.Version.Value : throw new ImportItemException($"{field}.version", "`version` is required (1, 2, 3...).");
            var origin = Wire<RubricOrigin>(r.Origin, $"{field}.origin", "official, derived or manual");
            var status = Wire<RubricStatus>(r.Status, $"{field}.status", "draft, approved or retired");
            var exportedItems = (r.Items ?? []).OrderBy(x => x.Ordinal ?? int.MaxValue).ToList();
            var content = new RubricContent(
                exportedItems.Select(x => new RubricItemContent(x.Title ?? "", x.Points ?? 0, x.Description)).ToList(), r.ZeroCredit,
                (r.Deductions ?? []).Select(d => new RubricDeduction(d.Description ?? "", d.Points ?? 0)).ToList(), r.Notes);
            var approach = string.IsNullOrWhiteSpace(r.ApproachKey) ? null : r.ApproachKey;
            var target = planned.GetValueOrDefault(version) ?? await VersionAsync(problem.Id, version, ct);
            if (target is not null)
            {
                if (!SameVersion(target, origin, approach, content))
                {
                    throw new ImportItemException(field, $"Rubric version {version} of problem '{problemKey}' exists here with other content; " +
                        "grades could not say which one they used.");
                }
                if (!_recordRubrics.Contains((problem.Id, version)) && !planned.ContainsKey(version))
                {
                    plan.Skipped++;
                    plan.Then.Add(() => _recordRubrics.Add((problem.Id, version)));
                }
            }
            else
            {
                var run = r.DerivedByRunId is { } runId && await RunIsHereAsync(runId, ct) ? runId : (Guid?)null;
                var created = WithPrefix(field, () => Rubric.CreateImported(project.Id, problem.Id, version, problem.MaxPoints, origin, status,
                    r.ApprovedAt is not null, content, approach, run, import.CreatedById, now));
                plan.Add(created);
                if (status == RubricStatus.Approved)
                {
                    // Only one approved version per problem and approach: the imported one replaces whatever was approved here.
                    var replaced = await db.Rubrics.Where(x => x.ProblemId == problem.Id && x.Status == RubricStatus.Approved
                        && x.ApproachKey == approach && x.Version != version).ToListAsync(ct);
                    replaced.AddRange(db.Rubrics.Local.Where(x => x.ProblemId == problem.Id && x.Status == RubricStatus.Approved
                        && x.ApproachKey == approach && x.Version != version && !replaced.Contains(x)));
                    plan.Then.Add(() =>
                    {
                        foreach (var old in replaced)
                        {
                            old.Retire(now);
                        }
                        if (approach is null)
                        {
                            _rubrics[problem.Id] = created;
                        }
                    });
                }
                plan.Then.Add(() =>
                {
                    _versions[(problem.Id, version)] = created;
                    _recordRubrics.Add((problem.Id, version));
                });
                planned[version] = created;
                target = created;
            }
            var targetItems = target.Items.OrderBy(x => x.Ordinal).ToList();
            var items = new Dictionary<Guid, RubricItem>();
            for (var j = 0; j < exportedItems.Count && j < targetItems.Count; j++)
            {
                if (exportedItems[j].Id is { } itemId)
                {
                    items[itemId] = targetItems[j];
                }
            }
            map[id] = new VersionMap(target, items);
        }
        return map;
    }

    private async Task<(Solution Solution, bool Existing)> PlanSolutionAsync(RecordSolution s, ProblemRef problem, string problemKey,
        RecordPlan plan, DateTimeOffset now, CancellationToken ct)
    {
        var key = KeyOf(s.ExternalId, s.Id, "solution");
        if (_solutions.TryGetValue((problem.Id, key), out var known))
        {
            if (known.Text != s.Text)
            {
                throw new ImportItemException("solution.text", $"Solution '{key}' of problem '{problemKey}' exists here with a different text; " +
                    "imports never change a solution's text (grades and annotations point into it).");
            }
            if ((known.Author ?? "") != (string.IsNullOrWhiteSpace(s.Author) ? "" : s.Author.Trim()))
            {
                throw new ImportItemException("solution.author", $"Solution '{key}' exists here with author '{known.Author}'; imports do not change it.");
            }
            if (!known.Existing)
            {
                throw new ImportItemException("solution.externalId", $"Solution '{key}' came a few lines earlier in this file; a record is imported once.");
            }
            var tracked = db.Solutions.Local.FirstOrDefault(x => x.Id == known.Id) ?? await db.Solutions.FirstAsync(x => x.Id == known.Id, ct);
            plan.Skipped++;
            return (tracked, true);
        }
        var solution = WithPrefix("solution", () => Domain.Solutions.Solution.Create(project.Id, problem.Id, s.Text ?? "", s.Author, key, now, import.Id));
        plan.Add(solution);
        plan.Then.Add(() => _solutions[(problem.Id, key)] = new SolutionRef(solution.Id, solution.Text, solution.Author, Existing: false));
        return (solution, false);
    }

    private async Task PlanHumanGradeAsync(RecordHumanGrade g, string field, ProblemRef problem, Solution solution, bool existing,
        Dictionary<Guid, VersionMap> rubrics, RecordPlan plan, DateTimeOffset now, CancellationToken ct)
    {
        var graderId = await PersonAsync(plan, $"{field}.graderId", g.GraderId, g.GraderEmail, g.GraderName, ProjectRole.Grader, "grade", ct);
        var points = g.Points ?? throw new ImportItemException($"{field}.points", "`points` is required.");
        Rubric? rubric = null;
        List<ItemAwardInput>? awards = null;
        if (g.RubricId is { } rubricId)
        {
            var version = VersionOf(rubrics, rubricId, $"{field}.rubricId");
            rubric = version.Target;
            awards = [];
            var items = g.Items ?? [];
            for (var j = 0; j < items.Count; j++)
            {
                var award = items[j];
                var target = award.RubricItemId is { } itemId && version.Items.TryGetValue(itemId, out var found) ? found
                    : throw new ImportItemException($"{field}.items[{j}].rubricItemId", $"Not an item of rubric version {version.Target.Version}.");
                awards.Add(new ItemAwardInput(target.Id, award.Points ?? 0, award.Comment));
            }
        }
        else if (g.Items is { Count: > 0 })
        {
            throw new ImportItemException($"{field}.rubricId", "Item awards need the `rubricId` of the version they were given on.");
        }
        if (existing)
        {
            var there = await db.HumanGrades.AsNoTracking().Include(x => x.Items)
                .FirstOrDefaultAsync(x => x.SolutionId == solution.Id && x.GraderId == graderId, ct);
            if (there is not null)
            {
                if (!SameGrade(there, points, rubric, awards, g.Comment))
                {
                    throw new ImportItemException(field, $"{g.GraderName ?? "This person"} has graded this solution here already, differently; " +
                        "an export record never overwrites a person's grade.");
                }
                plan.Skipped++;
                Remember(plan.HumanGrades, g.Id, there.Id);
                return;
            }
        }
        var grade = WithPrefix(field, () => HumanGrade.Create(project.Id, solution.Id, graderId, problem.MaxPoints, points, rubric, awards,
            g.Comment, g.GivenBlind ?? false, now));
        if (plan.Added.OfType<HumanGrade>().Any(x => x.GraderId == graderId))
        {
            throw new ImportItemException($"{field}.graderId", "A person grades a solution once; the record has two grades by them.");
        }
        plan.Add(grade);
        Remember(plan.HumanGrades, g.Id, grade.Id);
    }

    private async Task PlanModelGradeAsync(RecordModelGrade m, string field, ProblemRef problem, Solution solution, bool existing,
        Dictionary<Guid, VersionMap> rubrics, RecordPlan plan, DateTimeOffset now, CancellationToken ct)
    {
        var source = Required(m.Source, $"{field}.source", "`source` is required (the workflow or import source).");
        var status = Wire<ModelGradeStatus>(m.Status, $"{field}.status", "valid, needsAttention or unscored");
        // The grading run travels only when it exists in this project; otherwise the grade becomes an imported one of the
        // same source, identified by its external id or, lacking one, by the id it had where it was exported.
        var runId = m.RunId is { } run && await RunIsHereAsync(run, ct) ? run : (Guid?)null;
        var externalId = m.ExternalId ?? (runId is null ? m.Id?.ToString() : null);
        if (runId is null && externalId is null)
        {
            throw new ImportItemException($"{field}.id", "A model grade without a run here needs its `id` or `externalId` (re-imports match on it).");
        }
        if (existing)
        {
            var there = await db.ModelGrades.AsNoTracking()
                .Where(x => x.SolutionId == solution.Id && (runId != null ? x.RunId == runId : x.Source == source && x.ExternalId == externalId))
                .Select(x => (Guid?)x.Id).FirstOrDefaultAsync(ct);
            if (there is { } thereId)
            {
                plan.Skipped++;
                Remember(plan.ModelGrades, m.Id, thereId);
                return;
            }
        }
        VersionMap? version = m.RubricId is { } rubricId ? VersionOf(rubrics, rubricId, $"{field}.rubricId") : null;
        var items = new List<ModelItemAwardInput>();
        var exportedItems = m.Items ?? [];
        for (var j = 0; j < exportedItems.Count; j++)
        {
            var item = exportedItems[j];
            Guid? target = null;
            if (item.RubricItemId is { } itemId)
            {
                target = version is not null && version.Items.TryGetValue(itemId, out var found) ? found.Id
                    : throw new ImportItemException($"{field}.items[{j}].rubricItemId", "Not an item of the grade's rubric version.");
            }
            items.Add(new ModelItemAwardInput(target, item.Title ?? "", item.Points ?? 0, item.MaxPoints, item.Reason));
        }
        var exportedFindings = m.Findings ?? [];
        var findings = exportedFindings.Select((f, j) => new ModelFindingInput(f.ErrorType, f.Category,
            SeverityOf(f.Severity, $"{field}.findings[{j}].severity"), f.Quote, f.Location, f.Explanation, f.ClaimedStart, f.ClaimedEnd)).ToList();
        var provenance = m.Provenance is { ValueKind: not (System.Text.Json.JsonValueKind.Undefined or System.Text.Json.JsonValueKind.Null) } p
            ? p.GetRawText() : "{}";
        var maxPoints = m.MaxPoints ?? problem.MaxPoints;
        var model = m.Model ?? "";
        var raw = m.RawOutput ?? "";
        if (status != ModelGradeStatus.NeedsAttention && !string.IsNullOrEmpty(m.StatusReason))
        {
            throw new ImportItemException($"{field}.statusReason", "Only a needsAttention grade has a status reason.");
        }
        var grade = status switch
        {
            ModelGradeStatus.Valid => WithPrefix(field, () => ModelGrade.CreateValid(project.Id, solution.Id, solution.Text, maxPoints, source, model,
                runId, version?.Target.Id, m.Points ?? throw new ImportItemException($"{field}.points", "A valid grade has `points`."), items, findings,
                m.Summary, m.Rationale, raw, provenance, externalId, now)),
            ModelGradeStatus.Unscored => Unscored(),
            _ => NeedsAttention(),
        };

        ModelGrade Unscored()
        {
            NothingBut(field, (m.Points is null, "points"), (version is null, "rubricId"), (items.Count == 0, "items"),
                (string.IsNullOrEmpty(m.Rationale), "rationale"));
            return ModelGrade.CreateUnscored(project.Id, solution.Id, solution.Text, maxPoints, source, model, runId, findings, m.Summary, raw,
                provenance, externalId, now);
        }

        ModelGrade NeedsAttention()
        {
            NothingBut(field, (m.Points is null, "points"), (version is null, "rubricId"), (items.Count == 0, "items"), (findings.Count == 0, "findings"),
                (string.IsNullOrEmpty(m.Summary), "summary"), (string.IsNullOrEmpty(m.Rationale), "rationale"));
            return ModelGrade.CreateNeedsAttention(project.Id, solution.Id, maxPoints, source, model, runId, m.StatusReason ?? "", raw, provenance,
                externalId, now);
        }

        for (var j = 0; j < exportedFindings.Count; j++)
        {
            var review = Wire<AnnotationReview>(exportedFindings[j].Review ?? "proposed", $"{field}.findings[{j}].review", "proposed, accepted or rejected");
            if (review != AnnotationReview.Proposed)
            {
                var reviewer = await PersonAsync(plan, $"{field}.findings[{j}].reviewedById", exportedFindings[j].ReviewedById, null, null,
                    ProjectRole.Grader, "review findings", ct);
                grade.Findings[j].ReviewBy(reviewer, review == AnnotationReview.Accepted, now);
            }
        }
        plan.Add(grade);
        Remember(plan.ModelGrades, m.Id, grade.Id);
    }

    private async Task PlanAnnotationAsync(RecordAnnotation a, string field, Solution solution, bool existing, RecordPlan plan,
        DateTimeOffset now, CancellationToken ct)
    {
        if (a.Start is not { } start || a.End is not { } end)
        {
            throw new ImportItemException(a.Start is null ? $"{field}.start" : $"{field}.end", "`start` and `end` are required.");
        }
        var severity = SeverityOf(a.Severity, $"{field}.severity");
        var origin = Wire<AnnotationOrigin>(a.Origin ?? "human", $"{field}.origin", "human or model");
        var errorType = a.ErrorType?.Trim() ?? "";
        Annotation annotation;
        if (origin == AnnotationOrigin.Human)
        {
            var authorId = await PersonAsync(plan, $"{field}.authorId", a.AuthorId, a.AuthorEmail, a.AuthorName, ProjectRole.Grader, "annotate", ct);
            if (existing && await db.Annotations.AnyAsync(x => x.SolutionId == solution.Id && x.AuthorId == authorId && x.Start == start
                    && x.End == end && x.ErrorType == errorType, ct))
            {
                plan.Skipped++;
                return;
            }
            annotation = WithPrefix(field, () => Annotation.CreateByPerson(project.Id, solution, start, end, a.Quote, errorType, severity, a.Comment,
                project.IsKnownErrorType, authorId, now));
        }
        else
        {
            var gradeId = a.ModelGradeId is { } exported && plan.ModelGrades.TryGetValue(exported, out var mapped) ? mapped
                : throw new ImportItemException($"{field}.modelGradeId", "A model's annotation must name one of the record's model grades.");
            if (existing && await db.Annotations.AnyAsync(x => x.SolutionId == solution.Id && x.ModelGradeId == gradeId && x.Start == start
                    && x.End == end && x.ErrorType == errorType, ct))
            {
                plan.Skipped++;
                return;
            }
            annotation = WithPrefix(field, () => Annotation.CreateProposedByModel(project.Id, solution, start, end, a.Quote, errorType, severity,
                a.Comment, project.IsKnownErrorType, gradeId, now));
            var review = Wire<AnnotationReview>(a.Review ?? "proposed", $"{field}.review", "proposed, accepted or rejected");
            if (review != AnnotationReview.Proposed)
            {
                var reviewer = await PersonAsync(plan, $"{field}.reviewedById", a.ReviewedById, null, null, ProjectRole.Grader, "review findings", ct);
                annotation.ReviewBy(reviewer, review == AnnotationReview.Accepted, now);
            }
        }
        plan.Add(annotation);
    }

    private async Task PlanAdjudicationAsync(RecordAdjudication j, ProblemRef problem, Solution solution, bool existing, RecordPlan plan,
        DateTimeOffset now, CancellationToken ct)
    {
        var adjudicatorId = await PersonAsync(plan, "adjudication.adjudicatorId", j.AdjudicatorId, j.AdjudicatorEmail, j.AdjudicatorName,
            ProjectRole.Adjudicator, "adjudicate", ct);
        var basedOn = new List<GradeReference>();
        var references = j.BasedOn ?? [];
        for (var i = 0; i < references.Count; i++)
        {
            var kind = Wire<GradeSourceKind>(references[i].Kind, $"adjudication.basedOn[{i}].kind", "human or model");
            var grades = kind == GradeSourceKind.Human ? plan.HumanGrades : plan.ModelGrades;
            var gradeId = references[i].GradeId is { } exported && grades.TryGetValue(exported, out var mapped) ? mapped
                : throw new ImportItemException($"adjudication.basedOn[{i}].gradeId", $"Names no {kind.ToString().ToLowerInvariant()} grade of this record.");
            basedOn.Add(new GradeReference(kind, gradeId));
        }
        var points = j.Points ?? throw new ImportItemException("adjudication.points", "`points` is required.");
        if (existing && await db.Adjudications.AsNoTracking().FirstOrDefaultAsync(x => x.SolutionId == solution.Id, ct) is { } there)
        {
            if (there.Points != points || there.Rationale != (j.Rationale?.Trim() ?? "") || !there.BasedOn.ToHashSet().SetEquals(basedOn))
            {
                throw new ImportItemException("adjudication", "The solution is adjudicated here already, differently; an export record never overwrites it.");
            }
            plan.Skipped++;
            return;
        }
        plan.Add(WithPrefix("adjudication", () => Adjudication.Create(project.Id, solution.Id, problem.MaxPoints, points, j.Rationale, basedOn,
            adjudicatorId, now)));
    }

    /// <summary>
    /// Who an exported grade, annotation, review or adjudication belongs to. An e-mail in the record wins; else the user id
    /// when that user exists in this portal (then, as for every import, they must be a member allowed to
    /// <paramref name="verb"/>); else a disabled placeholder account carrying the exported id and name, made a member with
    /// the role the work needs, and the line reports it.
    /// </summary>
    private async Task<Guid> PersonAsync(RecordPlan plan, string field, Guid? id, string? email, string? name, ProjectRole needed, string verb,
        CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(email))
        {
            var byEmail = await PersonAsync(new PersonRef(email, false), field, verb, ct);
            if (needed == ProjectRole.Adjudicator)
            {
                await RequireRoleAsync(byEmail, needed, field, email, verb, ct);
            }
            return byEmail;
        }
        var userId = id ?? throw new ImportItemException(field, "The record names nobody here.");
        name ??= plan.Names.GetValueOrDefault(userId);
        if (!_peopleById.TryGetValue(userId, out var known))
        {
            var user = await db.Users.AsNoTracking().Where(u => u.Id == userId)
                .Select(u => new { u.Id, u.IsAdmin, u.NormalizedEmail }).FirstOrDefaultAsync(ct);
            known = user is null ? null : new KnownPerson(user.Id, user.IsAdmin,
                user.NormalizedEmail != null && user.NormalizedEmail.EndsWith("@" + PlaceholderDomain.ToUpperInvariant(), StringComparison.Ordinal),
                await db.ProjectMembers.AsNoTracking().Where(m => m.ProjectId == project.Id && m.UserId == userId)
                    .Select(m => (ProjectRole?)m.Role).FirstOrDefaultAsync(ct));
            _peopleById[userId] = known;
        }
        if (known is { Placeholder: false })
        {
            if (known.IsAdmin || known.Role >= needed)
            {
                return userId;
            }
            var who = name is null ? $"User {userId}" : $"'{name}' ({userId})";
            throw new ImportItemException(field, known.Role is null
                ? $"{who} is not a member of this project; add them (or import into a project they belong to)."
                : $"{who} is a {known.Role.Value.ToString().ToLowerInvariant()} here and may not {verb}.");
        }

        if (plan.People.TryGetValue(userId, out var planned))
        {
            if (planned.Role < needed)
            {
                planned.NewMember?.ChangeRole(needed);
                planned.Role = needed;
            }
            return userId;
        }
        var now = clock.GetUtcNow();
        ProjectMember? newMember = null;
        if (known is null)
        {
            var address = $"{userId:N}@{PlaceholderDomain}";
            // The account and membership are reported by the notice below, not counted as imported items.
            plan.Added.Add(new AppUser
            {
                Id = userId,
                UserName = address,
                NormalizedUserName = address.ToUpperInvariant(),
                Email = address,
                NormalizedEmail = address.ToUpperInvariant(),
                DisplayName = string.IsNullOrWhiteSpace(name) ? $"Imported person {userId.ToString()[..8]}" : name.Trim(),
                SecurityStamp = Guid.NewGuid().ToString("N"),
                CreatedAt = now,
                // No password and disabled: the account only holds the imported work under the person's name.
                DisabledAt = now,
            });
        }
        ProjectRole? role = known?.Role;
        if (role is null)
        {
            newMember = ProjectMember.Create(project.Id, userId, needed, now);
            plan.Added.Add(newMember);
        }
        else if (role < needed)
        {
            var member = await db.ProjectMembers.FirstAsync(m => m.ProjectId == project.Id && m.UserId == userId, ct);
            plan.Then.Add(() => member.ChangeRole(needed));
        }
        plan.People[userId] = new PlannedPerson(role is null || role < needed ? needed : role, newMember);
        plan.Then.Add(() => _peopleById[userId] = new KnownPerson(userId, false, true, plan.People[userId].Role));
        plan.Notices.Add(new ImportFailureInput(plan.Location, field,
            $"Imported, under a placeholder: {(name is null ? "the person" : $"'{name}'")} ({userId}) has no account in this portal, so the work " +
            $"is filed under a disabled placeholder account ({userId:N}@{PlaceholderDomain}, a {plan.People[userId].Role?.ToString().ToLowerInvariant()} of this project)."));
        return userId;
    }

    private async Task RequireRoleAsync(Guid userId, ProjectRole needed, string field, string email, string verb, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.IsAdmin }).FirstAsync(ct);
        var role = await db.ProjectMembers.AsNoTracking().Where(m => m.ProjectId == project.Id && m.UserId == userId)
            .Select(m => (ProjectRole?)m.Role).FirstOrDefaultAsync(ct);
        if (!user.IsAdmin && !(role >= needed))
        {
            throw new ImportItemException(field, $"'{email}' is a {role?.ToString().ToLowerInvariant() ?? "non-member"} here and may not {verb}.");
        }
    }

    private async Task<Rubric?> VersionAsync(Guid problemId, int version, CancellationToken ct)
    {
        if (!_versions.TryGetValue((problemId, version), out var rubric))
        {
            rubric = await db.Rubrics.AsNoTracking().Include(r => r.Items).FirstOrDefaultAsync(r => r.ProblemId == problemId && r.Version == version, ct);
            _versions[(problemId, version)] = rubric;
        }
        return rubric;
    }

    private async Task<bool> RunIsHereAsync(Guid runId, CancellationToken ct)
    {
        if (!_runsHere.TryGetValue(runId, out var here))
        {
            here = await db.GradingRuns.AnyAsync(r => r.Id == runId && r.ProjectId == project.Id, ct);
            _runsHere[runId] = here;
        }
        return here;
    }

    private static VersionMap VersionOf(Dictionary<Guid, VersionMap> rubrics, Guid rubricId, string field) =>
        rubrics.TryGetValue(rubricId, out var version) ? version
            : throw new ImportItemException(field, "The grade's rubric version is not among the record's `rubrics`.");

    private static bool SameVersion(Rubric rubric, RubricOrigin origin, string? approach, RubricContent content) =>
        rubric.Origin == origin && rubric.ApproachKey == approach
        && rubric.Notes == (content.Notes?.Trim() ?? "")
        && rubric.Deductions.SequenceEqual(content.Deductions ?? [])
        && SameRubric(rubric, content);

    private static void Remember(Dictionary<Guid, Guid> map, Guid? exported, Guid here)
    {
        if (exported is { } id)
        {
            map[id] = here;
        }
    }

    /// <summary>What an exported problem or solution is matched by here: its external id, else the id it had where it was exported.</summary>
    private static string? RecordKey(string? externalId, Guid? id) => !string.IsNullOrWhiteSpace(externalId) ? externalId.Trim() : id?.ToString();

    private static string KeyOf(string? externalId, Guid? id, string what) =>
        RecordKey(externalId, id) ?? throw new ImportItemException($"{what}.externalId", $"The {what} has neither an `externalId` nor an `id`.");

    /// <summary>Enum values by their wire names (camelCase, any case); numbers are refused.</summary>
    private static T Wire<T>(string? value, string field, string expected) where T : struct, Enum =>
        !string.IsNullOrWhiteSpace(value) && !int.TryParse(value, out _) && Enum.TryParse<T>(value.Trim(), ignoreCase: true, out var parsed)
            && Enum.IsDefined(parsed)
            ? parsed
            : throw new ImportItemException(field, $"'{value}' is not one of {expected}.");

    private static Severity SeverityOf(string? value, string field) => Wire<Severity>(value, field, "minor, major or critical");

    /// <summary>Grades that are not valid have no total and no awards (and a NeedsAttention one no findings): refuse rather than drop them.</summary>
    private static void NothingBut(string field, params (bool Absent, string Name)[] parts)
    {
        foreach (var (absent, name) in parts)
        {
            if (!absent)
            {
                throw new ImportItemException($"{field}.{name}", $"A grade of this status carries no {name}; it cannot be stored as given.");
            }
        }
    }
}
