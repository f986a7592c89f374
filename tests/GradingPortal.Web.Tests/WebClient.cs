using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GradingPortal.Web.Tests;

/// <summary>A browser-less visitor of Web: keeps cookies, signs in through the real form, and posts pages' forms.</summary>
public sealed partial class WebClient : IDisposable
{
    private readonly HttpClient _http;

    public WebClient(Uri webUrl)
    {
        Cookies = new CookieContainer();
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = webUrl };
    }

    public CookieContainer Cookies { get; }

    public HttpClient Http => _http;

    /// <summary>Posts the sign-in form with the antiforgery token and handler name from the rendered page.</summary>
    public async Task<HttpResponseMessage> SignInAsync(string email, string password, CancellationToken ct)
    {
        var form = await _http.GetStringAsync("/signin", ct);
        return await _http.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(AntiforgeryField().Match(form).Groups[1].Value),
            ["_handler"] = HandlerField().Match(form).Groups[1].Value,
            ["Form.Email"] = email,
            ["Form.Password"] = password,
            ["Form.ReturnUrl"] = "/",
        }), ct);
    }

    /// <summary>Loads a static page and posts its form: the rendered antiforgery token and handler name, plus <paramref name="fields"/>.</summary>
    public async Task<HttpResponseMessage> PostPageFormAsync(string path, IDictionary<string, string> fields, CancellationToken ct)
    {
        var page = await _http.GetStringAsync(path, ct);
        var form = new Dictionary<string, string>(fields)
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(AntiforgeryField().Match(page).Groups[1].Value),
            ["_handler"] = HandlerField().Match(page).Groups[1].Value,
        };
        return await _http.PostAsync(path, new FormUrlEncodedContent(form), ct);
    }

    /// <summary>Loads a page and returns its HTML with its antiforgery request token (the shell's meta tag, else its form's field).</summary>
    public async Task<(string Html, string Token)> PageAsync(string path, CancellationToken ct)
    {
        var response = await _http.GetAsync(path, ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"GET {path}");
        var html = await response.Content.ReadAsStringAsync(ct);
        var token = MetaToken().Match(html) is { Success: true } meta ? meta : AntiforgeryField().Match(html);
        return (html, WebUtility.HtmlDecode(token.Groups[1].Value));
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("name=\"_handler\" value=\"([^\"]+)\"")]
    private static partial Regex HandlerField();

    [GeneratedRegex("<meta name=\"gp-antiforgery\" content=\"([^\"]*)\"")]
    private static partial Regex MetaToken();
}

/// <summary>Api calls for test setup, as a given user.</summary>
public sealed class ApiClient : IDisposable
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;

    private ApiClient(HttpClient http) => _http = http;

    public static async Task<ApiClient> SignInAsync(Uri apiUrl, string email, string password, CancellationToken ct)
    {
        var http = new HttpClient { BaseAddress = apiUrl };
        var login = await http.PostAsJsonAsync("/api/auth/login", new { email, password }, ct);
        login.EnsureSuccessStatusCode();
        var tokens = await login.Content.ReadFromJsonAsync<JsonElement>(s_json, ct);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("accessToken").GetString());
        return new ApiClient(http);
    }

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: s_json) };
        var response = await _http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        response.IsSuccessStatusCode.ShouldBeTrue($"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task<JsonElement> PostAsync(string path, object body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, ct);

    public void Dispose() => _http.Dispose();
}
