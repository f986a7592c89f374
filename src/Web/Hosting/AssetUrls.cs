using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace GradingPortal.Web.Hosting;

/// <summary>
/// URLs of files under wwwroot with a content hash (<c>?v=</c>), so browsers cache them for a year and still pick up a
/// new build at once. Hashes are computed on first use and kept for the process lifetime.
/// </summary>
public sealed class AssetUrls(IWebHostEnvironment environment)
{
    private readonly ConcurrentDictionary<string, string> _urls = new(StringComparer.Ordinal);

    public string this[string path] => _urls.GetOrAdd(path, Compute);

    private string Compute(string path)
    {
        var file = environment.WebRootFileProvider.GetFileInfo(path);
        if (!file.Exists || file.PhysicalPath is null)
        {
            return "/" + path;
        }
        using var stream = File.OpenRead(file.PhysicalPath);
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream))[..12];
        return $"/{path}?v={hash}";
    }
}
