using System.ClientModel;
using System.ClientModel.Primitives;
using System.Security.Cryptography;
using GradingPortal.Domain.Models;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using OpenAI;

namespace GradingPortal.ModelAccess;

// Compiled into both the Api (stores keys, tests connections) and the Worker (calls models), as a linked file: one place
// decides how a profile becomes a client and where its key comes from.

/// <summary>The key of a profile could not be resolved (variable unset, or a stored key that does not decrypt).</summary>
internal sealed class ModelKeyException(string message) : Exception(message);

/// <summary>Builds <see cref="IChatClient"/>s for model profiles over the official OpenAI SDK, and resolves their keys.</summary>
internal static class ModelClients
{
    /// <summary>Sent as the bearer token when a profile has no key: local servers (Ollama, llama.cpp) ignore it, the SDK needs one.</summary>
    public const string NoKeyPlaceholder = "no-key";

    /// <summary>
    /// A chat client for <paramref name="profile"/>: its base URL as the endpoint (requests go to <c>{baseUrl}/chat/completions</c>),
    /// the profile's timeout as the network timeout, and no SDK retries (the caller retries with its own policy).
    /// </summary>
    public static IChatClient CreateChatClient(ModelProfile profile, string? apiKey)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri(profile.BaseUrl),
            NetworkTimeout = TimeSpan.FromSeconds(profile.TimeoutSeconds),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        };
        var credential = new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? NoKeyPlaceholder : apiKey);
        return new OpenAIClient(credential, options).GetChatClient(profile.Model).AsIChatClient();
    }

    /// <summary>
    /// The plain key of <paramref name="profile"/>: a stored key decrypted with data protection, the value of its key variable,
    /// or null when the profile needs none. This is the only place a key variable is read. A variable is read only under a
    /// name <see cref="ModelKeyNames"/> accepts: the environment variable (or else the top-level setting) of that exact name,
    /// else <c>ModelKeys:&lt;NAME&gt;</c>. A profile still holding a name from before that rule resolves to nothing and fails,
    /// rather than sending whatever setting it names.
    /// </summary>
    /// <exception cref="ModelKeyException">The name is not allowed, the variable is not set, or the stored key cannot be decrypted.</exception>
    public static string? ResolveKey(ModelProfile profile, IConfiguration configuration, IDataProtectionProvider dataProtection)
    {
        if (profile.ProtectedApiKey is { } protectedKey)
        {
            try
            {
                return KeyProtector(dataProtection).Unprotect(protectedKey);
            }
            catch (CryptographicException)
            {
                throw new ModelKeyException("The stored API key cannot be decrypted: this host does not share the Api's data-protection key ring.");
            }
        }
        if (profile.ApiKeyVariable is { } name)
        {
            if (profile.KeyProblem is { } problem)
            {
                throw new ModelKeyException(problem);
            }
            // The process environment first: a variable set after configuration was built is still seen.
            var value = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(value))
            {
                value = configuration[name];
            }
            if (string.IsNullOrEmpty(value))
            {
                value = configuration[ModelKeyNames.SectionKey(name)];
            }
            return string.IsNullOrEmpty(value)
                ? throw new ModelKeyException($"The API key variable '{name}' is not set (neither as {name} nor as {ModelKeyNames.SectionKey(name)}).")
                : value;
        }
        return null;
    }

    /// <summary>Encrypts a key for <see cref="ModelProfile.ProtectedApiKey"/> (the Api, when a profile is saved with a key).</summary>
    public static string ProtectKey(IDataProtectionProvider dataProtection, string apiKey) => KeyProtector(dataProtection).Protect(apiKey);

    /// <summary>Removes every occurrence of the key from a text that is about to be logged or stored (errors echo requests).</summary>
    public static string Scrub(string text, string? apiKey) =>
        string.IsNullOrEmpty(apiKey) || apiKey == NoKeyPlaceholder ? text : text.Replace(apiKey, "[api key]", StringComparison.Ordinal);

    private static IDataProtector KeyProtector(IDataProtectionProvider dataProtection) =>
        dataProtection.CreateProtector(ModelProfile.KeyProtectionPurpose);
}
