using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Net;
using System.Runtime;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Jobs;
using GradingPortal.Domain.Persistence;
using GradingPortal.Worker.Grading.Wire;
using GradingPortal.Worker.Models;
using Hangfire.Common;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;
using OpenAI;
using OpenAI.Chat;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiChatRole = Microsoft.Extensions.AI.ChatRole;
using OpenAiResponseFormat = OpenAI.Chat.ChatResponseFormat;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// Readies a fresh Worker before its Hangfire server starts (it is registered ahead of the server, and the host starts
/// hosted services one after the other): the Worker runs untiered (ADR 012, 013), so every method of the grading path is
/// compiled fully optimised on its first use, and without this the first jobs of a run pay for it while the model's slots
/// wait. Exercises that path without calling a model or changing data: every pinned prompt file is rendered through a
/// kernel function of its own and "answered" by the OpenAI SDK over an in-process transport that sends nothing; each
/// sample answer is checked against its stage's schema (JsonSchema.Net) and rules; the jobs' database statements run
/// with ids that match no row; Hangfire serialises a job of each kind without storing it. Best effort: a failure is
/// logged as a warning and the Worker starts as it would have; stopping the host cancels it.
/// </summary>
internal sealed partial class GradingWarmUp(IServiceScopeFactory scopes, IOptions<WorkerOptions> options, ILoggerFactory loggers,
    ILogger<GradingWarmUp> logger) : IHostedService
{
    /// <summary>A warm-up that takes longer than this is abandoned (a database that hangs must not hold the Worker back).</summary>
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.WarmUpOnStart)
        {
            LogOff(logger);
            return;
        }
        LogStarting(logger);
        var started = Stopwatch.GetTimestamp();
        var totals = JitSnapshot.Take();
        var parts = new List<string>();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(s_limit);
        var ct = limit.Token;
        try
        {
            var (rendered, valid) = await MeasureAsync(parts, "prompts", () => WarmPromptsAsync(ct));
            var statements = await MeasureAsync(parts, "database", () => WarmDatabaseAsync(ct));
            await MeasureAsync(parts, "jobs", () => Task.FromResult(WarmJobSerialisation()));
            var jit = JitSnapshot.Take() - totals;
            LogDone(logger, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, rendered, valid, statements, jit.Methods,
                (long)jit.Time.TotalMilliseconds, string.Join("; ", parts));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogStopped(logger, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception ex)
        {
            // Whatever went wrong here, the jobs would meet it (or not) on their own: the Worker starts either way.
            LogFailed(logger, ex, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, string.Join("; ", parts));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs one part and notes its wall time and what the JIT compiled meanwhile (the figures the ADR compares).</summary>
    private static async Task<T> MeasureAsync<T>(List<string> parts, string name, Func<Task<T>> part)
    {
        var before = JitSnapshot.Take();
        var started = Stopwatch.GetTimestamp();
        var result = await part();
        var jit = JitSnapshot.Take() - before;
        parts.Add($"{name} {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms, {jit.Methods} methods compiled in {jit.Time.TotalMilliseconds:0} ms");
        return result;
    }

    /// <summary>
    /// Every prompt file (and every rubric design of those that have them) through the same kind of kernel function, filter
    /// and message parsing as <see cref="StageKernel"/>, then the OpenAI SDK's request and response handling, then the output
    /// checks. Returns how many were rendered and how many sample answers passed every check.
    /// </summary>
    private async Task<(int Rendered, int Valid)> WarmPromptsAsync(CancellationToken ct)
    {
        using var transport = new HttpClient(new CannedAnswers());
        var sdk = new OpenAIClient(new ApiKeyCredential(WarmUpKey), new OpenAIClientOptions
        {
            // Never contacted: the transport answers in process.
            Endpoint = new Uri("http://warm-up.invalid/v1"),
            Transport = new HttpClientPipelineTransport(transport),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        }).GetChatClient(WarmUpModel).AsIChatClient();
        // The profile pipeline's middleware that neither holds model slots nor counts usage (ModelCallPipeline).
        var chatClient = new KeyScrubbingChatClient(new TimeoutGuardChatClient(sdk, s_limit), WarmUpKey);
        var builder = Kernel.CreateBuilder();
        builder.Services.AddChatClient(new WarmUpChatClient(chatClient));
        // The stage filter itself: it only records calls that carry a stage-call context, which these do not.
        var filter = new StageCallFilter(loggers.CreateLogger<StageKernel>());
        builder.Services.AddSingleton<IPromptRenderFilter>(filter);
        builder.Services.AddSingleton<IFunctionInvocationFilter>(filter);
        var kernel = builder.Build();

        var rendered = 0;
        var valid = 0;
        foreach (var prompt in PromptLibrary.Default.All)
        {
            foreach (var design in prompt.Designs.Any() ? prompt.Designs.Select(d => (string?)d) : [null])
            {
                ct.ThrowIfCancellationRequested();
                var ok = await WarmPromptAsync(kernel, prompt, design, ct);
                rendered++;
                valid += ok ? 1 : 0;
            }
        }
        return (rendered, valid);
    }

    private static Task<bool> WarmPromptAsync(Kernel kernel, PromptTemplate prompt, string? design, CancellationToken ct)
    {
        var family = FamilyOf(prompt.Name);
        var errorType = WireJson.ErrorTypesOf([])[0];
        switch (family)
        {
            case Stages.ClusterReferences:
                return AnswerAsync(kernel, prompt, design, family, ClustersOutput.SchemaName, ClustersOutput.Schema,
                    new ClustersOutput([new ClusterWire("Induction", [1], 1, ["Set up the induction.", "Close the step."]),
                        new ClusterWire("Invariant", [2], 2, ["Find the invariant.", "Conclude."])]),
                    output => ClusterReferencesStage.Check(output, 2), ct);
            case Stages.ExtractSteps:
                return AnswerAsync(kernel, prompt, design, family, ExtractStepsOutput.SchemaName, ExtractStepsOutput.Schema,
                    new ExtractStepsOutput([new SolutionStepWire("Sets up the induction.", [ApproachMatching.StepId(0, 1)]),
                        new SolutionStepWire("Closes the step.", [ApproachMatching.StepId(0, 2)])]),
                    output => ExtractStepsStage.Check(output, [2, 2]), ct);
            case Stages.AnalyseReference:
                return AnswerAsync(kernel, prompt, design, family, AnalysisOutput.SchemaName, AnalysisOutput.Schema,
                    new AnalysisOutput([new KeyInsightWire("K1", "Induct on n.", "The base case hides the idea.", 3,
                        [new SubStepWire("K1.a", "Check n = 1.", 5)]), new KeyInsightWire("K2", "Bound the sum.", "Needs AM-GM.", null, [])],
                        "Two steps."),
                    AnalyseReferenceStage.Check, ct);
            case Stages.DeriveRubric:
                var rubricDesign = design ?? RubricDesigns.Approachability;
                return AnswerAsync(kernel, prompt, design, family, RubricOutput.SchemaName, RubricOutput.Schema,
                    new RubricOutput([new RubricItemWire("Induction set up", "States the induction.", 3, "K1"),
                        new RubricItemWire("Step closed", "Closes the inductive step.", 4, "K2")], "Nothing of substance.", "7 for a complete proof.", []),
                    output => DeriveRubricStage.Check(output, SampleMaxPoints, rubricDesign), ct);
            default:
                // Every other file is a grading prompt; the single-call judge uses its own severity words.
                var severities = family == "judge-single-call" ? VerdictSeverities.Judge : VerdictSeverities.Portal;
                var problem = new ProblemMaterial(Guid.Empty, Guid.Empty, SampleText, SampleMaxPoints, [SampleText], []);
                var input = new GradeInput(new Dictionary<string, string>(), VerdictScheme.None, [], severities);
                return AnswerAsync(kernel, prompt, design, Stages.Grade, GradeOutput.SchemaName, GradeOutput.SchemaFor(problem.ErrorTypes, severities),
                    new GradeOutput(5, [new GradeItemWire("Main argument", null, 5, "Sound.")],
                        [new GradeErrorWire(errorType, severities[0], "so n > 2", "Unjustified.")], null, true, null, "Mostly complete.", null),
                    output => GradeStage.Check(output, problem, input), ct);
        }
    }

    /// <summary>
    /// Renders one prompt through its kernel function with representative values and has the sample answer go through what
    /// a real answer goes through: the SDK, schema and rules (<see cref="ModelExchange.ParseAndValidate"/>), then the typed
    /// parse and checks <see cref="StageCaller"/> applies. True when the sample passed all of them.
    /// </summary>
    private static async Task<bool> AnswerAsync<T>(Kernel kernel, PromptTemplate prompt, string? design, string stage, string schemaName,
        JsonElement schema, T sample, Func<T, IReadOnlyList<string>> check, CancellationToken ct)
        where T : class
    {
        var chat = prompt.KernelTemplate(design);
        var request = new ModelCallRequest($"warm-up:{prompt.Name}", Guid.Empty, null, null, Guid.Empty, null, stage, 0, prompt.Ref, [], schemaName,
            schema, output =>
            {
                var (value, error) = WireJson.Parse<T>(output);
                return value is null ? [error ?? "The output could not be read."] : check(value);
            });
        var call = new WarmUpCall(request, chat.Roles, WireJson.Serialize(sample));
        var settings = new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { [WarmUpCall.Key] = call } };
        var arguments = new KernelArguments(settings);
        foreach (var variable in chat.Variables)
        {
            arguments[variable] = PromptData.EscapeValue(SampleValue(variable));
        }
        await kernel.InvokeAsync(FunctionFor(prompt, chat), arguments, ct);
        if (call.Output is not { } element)
        {
            return false;
        }
        var (parsed, _) = WireJson.Parse<T>(element);
        return parsed is not null && check(parsed).Count == 0;
    }

    /// <summary>The prompt function <see cref="StageKernel"/> makes for a stage, under a name of the warm-up's own.</summary>
    private static KernelFunction FunctionFor(PromptTemplate prompt, KernelChat chat) =>
        StageKernel.Create("warm_up_" + prompt.Name, $"{prompt.Name} ({prompt.Sha256})", chat);

    /// <summary>
    /// The statements a run's jobs start with, on ids that match no row: the three jobs' entry points (each looks its subject
    /// up and, finding nothing, does nothing), the lookups of material, artifacts, items, solutions and earlier attempts,
    /// and the conditional updates that end or hand back an item (which match nothing, so change nothing). Builds the EF
    /// model and compiles these query shapes; returns how many statements ran.
    /// </summary>
    private async Task<int> WarmDatabaseAsync(CancellationToken ct)
    {
        var none = Guid.NewGuid();
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        await services.GetRequiredService<StartRunJob>().RunAsync(none, ct);
        await services.GetRequiredService<PrepareProblemJob>().RunAsync(none, ct);
        await services.GetRequiredService<GradeSliceJob>().RunAsync(none, 0, ct);
        await services.GetRequiredService<ProblemPreparation>().LoadMaterialAsync(none, ct);
        await services.GetRequiredService<ArtifactStore>().FindAsync(none, ArtifactKinds.Clusters, "warm-up", ct);
        var progress = services.GetRequiredService<RunProgress>();
        await progress.RunStatusAsync(none, ct);
        await progress.FinishItemAsync(none, RunItemStatus.Failed, null, ct);
        await progress.ReleaseItemAsync(none, ct);
        var db = services.GetRequiredService<GradingDbContext>();
        await db.GradingRunItems.AsNoTracking().FirstOrDefaultAsync(i => i.Id == none, ct);
        await db.GradingRunItems.AnyAsync(i => i.RunId == none && (i.Status == RunItemStatus.Pending || i.Status == RunItemStatus.Running), ct);
        await db.Solutions.Where(s => s.Id == none).Select(s => s.Text).FirstOrDefaultAsync(ct);
        await db.StageCalls.AsNoTracking().Where(c => c.CallKey == "warm-up").Select(c => new { c.Id, c.Attempt, c.Status }).ToListAsync(ct);
        await db.Rubrics.AsNoTracking().Include(r => r.Items).FirstOrDefaultAsync(r => r.Id == none, ct);
        await db.ModelProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.Id == none, ct);
        return 14;
    }

    /// <summary>
    /// Hangfire's client side of a follow-up job without the storage: the job read from its expression, its filters found,
    /// its invocation serialised. Returns how many jobs were serialised.
    /// </summary>
    private static int WarmJobSerialisation()
    {
        var none = Guid.Empty;
        Job[] jobs =
        [
            Job.FromExpression<IGradingJobs>(j => j.PlanRun(none, CancellationToken.None)),
            Job.FromExpression<IGradingJobs>(j => j.PrepareProblem(none, CancellationToken.None)),
            Job.FromExpression<IGradingJobs>(j => j.GradeSlice(none, 0, CancellationToken.None)),
        ];
        foreach (var job in jobs)
        {
            _ = JobFilterProviders.Providers.GetFilters(job).Count();
            _ = InvocationData.SerializeJob(job).SerializePayload();
        }
        return jobs.Length;
    }

    private const string WarmUpKey = "warm-up-key";
    private const string WarmUpModel = "warm-up";
    private const int SampleMaxPoints = 7;

    // Proof-like text with what the escaping has to carry: markup characters, LaTeX, quotes and a line break.
    private const string SampleText = "Let $a<b$ and $b \\le c$ with a & b > 0. \"Then\" by induction on n, 2^n > n for all n >= 1.\n"
        + "Base case: n = 1 gives 2 > 1. Step: 2^{n+1} = 2 * 2^n > 2n >= n + 1. <<<SOLUTION-END>>> is not special here.";

    private static string SampleValue(string variable) => variable switch
    {
        "max_points" => SampleMaxPoints.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "approach_number" => "1",
        "approach_title" => "Induction",
        "item_ids" => "A1.R1, A1.R2",
        "extra_error_types" => "",
        "solution" => StageCaller.Delimit(SampleText),
        _ => SampleText,
    };

    /// <summary><c>grade-with-rubric.v3</c> → <c>grade-with-rubric</c>.</summary>
    private static string FamilyOf(string name) =>
        name.LastIndexOf(".v", StringComparison.Ordinal) is var at and > 0 ? name[..at] : name;


    [LoggerMessage(Level = LogLevel.Information,
        Message = "Warm-up done in {ElapsedMs} ms, before taking jobs: {Rendered} prompt renderings ({Valid} sample answers valid), {Statements} database statements; the JIT compiled {Methods} methods in {JitMs} ms ({Parts})")]
    private static partial void LogDone(ILogger logger, long elapsedMs, int rendered, int valid, int statements, long methods, long jitMs, string parts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Warming up the grading path before taking jobs")]
    private static partial void LogStarting(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Warm-up is off (Worker:WarmUpOnStart): the first jobs compile the grading path")]
    private static partial void LogOff(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Warm-up stopped after {ElapsedMs} ms: the Worker is stopping")]
    private static partial void LogStopped(ILogger logger, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warm-up failed after {ElapsedMs} ms ({Parts}); the Worker starts anyway and its first jobs compile the rest")]
    private static partial void LogFailed(ILogger logger, Exception exception, long elapsedMs, string parts);

    /// <summary>Methods the JIT has compiled and the time it took, process-wide.</summary>
    private readonly record struct JitSnapshot(long Methods, TimeSpan Time)
    {
        public static JitSnapshot Take() => new(JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());

        public static JitSnapshot operator -(JitSnapshot a, JitSnapshot b) => new(a.Methods - b.Methods, a.Time - b.Time);
    }

    /// <summary>One rendering's request, the roles it must render into, the canned answer, and the checked output.</summary>
    private sealed class WarmUpCall(ModelCallRequest request, IReadOnlyList<string> roles, string answer)
    {
        public const string Key = "gradingportal.warm_up_call";

        public ModelCallRequest Request { get; } = request;
        public IReadOnlyList<string> Roles { get; } = roles;
        public string Answer { get; } = answer;
        public JsonElement? Output { get; set; }
    }

    /// <summary>
    /// The warm-up kernel's chat service, shaped like <see cref="StageCallChatClient"/>: checks the rendered roles, restores
    /// the text, then sends the messages with a stage call's options through the SDK (whose transport answers in process)
    /// and checks the answer as the model caller does.
    /// </summary>
    private sealed class WarmUpChatClient(IChatClient sdk) : IChatClient
    {
        private static readonly ChatClientMetadata s_metadata = new("gradingportal-warm-up", null, WarmUpModel);

        public async Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default)
        {
            var call = options?.AdditionalProperties?.TryGetValue(WarmUpCall.Key, out var value) == true && value is WarmUpCall found
                ? found
                : throw new InvalidOperationException("A warm-up rendering reached its chat client without its context.");
            var rendered = messages.ToList();
            if (rendered.Count != call.Roles.Count || rendered.Where((m, i) => m.Role.Value != call.Roles[i]).Any())
            {
                throw new InvalidOperationException($"Prompt {call.Request.Prompt.Name} rendered into {rendered.Count} messages instead of its {call.Roles.Count}.");
            }
            List<AiChatMessage> restored = [.. rendered.Select(m => new AiChatMessage(m.Role, PromptData.Restore(m.Text)))];
            CannedAnswers.Next.Value = call.Answer;
            var response = await sdk.GetResponseAsync(restored, OptionsFor(call.Request), cancellationToken);
            _ = UsageChatClient.UsageOf(response);
            var (output, problems) = ModelExchange.ParseAndValidate(response.Text, call.Request);
            call.Output = problems.Count == 0 ? output : null;
            return new ChatResponse(new AiChatMessage(AiChatRole.Assistant, response.Text));
        }

        /// <summary>What the model caller asks of an endpoint with strict structured output.</summary>
        private static ChatOptions OptionsFor(ModelCallRequest request) => new()
        {
            Temperature = 0.1f,
            MaxOutputTokens = 4000,
            RawRepresentationFactory = _ => new ChatCompletionOptions
            {
                ResponseFormat = OpenAiResponseFormat.CreateJsonSchemaFormat(request.SchemaName, BinaryData.FromString(request.Schema.GetRawText()),
                    jsonSchemaIsStrict: true),
            },
        };

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("Warm-up calls are not streamed.");

        // The kernel asks for the metadata when it wraps a chat client as a service.
        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? s_metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;

        public void Dispose()
        {
        }
    }

    /// <summary>
    /// The SDK's transport for the warm-up: reads the serialised request (so it is built in full) and answers with the
    /// chat completion the current rendering set up, in the wire format an endpoint uses. Nothing leaves the process.
    /// </summary>
    private sealed class CannedAnswers : HttpMessageHandler
    {
        public static readonly AsyncLocal<string?> Next = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var body = JsonDocument.Parse(await request.Content!.ReadAsByteArrayAsync(cancellationToken));
            _ = body.RootElement.GetProperty("messages").GetArrayLength();
            var completion = new JsonObject
            {
                ["id"] = "warm-up",
                ["object"] = "chat.completion",
                ["created"] = 0,
                ["model"] = WarmUpModel,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = Next.Value ?? "{}" },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = new JsonObject
                {
                    ["prompt_tokens"] = 1,
                    ["completion_tokens"] = 1,
                    ["total_tokens"] = 2,
                    ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
                    ["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
                },
            };
            return new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(completion.ToJsonString(), Encoding.UTF8, "application/json"),
            };
        }
    }
}
