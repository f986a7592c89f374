using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.RegularExpressions;
using GradingPortal.Domain.Models;
using GradingPortal.Worker.Models;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using FunctionInvocationContext = Microsoft.SemanticKernel.FunctionInvocationContext;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// What one stage call needs below the kernel: who it is for, the logical call's identity, the output schema and checks,
/// and (filled on the way) the rendered prompt, the attempt being sent and the call's result. It travels in the execution
/// settings, which the kernel hands to the filters as arguments and to the chat client as <see cref="ChatOptions.AdditionalProperties"/>.
/// </summary>
internal sealed class StageCallContext(CallScope scope, ModelCallRequest request, KernelChat chat)
{
    public const string Key = "gradingportal.stage_call";

    public CallScope Scope { get; } = scope;

    /// <summary>The request without messages: those come from the kernel's rendering.</summary>
    public ModelCallRequest Request { get; } = request;

    public KernelChat Chat { get; } = chat;

    public string? RenderedPrompt { get; set; }

    /// <summary>The attempt the recording filter opened for the current invocation of the function; the chat client sends through it.</summary>
    public IStageAttempt? Attempt { get; set; }

    public ModelCallResult? Result { get; set; }

    public static StageCallContext? Of(KernelArguments arguments) =>
        arguments.ExecutionSettings?.Values.Select(s => s.ExtensionData?.TryGetValue(Key, out var value) == true ? value : null)
            .OfType<StageCallContext>().FirstOrDefault();
}

/// <summary>One HTTP attempt of a stage call, opened by the recording filter before it lets the kernel render and send.</summary>
internal interface IStageAttempt
{
    /// <summary>Stores the attempt with the messages the kernel rendered, then sends it; returns the endpoint's answer.</summary>
    Task<ChatResponse> SendAsync(IReadOnlyList<ChatMessage> rendered, CancellationToken cancellationToken);
}

/// <summary>
/// The grading stages' kernel. Every stage is a <see cref="KernelFunction"/> made from its prompt file (one per prompt and
/// rubric design, created once) and invoked through one <see cref="Kernel"/>, whose chat service is
/// <see cref="StageCallChatClient"/>. Two filters see every call: <see cref="StageCallFilter"/> (outermost) times the
/// logical call, and the recording filter (<see cref="StageCallRecorder"/>) reuses a stored success or makes the attempts,
/// each stored before it is sent, with retries and the one repair. Calls whose messages are built in code
/// (<see cref="IModelCaller"/>) go through the same kernel and filters, as a function of one variable per message.
/// </summary>
internal sealed partial class StageKernel : IModelCaller
{
    private readonly Kernel _kernel;
    private readonly ConcurrentDictionary<(string Prompt, string Sha256, string Design), KernelFunction> _functions = new();
    private readonly ConcurrentDictionary<string, (KernelFunction Function, KernelChat Chat)> _messageFunctions = new(StringComparer.Ordinal);

    public StageKernel(StageCallRecorder recorder, ILogger<StageKernel> logger)
        : this((IFunctionInvocationFilter)recorder, logger)
    {
    }

    /// <summary>A kernel with another recording filter (tests stand in for the database and the endpoint with one).</summary>
    internal StageKernel(IFunctionInvocationFilter recorder, ILogger logger)
    {
        var builder = Kernel.CreateBuilder();
        builder.Services.AddChatClient(new StageCallChatClient());
        var filter = new StageCallFilter(logger);
        builder.Services.AddSingleton<IPromptRenderFilter>(filter);
        // The kernel runs function filters in the order they were registered, the first outermost: the timing covers the
        // lookup, every attempt and the waits between them.
        builder.Services.AddSingleton<IFunctionInvocationFilter>(filter);
        builder.Services.AddSingleton<IFunctionInvocationFilter>(recorder);
        _kernel = builder.Build();
    }

    /// <summary>Renders <paramref name="prompt"/> with <paramref name="values"/> and calls the model through the kernel.</summary>
    public async Task<ModelCallResult> InvokeAsync(CallScope scope, ModelCallRequest request, PromptTemplate prompt, string? design,
        IReadOnlyDictionary<string, string> values, CancellationToken ct)
    {
        var chat = prompt.KernelTemplate(design);
        var function = _functions.GetOrAdd((prompt.Name, prompt.Sha256, design ?? ""), _ => Create(prompt.Name, $"{prompt.Name} ({prompt.Sha256})", chat));
        var context = new StageCallContext(scope, request, chat);
        var arguments = ArgumentsFor(context);
        foreach (var variable in chat.Variables)
        {
            // The kernel renders a missing variable as nothing; a half-filled prompt must never reach a model.
            arguments[variable] = values.TryGetValue(variable, out var value)
                ? PromptData.EscapeValue(value)
                : throw new InvalidOperationException($"Prompt {prompt.Name} needs a value for {{{{${variable}}}}}.");
        }
        return await InvokeCoreAsync(function, context, arguments, ct);
    }

    /// <summary>A call whose messages are given as they are: each becomes a variable of a template of that many messages.</summary>
    public async Task<ModelCallResult> CallAsync(ModelProfile profile, ModelCallRequest request, CancellationToken cancellationToken)
    {
        var roles = request.Messages.Select(m => m.Role.Value).ToList();
        var (function, chat) = _messageFunctions.GetOrAdd(string.Join(',', roles), _ =>
        {
            var template = new StringBuilder();
            for (var i = 0; i < roles.Count; i++)
            {
                template.Append("<message role=\"").Append(PromptData.EscapeStatic("messages", roles[i])).Append("\">{{$m")
                    .Append(i.ToString(CultureInfo.InvariantCulture)).Append("}}</message>\n");
            }
            var chat = new KernelChat(template.ToString(), roles, [.. Enumerable.Range(0, roles.Count).Select(i => $"m{i.ToString(CultureInfo.InvariantCulture)}")]);
            return (Create($"messages{roles.Count}", "messages given by the caller", chat), chat);
        });
        var scope = new CallScope(profile, request.ProjectId, request.RunId, request.RunItemId, request.ProblemId, request.SolutionId);
        var context = new StageCallContext(scope, request with { Messages = [] }, chat);
        var arguments = ArgumentsFor(context);
        for (var i = 0; i < roles.Count; i++)
        {
            arguments[chat.Variables[i]] = PromptData.EscapeMessage(request.Messages[i].Text);
        }
        return await InvokeCoreAsync(function, context, arguments, cancellationToken);
    }

    private static KernelArguments ArgumentsFor(StageCallContext context) =>
        new(new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { [StageCallContext.Key] = context } });

    private async Task<ModelCallResult> InvokeCoreAsync(KernelFunction function, StageCallContext context, KernelArguments arguments,
        CancellationToken ct)
    {
        try
        {
            await _kernel.InvokeAsync(function, arguments, ct);
        }
        catch (KernelFunctionCanceledException e) when (e.InnerException is OperationCanceledException cancelled)
        {
            // The kernel wraps a cancellation in its own type; callers know the Worker's stop as the plain one.
            ExceptionDispatchInfo.Throw(cancelled);
        }
        return context.Result ?? throw new InvalidOperationException($"The stage call {context.Request.CallKey} ended without a result.");
    }

    /// <summary>A stage's prompt function: the chat template with every variable passed through as escaped by PromptData.</summary>
    internal static KernelFunction Create(string name, string description, KernelChat chat)
    {
        var config = new PromptTemplateConfig(chat.Template)
        {
            Name = FunctionName().Replace(name, "_"),
            Description = description,
        };
        foreach (var variable in chat.Variables)
        {
            // Values arrive escaped by PromptData (see there): the kernel's HTML encoding would encode them a second time.
            config.InputVariables.Add(new InputVariable { Name = variable, AllowDangerouslySetContent = true, IsRequired = true });
        }
        return KernelFunctionFactory.CreateFromPrompt(config);
    }

    [GeneratedRegex("[^A-Za-z0-9_]")]
    private static partial Regex FunctionName();
}

/// <summary>
/// The kernel's chat service: takes the messages the kernel rendered, checks that the prompt became exactly its messages
/// (a template the kernel could not parse would otherwise arrive as one user message with its tags in it), restores
/// their text, and sends them through the attempt the recording filter opened (which stores it first).
/// </summary>
internal sealed class StageCallChatClient : IChatClient
{
    private static readonly ChatClientMetadata s_metadata = new("gradingportal-stage-calls", null, "per-profile");

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var context = options?.AdditionalProperties?.TryGetValue(StageCallContext.Key, out var value) == true && value is StageCallContext found
            ? found
            : throw new InvalidOperationException("A stage call reached the model without its context.");
        var rendered = messages.ToList();
        if (rendered.Count != context.Chat.Roles.Count || rendered.Where((m, i) => m.Role.Value != context.Chat.Roles[i]).Any())
        {
            throw new InvalidOperationException(
                $"Prompt {context.Request.Prompt.Name} rendered into {rendered.Count} messages instead of its {context.Chat.Roles.Count}.");
        }
        var attempt = context.Attempt
            ?? throw new InvalidOperationException($"The stage call {context.Request.CallKey} reached the model without an attempt to record it.");
        List<ChatMessage> restored = [.. rendered.Select(m => new ChatMessage(m.Role, PromptData.Restore(m.Text)))];
        return attempt.SendAsync(restored, cancellationToken);
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Stage calls are not streamed.");

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
/// Sees every stage call: keeps the rendered prompt with the call, and measures the logical call (retries and repair
/// included) as an activity and in the grading metrics, by stage, prompt and outcome. The per-attempt record (messages,
/// raw answer, parsed output, tokens, latency, cost, attempt, error) is written by <see cref="StageCallRecorder"/>, the
/// filter inside this one.
/// </summary>
internal sealed partial class StageCallFilter(ILogger logger) : IPromptRenderFilter, IFunctionInvocationFilter
{
    public async Task OnPromptRenderAsync(PromptRenderContext context, Func<PromptRenderContext, Task> next)
    {
        await next(context);
        if (StageCallContext.Of(context.Arguments) is { } call)
        {
            call.RenderedPrompt = context.RenderedPrompt;
        }
    }

    public async Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
    {
        var call = StageCallContext.Of(context.Arguments);
        if (call is null)
        {
            await next(context);
            return;
        }
        var request = call.Request;
        using var activity = GradingTelemetry.Source.StartActivity("grading.stage " + request.Stage);
        activity?.SetTag("grading.stage", request.Stage);
        activity?.SetTag("grading.prompt", request.Prompt.Name);
        activity?.SetTag("grading.prompt.sha256", request.Prompt.Sha256);
        activity?.SetTag("grading.call_key", request.CallKey);
        var started = Stopwatch.GetTimestamp();
        var status = "error";
        try
        {
            await next(context);
            status = call.Result?.Status.ToString() ?? "none";
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var tags = new TagList { { "stage", request.Stage }, { "prompt", request.Prompt.Name }, { "status", status } };
            GradingTelemetry.StageCalls.Add(1, tags);
            GradingTelemetry.StageDuration.Record(elapsed, tags);
            activity?.SetTag("grading.status", status);
            if (call.Result is { Reused: false } result)
            {
                LogStageCall(logger, request.CallKey, request.Prompt.Name, status, (int)elapsed, result.StageCallId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stage call {CallKey} ({Prompt}) ended {Status} in {ElapsedMs} ms (attempt {StageCallId})")]
    private static partial void LogStageCall(ILogger logger, string callKey, string prompt, string status, int elapsedMs, Guid stageCallId);
}
