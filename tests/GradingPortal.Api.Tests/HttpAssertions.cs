using System.Net;
using System.Text.Json;

namespace GradingPortal.Api.Tests;

/// <summary>Status, content-type and body checks on real responses; failures print the body the Api gave.</summary>
internal static class HttpAssertions
{
    /// <summary>Awaits the call, asserts the status and returns the parsed JSON body (default when empty).</summary>
    public static async Task<JsonElement> ExpectAsync(this Task<HttpResponseMessage> call, HttpStatusCode expected)
    {
        using var response = await call;
        return await response.ExpectAsync(expected);
    }

    public static async Task<JsonElement> ExpectAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} answered: {text}");
        return Parse(text);
    }

    /// <summary>Asserts an RFC 9457 ProblemDetails answer with this status (and title, when given) and returns it.</summary>
    public static async Task<JsonElement> ExpectProblemAsync(this Task<HttpResponseMessage> call, HttpStatusCode expected, string? title = null)
    {
        using var response = await call;
        var problem = await response.ExpectAsync(expected);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        problem.ValueKind.ShouldBe(JsonValueKind.Object);
        problem.GetProperty("status").GetInt32().ShouldBe((int)expected);
        problem.GetProperty("title").GetString().ShouldNotBeNullOrWhiteSpace();
        if (title is not null)
        {
            problem.GetProperty("title").GetString().ShouldBe(title);
        }
        return problem;
    }

    /// <summary>A 400 ProblemDetails whose <c>errors</c> names exactly <paramref name="fields"/>; returns <c>errors</c>.</summary>
    public static async Task<JsonElement> ExpectValidationAsync(this Task<HttpResponseMessage> call, params string[] fields)
    {
        var problem = await call.ExpectProblemAsync(HttpStatusCode.BadRequest, "One or more fields are invalid.");
        var errors = problem.GetProperty("errors");
        errors.EnumerateObject().Select(p => p.Name).ShouldBe(fields, ignoreOrder: true, $"errors were {errors}");
        foreach (var field in fields)
        {
            errors.GetProperty(field).GetArrayLength().ShouldBeGreaterThan(0);
            errors.GetProperty(field).EnumerateArray().ShouldAllBe(m => !string.IsNullOrWhiteSpace(m.GetString()));
        }
        return errors;
    }

    /// <summary>The messages of one field of an <c>errors</c> object.</summary>
    public static string[] Messages(this JsonElement errors, string field) =>
        [.. errors.GetProperty(field).EnumerateArray().Select(m => m.GetString()!)];

    public static JsonElement Parse(string text) => text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();

    public static Guid Id(this JsonElement e) => e.GetProperty("id").GetGuid();

    public static string? Str(this JsonElement e, string property) => e.GetProperty(property).GetString();

    public static uint RowVersion(this JsonElement e) => e.GetProperty("rowVersion").GetUInt32();

    public static List<JsonElement> Items(this JsonElement array) => [.. array.EnumerateArray()];

    public static List<JsonElement> Items(this JsonElement e, string property) => [.. e.GetProperty(property).EnumerateArray()];
}
