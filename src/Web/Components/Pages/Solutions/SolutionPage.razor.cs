using System.Globalization;
using System.Numerics;
using GradingPortal.Hosting;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Auth;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Solutions;

/// <summary>
/// Where a grader reads a proof, marks errors, grades, reviews model findings and (Adjudicators) sets the final grade.
/// While it is open it follows the Api's change stream for the solution (ADR 022) and, on each change, reads again through
/// the Api the part of the solution that changed, so new grades and model grades appear through the circuit, as blind rules
/// allow, without touching what the grader is typing; its own writes read only the part they changed. A slow poll stays as
/// a safety net for a stream that is down.
/// </summary>
public sealed partial class SolutionPage
{
    internal static readonly string[] Severities = ["minor", "major", "critical"];
    private static readonly TimeSpan s_defaultPollEvery = TimeSpan.FromSeconds(30);

    // How long the page waits, after its own write, for the Api's notice of it before reading what the write changed. The
    // notice is sent at commit, as the write's answer is, and usually arrives within milliseconds; past this the page reads
    // anyway (the notice then reads once more when it comes).
    private static readonly TimeSpan s_ownNoticeWait = TimeSpan.FromMilliseconds(250);

    private SolutionResponse? _solution;
    private ProjectResponse? _project;
    private IReadOnlyList<ModelGradeResponse> _modelGrades = [];
    private HeldHistory _history = HeldHistory.Empty;
    private GradeSheet? _sheet;
    private ApiError? _loadError, _gradeError, _annotationError, _adjudicationError, _modelError, _listError, _historyError;
    private AnnotationDraft? _draft;
    private decimal? _finalPoints;
    private string _rationale = "";
    /// <summary>What the final grade's form was last filled with, to tell whether the person has typed into it since.</summary>
    private (decimal? Points, string Rationale, HashSet<Guid> BasedOn)? _adjudicationFill;
    private HashSet<Guid> _basedOn = [];
    // One action at a time; the Api's refusal goes to the panel that asked, and what was typed stays.
    private readonly ApiActions _actions = new();
    private bool _gradeSaved, _adjudicationSaved, _help, _live, _typeset, _sourceView, _following, _circuitLoaded, _restoreUsed;
    private string? _notice;
    private Guid _loadedId;
    private string _fingerprint = "";
    private ElementReference _proof;
    private MudSelect<string>? _typeSelect;
    private IJSObjectReference? _module, _handle;
    private DotNetObjectReference<SolutionPage>? _self;
    private SolutionAnnotations? _annotationList;
    private CancellationTokenSource? _poll;
    private SolutionChangeHub.Follower? _follower;

    // A pushed change and the safety poll may both read the solution: one read at a time, so an older answer never lands
    // after a newer one.
    private readonly SemaphoreSlim _refreshing = new(1, 1);

    [Parameter]
    public Guid SolutionId { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private CircuitSession Circuit { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Inject]
    private SolutionChangeFeed Changes { get; set; } = default!;

    [Inject]
    private SolutionChangeHub Hub { get; set; } = default!;

    [Inject]
    private Hosting.CircuitConnection Connection { get; set; } = default!;

    [Inject]
    private IConfiguration Configuration { get; set; } = default!;

    [Inject]
    private ILogger<SolutionPage> Logger { get; set; } = default!;

    private string Title => _solution is null
        ? "Solution"
        : string.IsNullOrEmpty(_solution.ExternalId) ? $"Solution {_solution.Id.ToString()[..8]}" : $"Solution {_solution.ExternalId}";

    private IReadOnlyList<ErrorTypeResponse> ErrorTypes => _project?.ErrorTypes ?? [];

    private List<BreadcrumbItem> Trail =>
    [
        new(_project?.Name ?? "Project", $"/projects/{_solution!.ProjectId}"),
        new(_solution.Problem.Title, $"/problems/{_solution.ProblemId}"),
    ];

    private IReadOnlyList<Rendering.Highlight> Highlights =>
        SolutionStyle.Highlights(_solution!.Annotations, _modelGrades.SelectMany(g => g.Findings));

    private static string? Link(Guid? id) => id is { } v ? $"/solutions/{v}" : null;

    /// <summary>
    /// The solution as the prerender read it, handed to the circuit in the page's persisted state so that the circuit does
    /// not read it again (ADR 018's amendment), compressed (<see cref="PrerenderedSolution"/>). Set only by the prerender;
    /// the circuit uses it once, for this page's first solution.
    /// </summary>
    [PersistentState]
    public byte[]? Prerendered { get; set; }

    /// <summary>
    /// Whether the page takes input: it runs in the circuit, has loaded what only the circuit loads (the project, model
    /// grades, history) and its module listens for shortcuts. Until then the page's fieldset keeps every control disabled.
    /// </summary>
    private bool Ready => RendererInfo.IsInteractive && _circuitLoaded && _handle is not null;

    protected override async Task OnParametersSetAsync()
    {
        if (SolutionId == _loadedId)
        {
            return;
        }
        // j/k move to another solution within the same page instance: start over for it.
        _loadedId = SolutionId;
        _solution = null;
        _draft = null;
        _circuitLoaded = false;
        _gradeSaved = _adjudicationSaved = _live = _following = false;
        _gradeError = _annotationError = _adjudicationError = _modelError = _listError = _loadError = null;
        await DetachAsync();
        Array.Clear(_coveredThrough);
        // What the prerender read, for the first solution of this page instance only: a later j/k reads afresh.
        var restored = !_restoreUsed && PrerenderedSolution.Unpack(Prerendered) is { } prerendered && prerendered.Id == SolutionId ? prerendered : null;
        _restoreUsed = RendererInfo.IsInteractive;
        try
        {
            if (!RendererInfo.IsInteractive)
            {
                // The prerender: one Api call for the first paint (the proof, annotations, grades); the project, model
                // grades and history are the circuit's to load.
                var first = await Api.GetSolutionAsync(SolutionId, CancellationToken.None);
                Prerendered = PrerenderedSolution.Pack(first);
                Apply(first, Refill.Both);
                return;
            }
            if (restored is not null)
            {
                // Shown at once; the page stays disabled until the rest has arrived.
                Apply(restored, Refill.Both);
                Prerendered = null;
            }
            var grades = Api.ListModelGradesAsync(SolutionId, CancellationToken.None);
            var history = Api.GetSolutionHistoryAsync(SolutionId, null, CancellationToken.None);
            var solution = restored ?? await Api.GetSolutionAsync(SolutionId, CancellationToken.None);
            _project = await Api.GetProjectAsync(solution.ProjectId, CancellationToken.None);
            _modelGrades = [.. await grades];
            _history = HeldHistory.Whole([.. await history], all: false);
            Apply(solution, restored is null ? Refill.Both : Refill.None);
            _typeset = true;
            _circuitLoaded = true;
        }
        catch (ApiException ex)
        {
            _loadError = ApiError.From(ex);
        }
        catch (HttpRequestException)
        {
            _loadError = ApiError.Unreachable;
        }
        catch (SessionExpiredException) when (!RendererInfo.IsInteractive)
        {
            // The prerender found the sign-in ended (the Api refused to renew it): answer with the same redirect the
            // layout makes in a circuit, instead of a page whose circuit could never start.
            Navigation.NavigateTo(SignInRedirect.For(SessionEnd.Expired, Navigation), forceLoad: true);
            return;
        }
        if (_solution is not null && RendererInfo.IsInteractive)
        {
            _poll = new CancellationTokenSource();
            _ = FollowAsync(SolutionId, _poll.Token);
            _ = PollAsync(SolutionId, _poll.Token);
        }
    }

    /// <summary>Which of the page's forms a fresh solution refills: only those whose own work was just saved or loaded.</summary>
    [Flags]
    private enum Refill
    {
        None = 0,
        Grade = 1,
        Adjudication = 2,
        Both = Grade | Adjudication,
    }

    /// <summary>Takes a fresh solution and refills the forms <paramref name="refill"/> names; the others keep what was typed.</summary>
    private void Apply(SolutionResponse solution, Refill refill)
    {
        KeepUnchanged(_solution, solution);
        _solution = solution;
        _fingerprint = Fingerprint(solution, _modelGrades);
        if (refill.HasFlag(Refill.Grade))
        {
            _sheet = GradeSheet.For(solution);
        }
        // A final grade form the person has not touched since it was filled follows their own new grade too (its
        // default cites every grade); one they have typed into keeps what they typed.
        if (refill.HasFlag(Refill.Adjudication) || (refill.HasFlag(Refill.Grade) && AdjudicationUntouched))
        {
            _finalPoints = solution.Adjudication is { } a ? a.Points : null;
            _rationale = solution.Adjudication?.Rationale ?? "";
            _basedOn = solution.Adjudication is { } adj
                ? [.. adj.BasedOn.Where(b => b.Kind == "human").Select(b => b.GradeId)]
                : [.. solution.HumanGrades.Select(g => g.Id)];
            _adjudicationFill = (_finalPoints, _rationale, [.. _basedOn]);
        }
    }

    private bool AdjudicationUntouched => _adjudicationFill is { } fill
        && fill.Points == _finalPoints && fill.Rationale == _rationale && _basedOn.SetEquals(fill.BasedOn);

    /// <summary>
    /// Hands a fresh answer the previous answer's annotation list and proof text when they did not change. The annotation
    /// list and the proof render again only when they get a new list or text: after a grade given elsewhere, the page
    /// renders again but those two keep their trees (no diff of 50 items, no second copy of the text).
    /// </summary>
    private static void KeepUnchanged(SolutionResponse? previous, SolutionResponse fresh)
    {
        if (previous is null || previous.Id != fresh.Id)
        {
            return;
        }
        if (fresh.Text == previous.Text)
        {
            fresh.Text = previous.Text;
        }
        if (fresh.Annotations.Count == previous.Annotations.Count
            && fresh.Annotations.Zip(previous.Annotations).All(p => SameAnnotation(p.First, p.Second)))
        {
            fresh.Annotations = previous.Annotations;
        }
    }

    // Every field the list or the proof's highlights show or act on; the Api bumps the row version on people's edits, but a
    // model annotation's review and the caller's rights change without one.
    private static bool SameAnnotation(AnnotationResponse a, AnnotationResponse b) =>
        a.Id == b.Id && a.RowVersion == b.RowVersion && a.Start == b.Start && a.End == b.End && a.Quote == b.Quote
        && a.ErrorType == b.ErrorType && a.Severity == b.Severity && a.Comment == b.Comment && a.Origin == b.Origin
        && a.Review == b.Review && a.AuthorName == b.AuthorName && a.CanDelete == b.CanDelete && a.CanEdit == b.CanEdit;

    /// <summary>What the page shows of other people's work; a change in it is worth a re-render.</summary>
    private static string Fingerprint(SolutionResponse s, IReadOnlyList<ModelGradeResponse> models) => string.Join("|",
        string.Join(",", s.HumanGrades.Select(g => $"{g.Id}:{g.RowVersion}")),
        s.Permissions.HiddenGradeCount, s.Permissions.OthersGradesHidden,
        s.Adjudication?.RowVersion,
        string.Join(",", s.Annotations.Select(a => $"{a.Id}:{a.RowVersion}")),
        string.Join(",", models.Select(m => $"{m.Id}:{string.Join("", m.Findings.Select(f => f.Review))}")));

    /// <summary>
    /// Follows the solution through the process's shared change stream until the page leaves it: each change reads the
    /// solution again with this circuit's own token; when the stream is back after a break (the hub opens it again after 1,
    /// 2, 4 ... 30 s), the solution is read once, for changes made while nobody was following.
    /// </summary>
    private async Task FollowAsync(Guid id, CancellationToken ct)
    {
        var follower = _follower = Hub.Follow(id, Changes, Circuit);
        var reconnect = false;
        // While the browser is away (a closed tab's circuit is kept for a while) changes and polls read nothing; a browser
        // that comes back gets one read for whatever it missed.
        void OnRestored()
        {
            if (!ct.IsCancellationRequested)
            {
                _ = RefreshAsync(id, ct);
            }
        }
        Connection.Restored += OnRestored;
        try
        {
            while (await follower.NextAsync(ct) is (var change, var kinds, var through))
            {
                switch (change)
                {
                    case SolutionChange.Ready:
                        await SetFollowingAsync(id, true, ct);
                        if (reconnect)
                        {
                            await RefreshAsync(id, ct);
                        }
                        break;
                    case SolutionChange.Changed when !Connection.IsUp:
                        break;
                    case SolutionChange.Changed:
                        await RefreshAsync(id, ct, follower.LastChangeAt, kinds, through);
                        break;
                    case SolutionChange.Down:
                        reconnect = true;
                        await SetFollowingAsync(id, false, ct);
                        break;
                }
            }
            // Dropped: the sign-in ended (the layout takes the person to sign in) or the Api refused this person the solution.
            await SetFollowingAsync(id, false, ct);
        }
        catch (OperationCanceledException)
        {
        }
        catch (SessionExpiredException)
        {
            // The layout's session watcher takes the person to sign in; following just stops.
        }
        finally
        {
            Connection.Restored -= OnRestored;
            follower.Dispose();
        }
    }

    private Task SetFollowingAsync(Guid id, bool following, CancellationToken ct) => InvokeAsync(() =>
    {
        if (!ct.IsCancellationRequested && id == _loadedId && _following != following)
        {
            _following = following;
            StateHasChanged();
        }
    });

    /// <summary>The safety net: reads the solution at a slow pace in case a change notice was lost.</summary>
    private async Task PollAsync(Guid id, CancellationToken ct)
    {
        var every = Configuration.GetValue<TimeSpan?>("SolutionPage:PollEvery") ?? s_defaultPollEvery;
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                // Nobody sees a kept circuit of a closed tab; a browser that comes back gets the read from FollowAsync.
                if (Connection.IsUp)
                {
                    await RefreshAsync(id, ct);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SessionExpiredException)
        {
            // The layout's session watcher takes the person to sign in; polling just stops.
        }
    }

    /// <summary>
    /// Reads again what a change can have changed, all at once, and shows it in one render when what others did changed. A
    /// pushed change (<paramref name="changeAt"/> set) says what kinds of rows changed, and the page reads only the parts
    /// those can alter (<see cref="ReadPartsAsync"/>), unless a read sent after the notice arrived already covered them
    /// (<paramref name="through"/>, <see cref="Covered"/>): the notice of this person's own write, which the Api sends to
    /// this circuit too, is usually covered by the read that followed the write. A change of unknown kind (the bare notice
    /// a blind caller gets), the slow poll, a reconnection and a returning browser read the whole solution and model grades;
    /// all but the pushed change also read the whole history, which mends an event an incremental read missed (two writes
    /// committing out of id order).
    /// </summary>
    private async Task RefreshAsync(Guid id, CancellationToken ct, long changeAt = 0, SolutionChangeKinds kinds = SolutionChangeKinds.All,
        long through = 0)
    {
        await _refreshing.WaitAsync(ct);
        IDisposable? turn = null;
        try
        {
            var pushed = changeAt > 0;
            if (pushed)
            {
                kinds = VisibleKinds(kinds);
            }
            if (pushed && Covered(kinds, through))
            {
                return;
            }
            // Only a pushed change takes a turn: it is the one that reaches every open page at the same moment.
            turn = pushed ? await Hub.RereadTurnAsync(ct) : null;
            var turnAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var parts = await ReadPartsAsync(id, kinds, incremental: pushed, ct);
            var readAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var shown = false;
            await InvokeAsync(() =>
            {
                // j/k may have moved the page to another solution while this read was on its way: an answer about the
                // solution left behind must not replace the one now shown.
                if (ct.IsCancellationRequested || id != _loadedId || _solution is null)
                {
                    return;
                }
                shown = Show(parts, Refill.None, onlyIfChanged: true);
                if (shown)
                {
                    _live = true;
                    StateHasChanged();
                }
            });
            if (shown && pushed && Logger.IsEnabled(LogLevel.Debug))
            {
                LogShown(Logger, id, changeAt, readAt, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), turnAt, parts.Read);
            }
        }
        catch (ApiException e) when (e.StatusCode is 403 or 404)
        {
            // This person may no longer see the solution (removed from the project, or it was deleted): no more notices
            // for it; the page keeps what it shows until they leave.
            if (_follower is { } follower && follower.SolutionId == id)
            {
                follower.Dispose();
            }
        }
        catch (ApiException)
        {
            // A failed read is tried again at the next change or poll; the page keeps what it shows.
        }
        catch (HttpRequestException)
        {
        }
        finally
        {
            turn?.Dispose();
            _refreshing.Release();
        }
    }

    /// <summary>
    /// The kinds of a pushed change that can alter what this person sees. While others' work is hidden from them (the Api's
    /// veil), a change of unknown kind, the bare notice their stream carries, can only have touched their own grade or
    /// annotations, the count of hidden grades (the grading part) or lifted the veil (their own grade from another tab,
    /// which the grading part shows and which then reads everything); others' annotations, the final grade and model grades
    /// stay out of what the Api answers them, so reading the whole solution and the model grades for it finds nothing more.
    /// </summary>
    private SolutionChangeKinds VisibleKinds(SolutionChangeKinds kinds) =>
        kinds == SolutionChangeKinds.All && _solution is { Permissions.OthersGradesHidden: true }
            ? SolutionChangeKinds.Grades | SolutionChangeKinds.Adjudication | SolutionChangeKinds.Annotations
            : kinds;

    /// <summary>What one read of a solution's parts brought back; a part not read is null.</summary>
    private sealed record PartsRead(
        SolutionResponse? Solution,
        SolutionGradingResponse? Grading,
        IReadOnlyList<AnnotationResponse>? Annotations,
        IReadOnlyList<ModelGradeResponse>? ModelGrades,
        IReadOnlyList<AuditEventResponse> Events,
        bool Incremental,
        SolutionChangeKinds Covers,
        long Through,
        string Read);

    /// <summary>
    /// Reads what changes of <paramref name="kinds"/> can alter: people's grades, the adjudication and a new model grade
    /// (which moves the evidence level) the grading part, annotations the annotations, findings and model grades the model
    /// grades; the history's events newer than the newest one held when <paramref name="incremental"/>, else the whole
    /// history. All kinds, or nothing held yet, read the whole solution and the model grades. A grade can lift this
    /// person's blind veil (their own, here or in another tab): when the grading part shows the veil moved, the whole
    /// solution, the model grades and the whole history are read (older work of others comes into view).
    /// </summary>
    private async Task<PartsRead> ReadPartsAsync(Guid id, SolutionChangeKinds kinds, bool incremental, CancellationToken ct)
    {
        var held = _solution;
        var whole = kinds == SolutionChangeKinds.All || held is null;
        var readModels = (kinds & (SolutionChangeKinds.ModelGrades | SolutionChangeKinds.Findings)) != 0;
        var readGrading = !whole && (kinds & (SolutionChangeKinds.Grades | SolutionChangeKinds.Adjudication | SolutionChangeKinds.ModelGrades)) != 0;
        var readAnnotations = !whole && (kinds & SolutionChangeKinds.Annotations) != 0;
        // Every notice counted by now is about a write these reads see.
        var through = _follower is { } follower && follower.SolutionId == id ? follower.Received : 0;
        var models = readModels ? Api.ListModelGradesAsync(id, ct) : null;
        var history = Api.GetSolutionHistoryAsync(id, incremental ? _history.After.ToString(CultureInfo.InvariantCulture) : null, ct);
        var annotationsRead = readAnnotations ? Api.ListAnnotationsAsync(id, ct) : null;
        var gradingRead = readGrading ? Api.GetSolutionGradingAsync(id, ct) : null;
        var solution = whole ? await Api.GetSolutionAsync(id, ct) : null;
        var grading = gradingRead is null ? null : await gradingRead;
        IReadOnlyList<AnnotationResponse>? annotations = annotationsRead is null ? null : [.. await annotationsRead];
        var events = await history;
        var read = (whole ? "solution," : "") + (readGrading ? "grading," : "") + (readAnnotations ? "annotations," : "")
            + (readModels ? "model grades," : "") + (incremental ? "history after" : "history");
        var nowHidden = (grading?.Permissions ?? solution?.Permissions)?.OthersGradesHidden;
        if (held is not null && nowHidden is { } hidden && hidden != held.Permissions.OthersGradesHidden)
        {
            // The veil moved: others' annotations, model grades and older events came into view (or went out of it).
            if (solution is null)
            {
                solution = await Api.GetSolutionAsync(id, ct);
                grading = null;
                annotations = null;
                read += ",veil moved: solution";
            }
            models ??= Api.ListModelGradesAsync(id, ct);
            if (incremental)
            {
                events = await Api.GetSolutionHistoryAsync(id, null, ct);
                incremental = false;
                read += ",whole history";
            }
        }
        IReadOnlyList<ModelGradeResponse>? grades = models is null ? null : [.. await models];
        var covers = (solution is not null ? SolutionChangeKinds.Grades | SolutionChangeKinds.Adjudication | SolutionChangeKinds.Annotations : 0)
            | (grading is not null ? SolutionChangeKinds.Grades | SolutionChangeKinds.Adjudication : 0)
            | (annotations is not null ? SolutionChangeKinds.Annotations : 0)
            | (grades is not null ? SolutionChangeKinds.Findings : 0)
            | (grades is not null && (solution ?? (object?)grading) is not null ? SolutionChangeKinds.ModelGrades : 0);
        return new PartsRead(solution, grading, annotations, grades, [.. events], incremental, covers, through, read);
    }

    /// <summary>
    /// Puts what was read into the page (parts into the solution held now, not the one held when the read began: this
    /// person's own action or another read may have replaced it meanwhile) and refills the forms <paramref name="refill"/>
    /// names. With <paramref name="onlyIfChanged"/>, nothing happens when what the page shows of others' work and the
    /// history are the same. The proof's math is typeset again only when its highlights changed. Says whether it took them.
    /// </summary>
    private bool Show(PartsRead parts, Refill refill, bool onlyIfChanged)
    {
        Cover(parts.Covers, parts.Through);
        var fresh = parts.Solution ?? _solution!;
        if (parts.Grading is not null)
        {
            fresh = fresh.WithGrading(parts.Grading);
        }
        if (parts.Annotations is not null)
        {
            fresh = fresh.WithAnnotations(parts.Annotations);
        }
        var modelGrades = parts.ModelGrades ?? _modelGrades;
        var heldHistory = parts.Incremental ? _history.With(parts.Events) : HeldHistory.Whole(parts.Events, _history.All);
        if (heldHistory.Same(_history))
        {
            heldHistory = _history;
        }
        if (onlyIfChanged && Fingerprint(fresh, modelGrades) == _fingerprint && ReferenceEquals(heldHistory, _history))
        {
            return false;
        }
        var highlights = Highlights;
        _modelGrades = modelGrades;
        _history = heldHistory;
        Apply(fresh, refill);
        _typeset |= !highlights.SequenceEqual(Highlights);
        return true;
    }

    // Per kind of change, how many of this solution's notices a read sent since has seen through (SolutionChangeHub's
    // Follower.Received at the time the read was sent); reset for each solution the page shows.
    private readonly long[] _coveredThrough = new long[BitOperations.PopCount((uint)SolutionChangeKinds.All)];

    private void Cover(SolutionChangeKinds kinds, long through)
    {
        for (var bit = 0; bit < _coveredThrough.Length; bit++)
        {
            if (((int)kinds & (1 << bit)) != 0)
            {
                _coveredThrough[bit] = Math.Max(_coveredThrough[bit], through);
            }
        }
    }

    /// <summary>
    /// Whether reads sent after the notices up to <paramref name="through"/> had arrived have already read every part
    /// <paramref name="kinds"/> can change (and the history with them). The gold mark is never on this page, so a change
    /// of it alone reads nothing.
    /// </summary>
    private bool Covered(SolutionChangeKinds kinds, long through)
    {
        for (var bit = 0; bit < _coveredThrough.Length; bit++)
        {
            var kind = (SolutionChangeKinds)(1 << bit);
            if (kind != SolutionChangeKinds.Gold && kinds.HasFlag(kind) && _coveredThrough[bit] < through)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Shows this person's own write of <paramref name="kinds"/>: reads only the parts it changed and the newer history
    /// events (the whole solution, model grades and history if it lifted their blind veil), and refills the forms
    /// <paramref name="refill"/> names. Call with <see cref="_refreshing"/> held since before the write was sent, and
    /// <paramref name="before"/> the follower's count of notices then. The Api tells this circuit of the write too: the
    /// page waits briefly for that notice, so that the read covers it and the notice does not read the same part again.
    /// </summary>
    private async Task ShowOwnWriteAsync(SolutionChangeKinds kinds, long before, Refill refill)
    {
        var id = _loadedId;
        if (_following && _follower is { } follower && follower.SolutionId == id)
        {
            await follower.WaitForChangeAsync(before, s_ownNoticeWait, CancellationToken.None);
        }
        // Others' work hidden until this person grades: their grade has just lifted the veil, so everything others did comes
        // into view (older events too); read it all at once instead of finding the veil moved in the grading part.
        var veiled = _solution is { Permissions.OthersGradesHidden: true };
        var veilLifts = veiled && kinds == SolutionChangeKinds.Grades;
        if (veiled && !veilLifts)
        {
            // A veiled person's stream may carry bare notices (any kind, VisibleKinds): reading the small grading part as
            // well covers the notice of this write, instead of the notice reading it and the history again.
            kinds |= SolutionChangeKinds.Grades;
        }
        var parts = await ReadPartsAsync(id, veilLifts ? SolutionChangeKinds.All : kinds, incremental: !veilLifts, CancellationToken.None);
        if (id == _loadedId && _solution is not null)
        {
            Show(parts, refill, onlyIfChanged: false);
        }
    }

    /// <summary>Runs one of this person's writes with the page's reads held back until its own read is done.</summary>
    private async Task WriteAsync(Func<Task> write)
    {
        await _refreshing.WaitAsync();
        try
        {
            await write();
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private long NoticesSoFar => _follower is { } follower && follower.SolutionId == _loadedId ? follower.Received : 0;

    // The fan-out benchmark splits each circuit's share into waiting for a turn, reading and rendering from these stamps.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Solution {SolutionId} shown on a circuit: change at {ChangeAt}, reads done at {ReadAt}, render batch sent at {RenderedAt} (Unix ms); turn at {TurnAt}; read {Read}")]
    private static partial void LogShown(ILogger logger, Guid solutionId, long changeAt, long readAt, long renderedAt, long turnAt, string read);

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_solution is null || !_typeset)
        {
            return;
        }
        _typeset = false;
        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", "/lib/app/js/solution-page.js");
            if (_handle is null)
            {
                _self ??= DotNetObjectReference.Create(this);
                _handle = await _module.InvokeAsync<IJSObjectReference>("attach", _proof, _solution.Text, _self);
                // Now the page takes input (Ready): enable its controls and mark it interactive.
                StateHasChanged();
            }
            else
            {
                await _module.InvokeVoidAsync("typeset", _proof);
            }
            if (_draft is { Focus: true })
            {
                _draft.Focus = false;
                if (_typeSelect is not null)
                {
                    await _typeSelect.FocusAsync();
                }
            }
        }
        catch (JSDisconnectedException)
        {
        }
    }

    /// <summary>A button of the annotation list, from the page's module: its action and its annotation's key.</summary>
    [JSInvokable]
    public Task OnAnnotationAction(string action, string key) =>
        _annotationList is null || !Ready ? Task.CompletedTask : _annotationList.ActAsync(action, key);

    /// <summary>A shortcut key from the page's module; returns the rubric item to focus next, if any.</summary>
    [JSInvokable]
    public async Task<int?> OnHotkey(string key, int? item, int? start, int? end)
    {
        if (_solution is not { } s || _sheet is null)
        {
            return null;
        }
        int? next = null;
        switch (key)
        {
            case "a":
                BeginAnnotation(start, end);
                break;
            case "j" when s.NextSolutionId is { } nextId:
                Navigation.NavigateTo($"/solutions/{nextId}");
                break;
            case "k" when s.PreviousSolutionId is { } previousId:
                Navigation.NavigateTo($"/solutions/{previousId}");
                break;
            case "?":
                _help = true;
                break;
            case "s":
                SetSourceView(!_sourceView);
                break;
            case "adjudicate" when s.Permissions.CanAdjudicate:
                await AdjudicateAsync();
                break;
            case "submit":
                if (_draft is not null)
                {
                    await SaveAnnotationAsync();
                }
                else if (s.Permissions.CanGrade)
                {
                    await SubmitGradeAsync();
                }
                break;
            default:
                if (s.Permissions.CanGrade)
                {
                    next = _sheet.Key(key, item);
                }
                break;
        }
        StateHasChanged();
        return next;
    }

    private void SetSourceView(bool source)
    {
        _sourceView = source;
        // The rendered view comes back as TeX and needs typesetting again.
        _typeset = true;
    }

    private async Task AnnotateSelectionAsync()
    {
        var span = _handle is null ? null : await _handle.InvokeAsync<Span?>("span");
        BeginAnnotation(span?.Start, span?.End);
    }

    private void BeginAnnotation(int? start, int? end)
    {
        if (_solution is not { Permissions.CanAnnotate: true } s)
        {
            return;
        }
        if (start is not { } from || end is not { } to || to <= from || to > s.Text.Length)
        {
            _notice = "Select a passage of the proof first, then press a.";
            return;
        }
        _notice = null;
        _annotationError = null;
        _draft = new AnnotationDraft(from, to, s.Text[from..to])
        {
            ErrorType = _draft?.ErrorType ?? ErrorTypes.FirstOrDefault()?.Id ?? "other",
            Focus = true,
        };
        _typeset = true;
    }

    private async Task SaveAnnotationAsync()
    {
        if (_draft is not { } d || _actions.Busy)
        {
            return;
        }
        await _actions.RunAsync(() => WriteAsync(async () =>
        {
            var before = NoticesSoFar;
            var comment = Shared.Format.Blank(d.Comment);
            if (d.EditingId is { } id)
            {
                await Api.UpdateAnnotationAsync(id, new UpdateAnnotationRequest
                {
                    ErrorType = d.ErrorType, Severity = d.Severity, Comment = comment, RowVersion = d.RowVersion,
                }, CancellationToken.None);
            }
            else
            {
                await Api.CreateAnnotationAsync(SolutionId, new CreateAnnotationRequest
                {
                    Start = d.Start, End = d.End, Quote = d.Quote, ErrorType = d.ErrorType, Severity = d.Severity, Comment = comment,
                }, CancellationToken.None);
            }
            _draft = null;
            _notice = d.EditingId is null ? "Annotation saved." : "Annotation updated.";
            await ShowOwnWriteAsync(SolutionChangeKinds.Annotations, before, Refill.None);
        }), e => _annotationError = e);
    }

    /// <summary>Opens one's own annotation in the form: same span, its type, severity and comment to change.</summary>
    private void EditAnnotation(AnnotationResponse annotation)
    {
        _notice = null;
        _annotationError = null;
        _draft = new AnnotationDraft(annotation.Start, annotation.End, annotation.Quote)
        {
            EditingId = annotation.Id,
            RowVersion = annotation.RowVersion,
            ErrorType = annotation.ErrorType,
            Severity = annotation.Severity,
            Comment = annotation.Comment ?? "",
            Focus = true,
        };
        _typeset = true;
    }

    // The Api decides per annotation, by the same rule its DELETE applies.
    private static bool CanDelete(AnnotationResponse annotation) => annotation.CanDelete;

    private async Task DeleteAnnotationAsync(AnnotationResponse annotation)
    {
        await _actions.RunAsync(() => WriteAsync(async () =>
        {
            var before = NoticesSoFar;
            await Api.DeleteAnnotationAsync(annotation.Id, CancellationToken.None);
            await ShowOwnWriteAsync(SolutionChangeKinds.Annotations, before, Refill.None);
        }), e => _listError = e);
    }

    private async Task ShowAnnotationAsync(AnnotationResponse annotation)
    {
        if (_module is not null)
        {
            await _module.InvokeVoidAsync("scrollToMark", _proof, SolutionStyle.Key(annotation));
        }
    }

    private async Task SubmitGradeAsync()
    {
        if (_sheet is null || _solution is null)
        {
            return;
        }
        _gradeSaved = false;
        await _actions.RunAsync(() => WriteAsync(async () =>
        {
            var before = NoticesSoFar;
            // The version the form was filled from, not the newest one polling brought in: a grade changed elsewhere
            // since then is a conflict to show, not something to overwrite silently.
            await Api.SubmitHumanGradeAsync(SolutionId, _sheet.ToRequest(_sheet.RowVersion), CancellationToken.None);
            _gradeSaved = true;
            // The grading part; a first grade in a blind project lifts the veil, and the read then brings the whole solution,
            // model grades and history. Only the grade's own form is refilled: a final grade being typed meanwhile is the
            // person's work, not stale state.
            await ShowOwnWriteAsync(SolutionChangeKinds.Grades, before, Refill.Grade);
        }), e => _gradeError = e);
    }

    private void ToggleBasedOn((Guid Grade, bool On) choice)
    {
        var (id, on) = choice;
        if (on)
        {
            _basedOn.Add(id);
        }
        else
        {
            _basedOn.Remove(id);
        }
    }

    private async Task AdjudicateAsync()
    {
        _adjudicationSaved = false;
        await _actions.RunAsync(() => WriteAsync(async () =>
        {
            var before = NoticesSoFar;
            await Api.SetAdjudicationAsync(SolutionId, new AdjudicateRequest
            {
                Points = _finalPoints ?? -1,
                Rationale = _rationale,
                BasedOn = [.. _basedOn.Select(id => new GradeReferenceDto { Kind = "human", GradeId = id })],
                RowVersion = _solution?.Adjudication?.RowVersion,
            }, CancellationToken.None);
            _adjudicationSaved = true;
            await ShowOwnWriteAsync(SolutionChangeKinds.Adjudication, before, Refill.Adjudication);
        }), e => _adjudicationError = e);
    }

    private async Task ReviewFindingAsync((ModelFindingResponse Finding, bool Accept) review)
    {
        await _actions.RunAsync(() => WriteAsync(async () =>
        {
            var before = NoticesSoFar;
            await Api.ReviewModelFindingAsync(review.Finding.Id, new ReviewFindingRequest { Accept = review.Accept }, CancellationToken.None);
            await ShowOwnWriteAsync(SolutionChangeKinds.Findings, before, Refill.None);
        }), e => _modelError = e);
    }

    private async Task<ModelGradeResponse?> LoadModelGradeAsync(Guid id)
    {
        try
        {
            return await Api.GetModelGradeAsync(id, CancellationToken.None);
        }
        catch (ApiException)
        {
            return null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>The history's "Show all" button: every event the Api lists, kept for this page from now on.</summary>
    private Task ShowAllHistoryAsync() => _actions.RunAsync(async () =>
    {
        _history = HeldHistory.Whole([.. await Api.GetSolutionHistoryAsync(SolutionId, null, CancellationToken.None)], all: true);
    }, e => _historyError = e);

    private string GradeLabel(GradeReferenceDto reference) =>
        _solution?.HumanGrades.FirstOrDefault(g => g.Id == reference.GradeId) is { } grade
            ? $"{grade.GraderName} ({Shared.Format.Points(grade.Points)})"
            : $"{reference.Kind} grade";

    private async Task DetachAsync()
    {
        // Left at once, not when the follow loop winds down: the shared stream may run on this circuit's token, and this
        // circuit's services go away with it.
        _follower?.Dispose();
        _follower = null;
        if (_poll is not null)
        {
            await _poll.CancelAsync();
            _poll.Dispose();
            _poll = null;
        }
        if (_handle is not null)
        {
            try
            {
                await _handle.InvokeVoidAsync("dispose");
                await _handle.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
            }
            _handle = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DetachAsync();
        if (_module is not null)
        {
            try
            {
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
            }
        }
        _self?.Dispose();
    }

    internal sealed record Span(int Start, int End);

    /// <summary>The annotation being written: the span from the selection and what the grader chose.</summary>
    internal sealed class AnnotationDraft(int start, int end, string quote)
    {
        public int Start { get; } = start;
        public int End { get; } = end;
        public string Quote { get; } = quote;
        public string ErrorType { get; set; } = "";
        public string Severity { get; set; } = "major";
        public string Comment { get; set; } = "";
        public bool Focus { get; set; }

        /// <summary>Set when the form edits an existing annotation rather than marking a new one.</summary>
        public Guid? EditingId { get; init; }

        /// <summary>The version of the annotation the edit started from (the Api refuses an edit of a changed one).</summary>
        public int? RowVersion { get; init; }
    }
}
