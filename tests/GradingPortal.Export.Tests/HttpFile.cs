using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GradingPortal.Export.Tests;

/// <summary>
/// Runs a <c>.http</c> file the way Visual Studio and VS Code's REST Client do, for the subset our file uses: file
/// variables (<c>@name = value</c>), requests separated by <c>###</c>, named requests (<c># @name x</c>), and
/// <c>{{x.response.body.$.path}}</c>, <c>{{variable}}</c> and <c>{{$timestamp}}</c> substitutions.
/// </summary>
public sealed partial class HttpFile
{
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonElement> _responses = new(StringComparer.Ordinal);

    private HttpFile(List<Request> requests)
    {
        Requests = requests;
    }

    public List<Request> Requests { get; }

    /// <summary>One request as written: <see cref="Url"/> keeps its <c>{{...}}</c> placeholders.</summary>
    public sealed record Request(string? Name, string Method, string Url, List<(string Name, string Value)> Headers, string Body)
    {
        /// <summary>The route template the request exercises, e.g. <c>/api/projects/{}/members/{}</c>.</summary>
        public string Template => Placeholder().Replace(Url.Replace("{{host}}", "", StringComparison.Ordinal).Split('?')[0], "{}");
    }

    public static HttpFile Parse(string text, IReadOnlyDictionary<string, string> overrides)
    {
        var requests = new List<Request>();
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var block in Regex.Split(text.Replace("\r\n", "\n", StringComparison.Ordinal), "^###.*$", RegexOptions.Multiline))
        {
            string? name = null;
            string? method = null;
            string? url = null;
            var headers = new List<(string, string)>();
            var body = new StringBuilder();
            var inBody = false;
            foreach (var line in block.Split('\n'))
            {
                if (inBody)
                {
                    body.Append(line).Append('\n');
                    continue;
                }
                if (FileVariable().Match(line) is { Success: true } variable)
                {
                    variables[variable.Groups[1].Value] = variable.Groups[2].Value.Trim();
                    continue;
                }
                if (NameComment().Match(line) is { Success: true } named)
                {
                    name = named.Groups[1].Value;
                    continue;
                }
                if (line.StartsWith('#') || line.StartsWith("//", StringComparison.Ordinal))
                {
                    continue;
                }
                if (method is null)
                {
                    if (RequestLine().Match(line) is { Success: true } request)
                    {
                        method = request.Groups[1].Value;
                        url = request.Groups[2].Value;
                    }
                    continue;
                }
                if (line.Trim().Length == 0)
                {
                    inBody = true;
                    continue;
                }
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                headers.Add((line[..colon].Trim(), line[(colon + 1)..].Trim()));
            }
            if (method is not null)
            {
                requests.Add(new Request(name, method, url!, headers, body.ToString().Trim()));
            }
        }
        var file = new HttpFile(requests);
        foreach (var (key, value) in variables.Concat(overrides))
        {
            file._variables[key] = value;
        }
        return file;
    }

    /// <summary>Sends every request in order; returns each with its status and response body.</summary>
    public async Task<List<(Request Request, int Status, string Body)>> RunAsync(HttpClient client)
    {
        var results = new List<(Request, int, string)>();
        foreach (var request in Requests)
        {
            using var message = new HttpRequestMessage(new HttpMethod(request.Method), Substitute(request.Url));
            foreach (var (name, value) in request.Headers.Where(h => !h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)))
            {
                message.Headers.TryAddWithoutValidation(name, Substitute(value));
            }
            if (request.Body.Length > 0)
            {
                var type = request.Headers.FirstOrDefault(h => h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)).Value ?? "text/plain";
                message.Content = new StringContent(Substitute(request.Body), Encoding.UTF8);
                // Parse the whole header value: media types with parameters (multipart boundaries) are valid too.
                message.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(type);
            }
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
            var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
                ? await FirstEventAsync(response)
                : await response.Content.ReadAsStringAsync();
            if (request.Name is { } requestName && response.Content.Headers.ContentType?.MediaType is { } media && media.Contains("json", StringComparison.Ordinal))
            {
                _responses[requestName] = JsonDocument.Parse(body).RootElement.Clone();
            }
            results.Add((request, (int)response.StatusCode, body));
        }
        return results;
    }

    /// <summary>An event stream never ends by itself: its example counts once its first event has come.</summary>
    private static async Task<string> FirstEventAsync(HttpResponseMessage response)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = new StringBuilder();
        while (await reader.ReadLineAsync() is { Length: > 0 } line)
        {
            first.AppendLine(line);
        }
        return first.ToString();
    }

    private string Substitute(string text, int depth = 0)
    {
        if (depth > 10)
        {
            throw new InvalidOperationException($"Variables nest too deeply in '{text}'.");
        }
        return Placeholder().Replace(text, match =>
        {
            var expression = match.Groups[1].Value.Trim();
            if (expression == "$timestamp")
            {
                return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            }
            if (_variables.TryGetValue(expression, out var value))
            {
                return Substitute(value, depth + 1);
            }
            var parts = expression.Split(".response.body.", 2, StringSplitOptions.None);
            if (parts.Length == 2 && _responses.TryGetValue(parts[0], out var json))
            {
                return Select(json, parts[1]);
            }
            throw new InvalidOperationException($"Cannot resolve {{{{{expression}}}}}: no such variable, or request '{parts[0]}' has not run.");
        });
    }

    /// <summary>A JSONPath of the form <c>$.a.b[0].c</c>.</summary>
    private static string Select(JsonElement json, string path)
    {
        var node = json;
        foreach (Match step in PathStep().Matches(path.TrimStart('$')))
        {
            node = step.Groups[1].Success ? node.GetProperty(step.Groups[1].Value) : node[int.Parse(step.Groups[2].Value, CultureInfo.InvariantCulture)];
        }
        return node.ValueKind == JsonValueKind.String ? node.GetString()! : node.GetRawText();
    }

    [GeneratedRegex(@"\{\{(.+?)\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^@([A-Za-z_][\w]*)\s*=(.*)$")]
    private static partial Regex FileVariable();

    [GeneratedRegex(@"^#\s*@name\s+(\S+)")]
    private static partial Regex NameComment();

    [GeneratedRegex(@"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\S+)")]
    private static partial Regex RequestLine();

    [GeneratedRegex(@"\.([A-Za-z_]\w*)|\[(\d+)\]")]
    private static partial Regex PathStep();
}
