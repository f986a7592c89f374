namespace GradingPortal.Web.Components.Shared;

/// <summary>How a list names a solution so that people tell it from its neighbours.</summary>
public static class SolutionNames
{
    /// <summary>
    /// The external id, else the author and the end of the id, else just the end of the id. Not the start: version-7 ids
    /// begin with their creation time, so solutions imported together share their first characters.
    /// </summary>
    public static string Of(Guid solutionId, string? externalId, string? author)
    {
        var tail = solutionId.ToString("N")[^6..];
        return !string.IsNullOrWhiteSpace(externalId) ? externalId
            : !string.IsNullOrWhiteSpace(author) ? $"{author} · …{tail}"
            : $"Solution …{tail}";
    }
}
