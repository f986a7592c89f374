using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using GradingPortal.Worker.Models;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// A prompt file (<c>Prompts/&lt;name&gt;.md</c>, embedded): its exact text, SHA-256 and version. A file has a main part
/// (instructions and stable content: problem, references, analysis, rubric) and optional sections that start with a
/// marker line: <c>=== solution message ===</c> (the wrapper of the solution, sent as its own last message),
/// <c>=== approach message ===</c> (a short note naming the approach a solution was matched to, sent just before the
/// solution, so that the main part can be the same for every solution of a problem) and <c>=== design: &lt;name&gt; ===</c>
/// (the instructions of one rubric design, inserted at <c>{{design_instructions}}</c>).
/// Placeholders are <c>{{name}}</c>; rendering fails when one has no value, so nothing half-filled reaches a model.
/// </summary>
internal sealed partial class PromptTemplate
{
    private const string SolutionSection = "solution message";
    private const string ApproachSection = "approach message";
    private const string DesignPrefix = "design: ";

    private readonly string _main;
    private readonly Dictionary<string, string> _sections;
    private readonly ConcurrentDictionary<string, KernelChat> _kernelTemplates = new(StringComparer.Ordinal);

    public PromptTemplate(string name, byte[] bytes)
    {
        Name = name;
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Text = new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF');
        var match = VersionPattern().Match(name);
        Version = match.Success ? match.Groups[1].Value : "";
        (_main, _sections) = Split(Text);
    }

    /// <summary>File name without extension, e.g. <c>grade-with-rubric.v1</c>.</summary>
    public string Name { get; }

    /// <summary>The version number from the name (<c>1</c> for <c>.v1</c>).</summary>
    public string Version { get; }

    /// <summary>Lower-case hex SHA-256 of the file's bytes.</summary>
    public string Sha256 { get; }

    public string Text { get; }

    public PromptRef Ref => new(Name, Sha256);

    public bool HasSolutionMessage => _sections.ContainsKey(SolutionSection);

    /// <summary>
    /// True for a grading layout whose main part shows every approach of the problem (placeholder <c>{{approaches}}</c>) and
    /// whose approach message names the matched one.
    /// </summary>
    public bool ShowsAllApproaches => _sections.ContainsKey(ApproachSection);

    public IEnumerable<string> Designs => _sections.Keys.Where(k => k.StartsWith(DesignPrefix, StringComparison.Ordinal)).Select(k => k[DesignPrefix.Length..]);

    /// <summary>The placeholders the file uses (main part and every section).</summary>
    public IReadOnlySet<string> Placeholders => Placeholder().Matches(Text).Select(m => m.Groups[1].Value).ToHashSet();

    /// <summary>Renders the main part (with the design's section when given) and, if the file has them, the approach and solution messages.</summary>
    public RenderedPrompt Render(IReadOnlyDictionary<string, string> values, string? design = null)
    {
        var main = MainPart(design);
        var instructions = Fill(main, values);
        var solution = _sections.TryGetValue(SolutionSection, out var wrapper) ? Fill(wrapper.Trim('\n'), values) : null;
        var approach = _sections.TryGetValue(ApproachSection, out var note) ? Fill(note.Trim('\n'), values) : null;
        return new RenderedPrompt(instructions, solution, approach);
    }

    /// <summary>
    /// The file as a Semantic Kernel chat template for <paramref name="design"/>: one <c>&lt;message&gt;</c> per part (the main
    /// part as system when a solution message follows, else as the only user message; then the approach note and the
    /// solution, each a user message). Static text is XML-escaped so that the kernel's message parser gives it back
    /// unchanged, and every placeholder becomes a <c>{{$name}}</c> variable whatever syntax the file uses: files from
    /// before the kernel (<c>{{name}}</c>) are immutable, and runs that pinned them render the same messages as before.
    /// </summary>
    public KernelChat KernelTemplate(string? design = null) =>
        _kernelTemplates.GetOrAdd(design ?? "", _ => BuildKernelTemplate(design));

    private KernelChat BuildKernelTemplate(string? design)
    {
        var main = MainPart(design);
        var parts = new List<(string Role, string Text)>();
        if (_sections.TryGetValue(SolutionSection, out var solution))
        {
            parts.Add(("system", main));
            if (_sections.TryGetValue(ApproachSection, out var approach))
            {
                parts.Add(("user", approach.Trim('\n')));
            }
            parts.Add(("user", solution.Trim('\n')));
        }
        else
        {
            parts.Add(("user", main));
        }
        var template = new StringBuilder();
        foreach (var (role, text) in parts)
        {
            template.Append("<message role=\"").Append(role).Append("\">");
            var at = 0;
            foreach (Match placeholder in Placeholder().Matches(text))
            {
                template.Append(PromptData.EscapeStatic(Name, text[at..placeholder.Index]));
                template.Append("{{$").Append(placeholder.Groups[1].Value).Append("}}");
                at = placeholder.Index + placeholder.Length;
            }
            template.Append(PromptData.EscapeStatic(Name, text[at..])).Append("</message>\n");
        }
        var variables = Placeholder().Matches(string.Join("\n", parts.Select(p => p.Text))).Select(m => m.Groups[1].Value)
            .Distinct(StringComparer.Ordinal).ToList();
        return new KernelChat(template.ToString(), [.. parts.Select(p => p.Role)], variables);
    }

    private string MainPart(string? design)
    {
        if (design is null)
        {
            return _main;
        }
        if (!_sections.TryGetValue(DesignPrefix + design, out var section))
        {
            throw new InvalidOperationException($"Prompt {Name} has no section for design '{design}'.");
        }
        return DesignPlaceholder().Replace(_main, _ => section.Trim());
    }

    private string Fill(string template, IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(template, m => values.TryGetValue(m.Groups[1].Value, out var value)
            ? value
            : throw new InvalidOperationException($"Prompt {Name} needs a value for {{{{{m.Groups[1].Value}}}}}."));

    private static (string Main, Dictionary<string, string> Sections) Split(string text)
    {
        var builders = new Dictionary<string, StringBuilder>(StringComparer.Ordinal);
        var main = new StringBuilder();
        var current = main;
        foreach (var line in text.Split('\n'))
        {
            var marker = SectionMarker().Match(line.TrimEnd('\r'));
            if (marker.Success)
            {
                current = new StringBuilder();
                builders[marker.Groups[1].Value.Trim()] = current;
                continue;
            }
            current.Append(line.TrimEnd('\r')).Append('\n');
        }
        return (main.ToString().TrimEnd('\n'), builders.ToDictionary(b => b.Key, b => b.Value.ToString().TrimEnd('\n'), StringComparer.Ordinal));
    }

    [GeneratedRegex(@"^=== (.+) ===$")]
    private static partial Regex SectionMarker();

    // {{name}} in files written before the kernel, {{$name}} (Semantic Kernel's variable syntax) since.
    [GeneratedRegex(@"\{\{\$?([a-z_]+)\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\{\{\$?design_instructions\}\}")]
    private static partial Regex DesignPlaceholder();

    [GeneratedRegex(@"\.v(\d+)$")]
    private static partial Regex VersionPattern();
}

/// <summary>
/// A rendered prompt: the instructions with stable content, the solution message (null for per-problem stages) and, for
/// layouts that show every approach, the per-solution note naming the matched approach (sent between the two).
/// </summary>
internal sealed record RenderedPrompt(string Instructions, string? SolutionMessage, string? ApproachMessage = null);

/// <summary>
/// A prompt file as a Semantic Kernel template: the <c>&lt;message role&gt;</c> template, the roles of the messages it must
/// render into (in order), and its variables.
/// </summary>
internal sealed record KernelChat(string Template, IReadOnlyList<string> Roles, IReadOnlyList<string> Variables);

/// <summary>The embedded prompt files, loaded once per process.</summary>
internal sealed class PromptLibrary
{
    private const string ResourcePrefix = "GradingPortal.Worker.Grading.Prompts.";

    private static readonly Lazy<PromptLibrary> s_default = new(Load);
    private readonly ConcurrentDictionary<string, PromptTemplate> _prompts;

    private PromptLibrary(IEnumerable<PromptTemplate> prompts)
    {
        _prompts = new(prompts.ToDictionary(p => p.Name, StringComparer.Ordinal));
    }

    public static PromptLibrary Default => s_default.Value;

    public IReadOnlyCollection<PromptTemplate> All => [.. _prompts.Values.OrderBy(p => p.Name, StringComparer.Ordinal)];

    public PromptTemplate Get(string name) =>
        _prompts.TryGetValue(name, out var prompt) ? prompt : throw new InvalidOperationException($"No prompt file named {name}.");

    /// <summary>The committed lock (<c>Prompts/prompts.lock.json</c>) as embedded: prompt name → SHA-256.</summary>
    public static string LockFileText()
    {
        using var stream = typeof(PromptLibrary).Assembly.GetManifestResourceStream(ResourcePrefix + "prompts.lock.json")
            ?? throw new InvalidOperationException("prompts.lock.json is not embedded.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static PromptLibrary Load()
    {
        var assembly = typeof(PromptLibrary).Assembly;
        var prompts = new List<PromptTemplate>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".md", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            prompts.Add(new PromptTemplate(resource[ResourcePrefix.Length..^3], buffer.ToArray()));
        }
        return new PromptLibrary(prompts);
    }
}
