using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace GradingPortal.Export.Tests;

/// <summary>
/// The OpenAPI document: the committed copy (src/Api/openapi/v1.json) matches what the Api serves, every operation says
/// what it does and how it fails, and src/Api/GradingPortal.Api.http exercises every route successfully.
/// Refresh the committed copy after changing endpoints: <c>UPDATE_OPENAPI=1 dotnet test tests/GradingPortal.Export.Tests</c>.
/// </summary>
[Collection(ExportCollection.Name)]
public sealed partial class OpenApiDocumentTests(ExportFactory api)
{
    private const string CommittedPath = "src/Api/openapi/v1.json";

    private async Task<JsonObject> LiveAsync() => JsonNode.Parse(await api.CreateClient().GetStringAsync("/openapi/v1.json"))!.AsObject();

    private static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonObject document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject().Select(op => (path.Key, op.Key.ToUpperInvariant(), op.Value!.AsObject())));

    [Fact]
    public async Task OpenApi_LiveDocument_MatchesTheCommittedCopy()
    {
        var live = Canonical(await LiveAsync());
        var path = Repository.PathOf(CommittedPath);
        if (Environment.GetEnvironmentVariable("UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(path, live);
            return;
        }
        var committed = File.Exists(path) ? (await File.ReadAllTextAsync(path)).Replace("\r\n", "\n", StringComparison.Ordinal) : "";
        if (committed != live)
        {
            Assert.Fail($"{CommittedPath} differs from the document the Api serves (- committed, + live):\n{Diff(committed, live)}\n" +
                "If the change is intended, refresh the copy: UPDATE_OPENAPI=1 dotnet test tests/GradingPortal.Export.Tests " +
                "--filter OpenApi_LiveDocument_MatchesTheCommittedCopy");
        }
    }

    [Fact]
    public async Task OpenApi_EveryOperation_HasASummaryAResultAndItsErrors()
    {
        var problems = new List<string>();
        foreach (var (path, method, operation) in Operations(await LiveAsync()))
        {
            var name = $"{method} {path}";
            var responses = operation["responses"]?.AsObject() ?? [];
            if (string.IsNullOrWhiteSpace((string?)operation["summary"]))
            {
                problems.Add($"{name}: no summary");
            }
            if (!responses.Any(r => r.Key.StartsWith('2')))
            {
                problems.Add($"{name}: no success response");
            }
            if (operation["security"] is JsonArray { Count: > 0 } && !responses.ContainsKey("401"))
            {
                problems.Add($"{name}: needs a caller but declares no 401");
            }
            if (path.Contains('{', StringComparison.Ordinal) && !responses.ContainsKey("404"))
            {
                problems.Add($"{name}: addresses a resource but declares no 404");
            }
            if (operation["requestBody"] is not null && !responses.ContainsKey("400"))
            {
                problems.Add($"{name}: takes a body but declares no 400");
            }
            foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5'))
            {
                if (response!["content"]?["application/problem+json"] is null)
                {
                    problems.Add($"{name}: {status} is not a ProblemDetails");
                }
            }
            foreach (var (status, response) in responses.Where(r => r.Key[0] == '2' && r.Key != "204"))
            {
                if (response!["content"] is not JsonObject content || content.Count == 0)
                {
                    problems.Add($"{name}: {status} has no schema");
                }
            }
        }
        problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task OpenApi_EveryOperation_HasAUniquePascalCaseOperationId()
    {
        var operations = Operations(await LiveAsync()).Select(o => (Name: $"{o.Method} {o.Path}", Id: (string?)o.Operation["operationId"])).ToList();
        operations.Where(o => string.IsNullOrEmpty(o.Id)).Select(o => o.Name).ShouldBeEmpty("operations without an operationId (add .WithName)");
        operations.Where(o => !PascalCase().IsMatch(o.Id!)).Select(o => $"{o.Name}: {o.Id}").ShouldBeEmpty("operationIds that are not PascalCase");
        operations.GroupBy(o => o.Id, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(o => o.Name))}").ShouldBeEmpty("operationIds used twice");
    }

    [Fact]
    public async Task OpenApi_Document_DeclaresBothTokenSchemesAndARelativeServer()
    {
        var document = await LiveAsync();
        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        schemes.Select(s => s.Key).Order(StringComparer.Ordinal).ShouldBe(["accessToken", "apiToken"]);
        schemes.Select(s => (string?)s.Value!["scheme"]).ShouldAllBe(scheme => scheme == "bearer");
        ((string)document["servers"]![0]!["url"]!).ShouldBe("/");
        ((string)document["info"]!["title"]!).ShouldBe("GradingPortal API");
    }

    [Fact]
    public async Task OpenApi_SecurityRequirements_FollowWhatEachRouteAccepts()
    {
        var security = Operations(await LiveAsync()).ToDictionary(
            o => (string)o.Operation["operationId"]!,
            o => o.Operation["security"]!.AsArray().Select(r => string.Join('+', r!.AsObject().Select(s => s.Key))).ToList());
        security["SignIn"].ShouldBeEmpty();
        security["RefreshAccessToken"].ShouldBeEmpty();
        security["SignOut"].ShouldBeEmpty();
        // A personal token cannot mint more tokens or change a password: only a signed-in session can.
        security["CreateApiToken"].ShouldBe(["accessToken"]);
        security["ChangePassword"].ShouldBe(["accessToken"]);
        security["GetSolution"].ShouldBe(["accessToken", "apiToken"]);
        security["ExportProject"].ShouldBe(["accessToken", "apiToken"]);
    }

    [Fact]
    public async Task OpenApi_CommittedDocument_PassesRedoclyLint()
    {
        // test.sh requires node; a bare `dotnet test` on a machine without it has nothing to run the linter with.
        var npx = FindOnPath("npx");
        if (npx is null)
        {
            Assert.Skip("npx (Node.js) is not installed");
        }
        var start = new ProcessStartInfo(npx)
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Nothing leaves the machine but the package download; stdout carries only the JSON report.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        foreach (var argument in (string[])["--yes", RedoclyCli, "lint", "--format=json", CommittedPath])
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var report = JsonNode.Parse(await output) ?? throw new InvalidOperationException($"redocly printed no report: {await errors}");
        var problems = report["problems"]!.AsArray()
            .Select(p => $"{p!["severity"]} {p["ruleId"]}: {p["message"]} at {p["location"]?[0]?["pointer"]}")
            .ToList();
        // Warnings count too: one that cannot be fixed is switched off in redocly.yaml with its reason.
        problems.ShouldBeEmpty($"redocly lint {CommittedPath} (rules in redocly.yaml)");
        process.ExitCode.ShouldBe(0, await errors);
    }

    private const string RedoclyCli = "@redocly/cli@2.77.0";

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);

    [Fact]
    public async Task SwaggerUi_Served()
    {
        var response = await api.CreateClient().GetAsync("/api/docs/index.html");
        response.EnsureSuccessStatusCode();
        (await response.Content.ReadAsStringAsync()).ShouldContain("swagger-ui");
    }

    [Fact]
    public async Task HttpFile_CoversEveryRoute()
    {
        var file = HttpFile.Parse(await File.ReadAllTextAsync(Repository.PathOf("src/Api/GradingPortal.Api.http")), new Dictionary<string, string>());
        var covered = file.Requests.Select(r => $"{r.Method} {r.Template}").ToHashSet();
        var routes = Operations(await LiveAsync()).Select(o => $"{o.Method} {RouteParameter().Replace(o.Path, "{}")}").ToList();
        routes.Where(r => !covered.Contains(r)).ShouldBeEmpty("routes without an example in GradingPortal.Api.http");
    }

    [Fact]
    public async Task HttpFile_EveryExample_Succeeds()
    {
        var client = api.CreateClient();
        var overrides = await HttpFileSeed.CreateAsync(api);
        overrides["host"] = client.BaseAddress!.ToString().TrimEnd('/');
        overrides["email"] = ExportFactory.AdminEmail;
        overrides["password"] = ExportFactory.AdminPassword;
        var file = HttpFile.Parse(await File.ReadAllTextAsync(Repository.PathOf("src/Api/GradingPortal.Api.http")), overrides);
        var results = await file.RunAsync(client);
        results.Count.ShouldBe(file.Requests.Count);
        results.Where(r => r.Status is < 200 or > 299).Select(r => $"{r.Request.Method} {r.Request.Url} → {r.Status}: {r.Body}").ShouldBeEmpty();
    }

    /// <summary>The committed form: two-space indentation, no needless escapes, LF line ends, final newline.</summary>
    private static string Canonical(JsonNode document) =>
        document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";

    /// <summary>The changed region between two texts (common head and tail trimmed), with a little context.</summary>
    private static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var head = 0;
        while (head < a.Length && head < b.Length && a[head] == b[head])
        {
            head++;
        }
        var tail = 0;
        while (tail < a.Length - head && tail < b.Length - head && a[^(tail + 1)] == b[^(tail + 1)])
        {
            tail++;
        }
        var diff = new StringBuilder();
        var from = Math.Max(0, head - 3);
        diff.Append(CultureInfo($"@@ line {head + 1} @@\n"));
        for (var i = from; i < head; i++)
        {
            diff.Append("  ").Append(a[i]).Append('\n');
        }
        var removed = a[head..^tail];
        var added = b[head..^tail];
        foreach (var line in removed.Take(40))
        {
            diff.Append("- ").Append(line).Append('\n');
        }
        if (removed.Length > 40)
        {
            diff.Append(CultureInfo($"- ... {removed.Length - 40} more\n"));
        }
        foreach (var line in added.Take(40))
        {
            diff.Append("+ ").Append(line).Append('\n');
        }
        if (added.Length > 40)
        {
            diff.Append(CultureInfo($"+ ... {added.Length - 40} more\n"));
        }
        return diff.ToString();
    }

    private static string CultureInfo(FormattableString text) => text.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();

    // Generated clients turn operationIds into method names, so they must already read as one.
    [GeneratedRegex(@"^[A-Z][a-z]+(?:[A-Z][a-z]*)+$")]
    private static partial Regex PascalCase();
}
