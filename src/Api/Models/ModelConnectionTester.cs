using System.ClientModel;
using System.Diagnostics;
using GradingPortal.Api.Contracts;
using GradingPortal.Domain.Models;
using GradingPortal.ModelAccess;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.AI;

namespace GradingPortal.Api.Models;

/// <summary>
/// "Test connection" for a model profile: one small real chat call through the same client construction and key
/// resolution the Worker uses. The answer says whether it worked, how long it took and what went wrong; the key is
/// scrubbed from every error text (endpoints sometimes echo the request).
/// </summary>
internal sealed class ModelConnectionTester(IConfiguration configuration, IDataProtectionProvider dataProtection, ILogger<ModelConnectionTester> logger)
{
    /// <summary>A test never waits longer than this, whatever the profile's (grading) timeout.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    public async Task<ModelProfileTestResponse> TestAsync(ModelProfile profile, CancellationToken ct)
    {
        string? key;
        try
        {
            key = ModelClients.ResolveKey(profile, configuration, dataProtection);
        }
        catch (ModelKeyException ex)
        {
            return new ModelProfileTestResponse(false, 0, profile.Model, ex.Message);
        }
        var wait = TimeSpan.FromSeconds(Math.Min(profile.TimeoutSeconds, MaxWait.TotalSeconds));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(wait);
        var watch = Stopwatch.StartNew();
        try
        {
            using var client = ModelClients.CreateChatClient(profile, key);
            var options = new ChatOptions { Temperature = profile.Temperature is null ? null : (float)profile.Temperature };
            var response = await client.GetResponseAsync(
                [
                    new ChatMessage(ChatRole.System, "This is a connection check. Reply with the word ok and nothing else."),
                    new ChatMessage(ChatRole.User, "Are you there?"),
                ], options, timeout.Token);
            return new ModelProfileTestResponse(true, Elapsed(watch), response.ModelId ?? profile.Model, null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Failed($"No answer within {wait.TotalSeconds:0} s.");
        }
        catch (ClientResultException ex)
        {
            return Failed(ex.Status > 0 ? $"HTTP {ex.Status}: {ex.Message}" : ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever the SDK or the network threw: a test reports it rather than failing the request.
            return Failed(ex.Message);
        }

        ModelProfileTestResponse Failed(string error)
        {
            var scrubbed = ModelClients.Scrub(error, key);
            logger.LogInformation("Connection test of model profile {ProfileId} failed: {Error}", profile.Id, scrubbed);
            return new ModelProfileTestResponse(false, Elapsed(watch), profile.Model, scrubbed.Length > 2000 ? scrubbed[..2000] + "…" : scrubbed);
        }
    }

    private static int Elapsed(Stopwatch watch) => (int)Math.Min(int.MaxValue, watch.ElapsedMilliseconds);
}
