using System.Text;

namespace GradingPortal.Worker.Grading;

/// <summary>
/// How text gets through a Semantic Kernel chat template unchanged. The kernel renders a template into one string and
/// parses its <c>&lt;message role&gt;</c> elements as XML, so a value must be XML text: <c>&amp;</c>, <c>&lt;</c> and
/// <c>&gt;</c> become entities (which also keeps a proof from opening or closing a message of its own), and the few
/// characters XML 1.0 cannot carry at all (C0 controls other than tab, line feed and carriage return; U+FFFE, U+FFFF)
/// travel as a private-use escape that <see cref="Restore"/> undoes once the messages are parsed. The kernel's own
/// HTML encoding is switched off for these variables: it would not survive a control character, and
/// double-encoding would reach the model.
/// </summary>
internal static class PromptData
{
    // A private-use character starts every escape; the character itself is escaped too, so any text round-trips.
    private const char Escape = '\uE000';
    private const char ControlBase = '\uE100';
    private const char EdgeCode = '\uE0FF';
    private const string Edge = "\uE000\uE0FF";

    /// <summary>A variable's value ready for the template.</summary>
    public static string EscapeValue(string value)
    {
        var clean = true;
        foreach (var c in value)
        {
            if (c is '&' or '<' or '>' or Escape || IsUnrepresentable(c))
            {
                clean = false;
                break;
            }
        }
        if (clean)
        {
            return value;
        }
        var text = new StringBuilder(value.Length + 32);
        foreach (var c in value)
        {
            switch (c)
            {
                case '&': text.Append("&amp;"); break;
                case '<': text.Append("&lt;"); break;
                case '>': text.Append("&gt;"); break;
                case Escape: text.Append(Escape).Append(Escape); break;
                case '\uFFFE': text.Append(Escape).Append((char)(ControlBase + 0x20)); break;
                case '\uFFFF': text.Append(Escape).Append((char)(ControlBase + 0x21)); break;
                default:
                    if (c < ' ' && c is not ('\t' or '\n' or '\r'))
                    {
                        text.Append(Escape).Append((char)(ControlBase + c));
                    }
                    else
                    {
                        text.Append(c);
                    }
                    break;
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// A value that is a whole message by itself: the kernel trims a message's text when it parses it, so the value is
    /// enclosed in a pair of escapes that <see cref="Restore"/> drops, and leading or trailing white space survives.
    /// </summary>
    public static string EscapeMessage(string value) => Edge + EscapeValue(value) + Edge;

    /// <summary>A message's text as parsed by the kernel, with the escapes of <see cref="EscapeValue"/> undone.</summary>
    public static string Restore(string text)
    {
        var at = text.IndexOf(Escape, StringComparison.Ordinal);
        if (at < 0)
        {
            return text;
        }
        var restored = new StringBuilder(text.Length);
        restored.Append(text, 0, at);
        for (var i = at; i < text.Length; i++)
        {
            var c = text[i];
            if (c != Escape || i + 1 >= text.Length)
            {
                restored.Append(c);
                continue;
            }
            var code = text[++i];
            if (code == EdgeCode)
            {
                continue;
            }
            restored.Append(code switch
            {
                Escape => Escape,
                _ when code == ControlBase + 0x20 => '\uFFFE',
                _ when code == ControlBase + 0x21 => '\uFFFF',
                _ => (char)(code - ControlBase),
            });
        }
        return restored.ToString();
    }

    /// <summary>Static text of a prompt file for the template; refuses what the kernel would read as code or could not parse.</summary>
    public static string EscapeStatic(string prompt, string text)
    {
        if (text.Contains("{{", StringComparison.Ordinal) || text.Contains(Escape, StringComparison.Ordinal)
            || text.Any(IsUnrepresentable))
        {
            throw new InvalidOperationException($"Prompt {prompt} has text the kernel's template engine would not pass through unchanged.");
        }
        return text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);
    }

    private static bool IsUnrepresentable(char c) => (c < ' ' && c is not ('\t' or '\n' or '\r')) || c is '\uFFFE' or '\uFFFF';
}
