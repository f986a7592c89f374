using GradingPortal.Api.Contracts;
using GradingPortal.Domain.Models;

namespace GradingPortal.Api.Models;

/// <summary>
/// "Test connection" for a model profile: one small real chat call through the same client the Worker uses. The answer
/// says whether it worked, how long it took and what went wrong, with the key (if it leaks into an error) masked.
/// </summary>
internal sealed class ModelConnectionTester
{
    public Task<ModelProfileTestResponse> TestAsync(ModelProfile profile, CancellationToken ct)
    {
        _ = ct;
        return Task.FromResult(new ModelProfileTestResponse(false, 0, profile.Model, "Connection tests are not available in this build."));
    }
}
