using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using GradingPortal.Api;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Persistence;
using GradingPortal.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GradingPortal.Import.Tests;

/// <summary>
/// The real Api (in process, over a fresh migrated database) and one real Worker: the built Worker run as its own
/// process, a Hangfire server on the same database, exactly as deployed. One of each for the whole test assembly.
/// </summary>
public sealed class ImportFixture : WebApplicationFactory<ApiEntryPoint>, IAsyncLifetime
{
    public const string AdminEmail = "admin@example.org";
    public const string AdminPassword = "admin-password-1";

    private readonly List<WorkerProcess> _workers = [];
    private readonly StringBuilder _apiLog = new();

    public string ConnectionString { get; private set; } = "";

    /// <summary>The fixture of this test run (there is one), for diagnostics in helpers.</summary>
    public static ImportFixture? Current { get; private set; }

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await TestDatabase.CreateAsync("import");
        using (var scope = Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
            await FirstAdmin.EnsureAsync(db, AdminEmail, AdminPassword, DateTimeOffset.UtcNow);
        }
        _workers.Add(WorkerProcess.Start(ConnectionString));
        Current = this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Db", ConnectionString);
        // Every test signs in from the same address, and the same admin signs in for each test's data; the throttle's own
        // tests (in the Api tests) set their limits.
        builder.UseSetting("SignInThrottle:PermitsPerAddress", "100000");
        builder.UseSetting("SignInThrottle:PermitsPerAccount", "100000");
        builder.ConfigureLogging(logging => logging.AddProvider(new CaptureLoggerProvider(Append)));
    }


    public override async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Kills the Worker process outright (SIGKILL: no shutdown, no rescheduling, transactions cut off) and starts a new one,
    /// which fetches the dead one's running jobs again once their invisibility timeout has passed.
    /// </summary>
    public Task KillWorkerAndStartAnotherAsync()
    {
        _workers[^1].Kill();
        _workers.Add(WorkerProcess.Start(ConnectionString));
        return Task.CompletedTask;
    }

    /// <summary>Whether the newest Worker process is still running.</summary>
    public bool WorkerRunning => !_workers[^1].HasExited;

    /// <summary>What the Worker process printed and the Api logged at warning level or above (for failure messages).</summary>
    /// <summary>What the Api logged, then what each Worker started so far printed.</summary>
    public string WorkerLog
    {
        get
        {
            string api;
            lock (_apiLog)
            {
                api = _apiLog.ToString();
            }
            return api + string.Join("---- Worker killed; a new one starts ----\n", _workers.Select(w => w.Log));
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_apiLog)
        {
            if (_apiLog.Length < 200_000)
            {
                _apiLog.AppendLine(line);
            }
        }
    }

    public Task<HttpClient> AdminAsync() => SignInAsync(AdminEmail, AdminPassword);

    /// <summary>
    /// The admin on a client that streams request bodies: the default one follows redirects, and to be able to resend a
    /// body it reads the whole of it before sending anything.
    /// </summary>
    public Task<HttpClient> StreamingAdminAsync() => SignInAsync(AdminEmail, AdminPassword, new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public async Task<HttpClient> SignInAsync(string email, string password, WebApplicationFactoryClientOptions? options = null)
    {
        var client = options is null ? CreateClient() : CreateClient(options);
        client.Timeout = TimeSpan.FromMinutes(5);
        var response = await client.PostAsJsonAsync("/api/auth/login", new { email, password });
        response.EnsureSuccessStatusCode();
        var tokens = await response.Content.ReadFromJsonAsync<TokenPair>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens!.AccessToken);
        return client;
    }

    /// <summary>Creates a user and returns a client signed in as them, with their id and e-mail.</summary>
    public async Task<(HttpClient Client, Guid UserId, string Email)> NewUserAsync(string name)
    {
        var admin = await AdminAsync();
        var email = $"{name}-{Guid.NewGuid():N}@example.org";
        var created = await admin.PostAsJsonAsync("/api/users", new { email, password = "password-123", displayName = name });
        created.EnsureSuccessStatusCode();
        var user = await created.Content.ReadFromJsonAsync<IdOnly>();
        return (await SignInAsync(email, "password-123"), user!.Id, email);
    }

    /// <summary>A new project (the admin is its Admin); returns its id.</summary>
    public async Task<Guid> NewProjectAsync(HttpClient admin, string name)
    {
        var response = await admin.PostAsJsonAsync("/api/projects", new { name });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<IdOnly>())!.Id;
    }

    public static async Task AddMemberAsync(HttpClient admin, Guid projectId, Guid userId, string role)
    {
        var response = await admin.PutAsJsonAsync($"/api/projects/{projectId}/members/{userId}", new { role });
        response.EnsureSuccessStatusCode();
    }


    private sealed class CaptureLoggerProvider(Action<string?> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, sink);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, Action<string?> sink) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    sink($"[api {logLevel}] {category}: {formatter(state, exception)} {exception}");
                }
            }
        }
    }

    public sealed record TokenPair(string AccessToken, string RefreshToken, long ExpiresIn);

    public sealed record IdOnly(Guid Id);
}

[CollectionDefinition(Name)]
public sealed class ImportCollection : ICollectionFixture<ImportFixture>
{
    public const string Name = "import";
}

/// <summary>Upload and follow imports through the Api.</summary>
internal static class Imports
{

    public static async Task<ImportView> UploadAsync(HttpClient client, Guid projectId, string format, byte[] content, string fileName,
        bool multipart = true)
    {
        var response = await PostAsync(client, projectId, format, content, fileName, multipart);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"Upload answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{ImportFixture.Current?.WorkerLog}");
        }
        response.Headers.Location!.ToString().ShouldStartWith("/api/imports/");
        return (await response.Content.ReadFromJsonAsync<ImportView>())!;
    }

    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, Guid projectId, string format, byte[] content, string fileName,
        bool multipart = true)
    {
        HttpContent body;
        var url = $"/api/projects/{projectId}/imports?format={format}";
        if (multipart)
        {
            var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(content);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(file, "file", fileName);
            body = form;
        }
        else
        {
            body = new ByteArrayContent(content);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            url += $"&fileName={Uri.EscapeDataString(fileName)}";
        }
        return await client.PostAsync(url, body);
    }

    /// <summary>Polls until the import is finished (a Worker process does the work).</summary>
    public static async Task<ImportView> WaitAsync(HttpClient client, Guid importId, ImportFixture fixture, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            var view = (await client.GetFromJsonAsync<ImportView>($"/api/imports/{importId}"))!;
            if (view.Status is "succeeded" or "failed")
            {
                return view;
            }
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Import {importId} still {view.Status} at record {view.ProcessedRecords}. Worker log:\n{fixture.WorkerLog}");
            }
            await Task.Delay(200);
        }
    }

    public static async Task<ImportView> RunAsync(HttpClient client, Guid projectId, string format, byte[] content, string fileName,
        ImportFixture fixture, bool multipart = true)
    {
        var queued = await UploadAsync(client, projectId, format, content, fileName, multipart);
        queued.Status.ShouldNotBe("uploading", "the 202 comes once the whole file is stored");
        return await WaitAsync(client, queued.Id, fixture);
    }
}

public sealed record ImportView(Guid Id, Guid ProjectId, string Format, string FileName, string Status, long ReceivedBytes, int ProcessedRecords,
    int Created, int Updated, int Skipped, int Failed, string? Error, List<FailureView> Failures, string? FailuresNext, int Attempts,
    DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt)
{
    public override string ToString() =>
        $"{Status}: {ProcessedRecords} records, {Created} created, {Updated} updated, {Skipped} skipped, {Failed} failed {Error}\n" +
        string.Join("\n", Failures.Take(20).Select(f => $"  {f.Record} [{f.Field}] {f.Reason}"));
}

public sealed record FailureView(string Record, string? Field, string Reason);
