using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GradingPortal.Domain.Grading;
using GradingPortal.Domain.Models;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiChatRole = Microsoft.Extensions.AI.ChatRole;
using OpenAiResponseFormat = OpenAI.Chat.ChatResponseFormat;

namespace GradingPortal.Worker.Models;

/// <summary>
/// What one attempt sends and how its answer is read: the structured-output request (strict JSON schema, or JSON mode
/// with the schema in a system message), the repair turn, and parsing, schema validation and usage of the answer.
/// </summary>
internal static class ModelExchange
{
    /// <summary>
    /// First line of the system message that carries the schema in JSON mode, followed by the schema name. Test doubles of
    /// the endpoint read the name from it (in json_schema mode the name travels in <c>response_format</c>).
    /// </summary>
    internal const string SchemaMarker = "Output schema: ";

    internal const int MaxErrorLength = 2000;

    public static string Shorten(string text) => text.Length <= MaxErrorLength ? text : text[..MaxErrorLength] + "...";

    public static ChatOptions ChatOptionsFor(ModelProfile profile, ModelCallRequest request) => new()
    {
        Temperature = profile.Temperature is { } temperature ? (float)temperature : null,
        MaxOutputTokens = profile.MaxOutputTokens,
        // Response format and reasoning effort are set on the SDK's own options: strict json_schema and "minimal"
        // effort have no abstraction-level equivalent that survives the adapter unchanged.
        RawRepresentationFactory = _ => new ChatCompletionOptions
        {
            ResponseFormat = profile.StructuredOutput == StructuredOutputMode.JsonSchema
                ? OpenAiResponseFormat.CreateJsonSchemaFormat(request.SchemaName, BinaryData.FromString(request.Schema.GetRawText()),
                    jsonSchemaIsStrict: true)
                : OpenAiResponseFormat.CreateJsonObjectFormat(),
#pragma warning disable OPENAI001 // Marked for evaluation in the SDK; it is the documented reasoning_effort field.
            ReasoningEffortLevel = profile.ReasoningEffort is { } effort ? new ChatReasoningEffortLevel(effort) : (ChatReasoningEffortLevel?)null,
#pragma warning restore OPENAI001
        },
    };

    /// <summary>
    /// The messages of one attempt: the rendered ones, the schema instruction when the endpoint has no strict schemas, and
    /// the repair turn (the bad answer and what is wrong with it) once a repair was asked for.
    /// </summary>
    public static List<AiChatMessage> Messages(ModelProfile profile, ModelCallRequest request, IReadOnlyList<AiChatMessage> rendered,
        IReadOnlyList<AiChatMessage>? repair)
    {
        var messages = new List<AiChatMessage>(rendered.Count + 3);
        messages.AddRange(rendered);
        if (profile.StructuredOutput == StructuredOutputMode.JsonMode)
        {
            // After the leading instructions, before the data: stable per stage, so it stays inside the cached prefix.
            var at = messages.TakeWhile(m => m.Role == AiChatRole.System).Count();
            messages.Insert(at, new AiChatMessage(AiChatRole.System, SchemaInstruction(request)));
        }
        if (repair is not null)
        {
            messages.AddRange(repair);
        }
        return messages;
    }

    internal static string SchemaInstruction(ModelCallRequest request) =>
        $"""
        {SchemaMarker}{request.SchemaName}
        Answer with exactly one JSON object and no other text. The object must conform to this JSON Schema: every required property present, no property the schema does not list, every value of the stated type and within the stated bounds.
        {request.Schema.GetRawText()}
        """;

    public static IReadOnlyList<AiChatMessage> RepairTurn(string? badAnswer, IReadOnlyList<string> problems) =>
    [
        new AiChatMessage(AiChatRole.Assistant, badAnswer ?? ""),
        new AiChatMessage(AiChatRole.User,
            $"""
            That answer cannot be used as it is. Problems found:
            {string.Join("\n", problems.Select(p => "- " + p))}
            Send the corrected answer: one JSON object following the same schema, and nothing else.
            """),
    ];

    public static JsonObject ResponseFormatRecord(ModelProfile profile, ModelCallRequest request) =>
        profile.StructuredOutput == StructuredOutputMode.JsonSchema
            ? new JsonObject
            {
                ["type"] = "json_schema",
                ["name"] = request.SchemaName,
                ["strict"] = true,
                ["schema"] = JsonNode.Parse(request.Schema.GetRawText()),
            }
            : new JsonObject { ["type"] = "json_object", ["name"] = request.SchemaName };

    public static string RequestRecord(List<AiChatMessage> messages, JsonObject responseFormat)
    {
        var list = new JsonArray();
        foreach (var message in messages)
        {
            list.Add(new JsonObject { ["role"] = message.Role.Value, ["content"] = message.Text });
        }
        return new JsonObject { ["messages"] = list, ["responseFormat"] = responseFormat.DeepClone() }.ToJsonString();
    }

    /// <summary>Tokens from the answer's usage (the SDK's own when present: it keeps cached and reasoning tokens apart), and their cost.</summary>
    public static void RecordUsage(StageCall row, ModelProfile profile, ChatResponse response)
    {
        var (input, cached, output, reasoning) = UsageChatClient.UsageOf(response);
        row.InputTokens = input;
        row.CachedInputTokens = cached;
        row.OutputTokens = output;
        row.ReasoningTokens = reasoning;
        row.Cost = response.AdditionalProperties?.TryGetValue(UsageChatClient.CostKey, out var priced) == true && priced is decimal cost
            ? cost
            : profile.Prices.CostOf(row.InputTokens, row.CachedInputTokens, row.OutputTokens);
    }

    public static string? FinishReasonText(ChatResponse response)
    {
        if (response.RawRepresentation is ChatCompletion completion)
        {
            return completion.FinishReason switch
            {
                OpenAI.Chat.ChatFinishReason.Stop => "stop",
                OpenAI.Chat.ChatFinishReason.Length => "length",
                OpenAI.Chat.ChatFinishReason.ContentFilter => "content_filter",
                OpenAI.Chat.ChatFinishReason.ToolCalls => "tool_calls",
                OpenAI.Chat.ChatFinishReason.FunctionCall => "function_call",
                var other => other.ToString(),
            };
        }
        return response.FinishReason?.Value;
    }

    /// <summary>Parses the text as one JSON value and checks it against the schema, then the stage's own rules.</summary>
    internal static (JsonElement? Output, IReadOnlyList<string> Problems) ParseAndValidate(string text, ModelCallRequest request)
    {
        JsonElement output;
        try
        {
            using var document = JsonDocument.Parse(StripCodeFence(text));
            output = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return (null, [$"the output is not valid JSON ({e.Message})"]);
        }
        var problems = JsonSchemaValidator.Validate(request.Schema, output);
        if (problems.Count > 0 || request.Validate is null)
        {
            return (output, problems);
        }
        try
        {
            problems = request.Validate(output);
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException or IndexOutOfRangeException)
        {
            // Validation code reads untrusted output; an unexpected shape is a problem of the output, not a crash.
            problems = [$"the output could not be checked ({e.Message})"];
        }
        return (output, problems);
    }

    private static string StripCodeFence(string text)
    {
        // JSON mode on some local servers wraps the object in a Markdown fence; nothing else is forgiven.
        var trimmed = text.Trim();
        if (trimmed.StartsWith("```", StringComparison.Ordinal) && trimmed.EndsWith("```", StringComparison.Ordinal) && trimmed.Length >= 6)
        {
            var firstLine = trimmed.IndexOf('\n', StringComparison.Ordinal);
            if (firstLine > 0)
            {
                return trimmed[(firstLine + 1)..^3];
            }
        }
        return trimmed;
    }

    public static string TruncationError(ModelProfile profile) =>
        $"output truncated at the max output tokens limit ({profile.MaxOutputTokens?.ToString(CultureInfo.InvariantCulture) ?? "the endpoint's default"})";
}
