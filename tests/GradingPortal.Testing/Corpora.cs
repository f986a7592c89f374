namespace GradingPortal.Testing;

/// <summary>Locates <c>../shared/corpora</c> (beside the repository root) from a test's working folder.</summary>
public static class Corpora
{
    public static string Root { get; } = Find();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GradingPortal.sln")))
            {
                var corpora = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "corpora"));
                if (Directory.Exists(corpora))
                {
                    return corpora;
                }
                throw new DirectoryNotFoundException($"Expected the shared corpora beside the repository at {corpora}.");
            }
            dir = dir.Parent;
        }
        throw new DirectoryNotFoundException("Could not find the repository root (GradingPortal.sln) above " + AppContext.BaseDirectory);
    }
}
