using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using GradingPortal.Worker.Models;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using FunctionInvocationContext = Microsoft.SemanticKernel.FunctionInvocationContext;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// What one stage call needs below the kernel: who it is for, the logical call's identity, the output schema and checks,
/// and (filled on the way) the rendered prompt and the model caller's result. It travels in the execution settings, which
/// the kernel hands to the chat client as <see cref="ChatOptions.AdditionalProperties"/>.
/// </summary>
internal sealed class StageCallContext(CallScope scope, ModelCallRequest request, KernelChat chat)
{
    public const string Key = "gradingportal.stage_call";

    public CallScope Scope { get; } = scope;

    /// <summary>The request without messages: those come from the kernel's rendering.</summary>
    public ModelCallRequest Request { get; } = request;

    public KernelChat Chat { get; } = chat;

    public string? RenderedPrompt { get; set; }

    public ModelCallResult? Result { get; set; }
}

/// <summary>
/// The grading stages' kernel. Every stage is a <see cref="KernelFunction"/> made from its prompt file (one per prompt and
/// rubric design, created once) and invoked through one <see cref="Kernel"/>, whose chat service is
/// <see cref="StageCallChatClient"/>: the model caller with its per-attempt records, retries and repair, over the
/// profile's middleware pipeline (limits, timeout, key scrubbing, usage). <see cref="StageCallFilter"/> sees every call.
/// </summary>
internal sealed partial class StageKernel
{
    private readonly Kernel _kernel;
    private readonly ConcurrentDictionary<(string Prompt, string Sha256, string Design), KernelFunction> _functions = new();

    public StageKernel(IModelCaller caller, ILogger<StageKernel> logger)
    {
        var builder = Kernel.CreateBuilder();
        builder.Services.AddChatClient(new StageCallChatClient(caller));
        var filter = new StageCallFilter(logger);
        builder.Services.AddSingleton<IPromptRenderFilter>(filter);
        builder.Services.AddSingleton<IFunctionInvocationFilter>(filter);
        _kernel = builder.Build();
    }

    /// <summary>Renders <paramref name="prompt"/> with <paramref name="values"/> and calls the model through the kernel.</summary>
    public async Task<ModelCallResult> InvokeAsync(CallScope scope, ModelCallRequest request, PromptTemplate prompt, string? design,
        IReadOnlyDictionary<string, string> values, CancellationToken ct)
    {
        var chat = prompt.KernelTemplate(design);
        var function = _functions.GetOrAdd((prompt.Name, prompt.Sha256, design ?? ""), _ => Create(prompt, chat));
        var context = new StageCallContext(scope, request, chat);
        var settings = new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { [StageCallContext.Key] = context } };
        var arguments = new KernelArguments(settings);
        foreach (var variable in chat.Variables)
        {
            // The kernel renders a missing variable as nothing; a half-filled prompt must never reach a model.
            arguments[variable] = values.TryGetValue(variable, out var value)
                ? PromptData.EscapeValue(value)
                : throw new InvalidOperationException($"Prompt {prompt.Name} needs a value for {{{{${variable}}}}}.");
        }
        await _kernel.InvokeAsync(function, arguments, ct);
        return context.Result ?? throw new InvalidOperationException($"The stage call {request.CallKey} ended without a result.");
    }

    private static KernelFunction Create(PromptTemplate prompt, KernelChat chat)
    {
        var config = new PromptTemplateConfig(chat.Template)
        {
            Name = FunctionName().Replace(prompt.Name, "_"),
            Description = $"{prompt.Name} ({prompt.Sha256})",
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
/// their text, and makes the logical call through <see cref="IModelCaller"/>.
/// </summary>
internal sealed class StageCallChatClient(IModelCaller caller) : IChatClient
{
    private static readonly ChatClientMetadata s_metadata = new("gradingportal-stage-calls", null, "per-profile");

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
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
        List<ChatMessage> restored = [.. rendered.Select(m => new ChatMessage(m.Role, PromptData.Restore(m.Text)))];
        var result = await caller.CallAsync(context.Scope.Profile, context.Request with { Messages = restored }, cancellationToken);
        context.Result = result;
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, result.RawResponse ?? ""))
        {
            ModelId = context.Scope.Profile.Model,
            AdditionalProperties = new() { ["status"] = result.Status.ToString(), ["stageCallId"] = result.StageCallId.ToString() },
        };
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
/// raw answer, parsed output, tokens, latency, cost, attempt, error) is written by the model caller, attempt by attempt.
/// </summary>
internal sealed partial class StageCallFilter(ILogger logger) : IPromptRenderFilter, IFunctionInvocationFilter
{
    public async Task OnPromptRenderAsync(PromptRenderContext context, Func<PromptRenderContext, Task> next)
    {
        await next(context);
        if (ContextOf(context.Arguments) is { } call)
        {
            call.RenderedPrompt = context.RenderedPrompt;
        }
    }

    public async Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
    {
        var call = ContextOf(context.Arguments);
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

    private static StageCallContext? ContextOf(KernelArguments arguments) =>
        arguments.ExecutionSettings?.Values.Select(s => s.ExtensionData?.TryGetValue(StageCallContext.Key, out var value) == true ? value : null)
            .OfType<StageCallContext>().FirstOrDefault();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stage call {CallKey} ({Prompt}) ended {Status} in {ElapsedMs} ms (attempt {StageCallId})")]
    private static partial void LogStageCall(ILogger logger, string callKey, string prompt, string status, int elapsedMs, Guid stageCallId);
}
