namespace GradingPortal.Web.Components.Pages;

// The shapes page forms post (bound with [SupplyParameterFromForm]). Everything is nullable and loosely typed so a form
// with mistakes comes back exactly as typed, with Api's messages beside it.

public sealed class ReferenceForm
{
    public string? Text { get; set; }
    public string? Source { get; set; }
}

public sealed class RubricItemForm
{
    public string? Title { get; set; }
    public decimal? Points { get; set; }
    public string? Description { get; set; }
}

public sealed class ProblemForm
{
    public string? Title { get; set; }
    public string? Statement { get; set; }
    public int? MaxPoints { get; set; }
    public string? Source { get; set; }
    public string? ExternalId { get; set; }
    public List<ReferenceForm> References { get; set; } = [];
    public List<RubricItemForm> Items { get; set; } = [];
    public string? ZeroCredit { get; set; }
    public uint? RowVersion { get; set; }
}

public sealed class RubricForm
{
    public List<RubricItemForm> Items { get; set; } = [];
    public string? ZeroCredit { get; set; }
    public string? Notes { get; set; }
    public uint? RowVersion { get; set; }
}

public sealed class SolutionForm
{
    public string? Text { get; set; }
    public string? Author { get; set; }
    public string? ExternalId { get; set; }
}

/// <summary>
/// Browsers send textarea line breaks as CR LF in form posts whatever the person pasted; Web stores LF, so offsets and
/// quotes match the text as it was written and as scripts submit it through the API.
/// </summary>
public static class FormText
{
    public static string? Lines(string? value) => value?.Replace("\r\n", "\n", StringComparison.Ordinal);
}
