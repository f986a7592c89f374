using System.Text;
using GradingPortal.Web.ApiClient;
using GradingPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace GradingPortal.Web.Components.Pages.Solutions;

/// <summary>Adds one solution to a problem: pasted or loaded from a file, previewed as it will render, then opened.</summary>
public sealed partial class SolutionNewPage
{
    /// <summary>The Api's limit on a solution's text; a file above it (in bytes, so a little early for multi-byte text) is refused here.</summary>
    internal const long MaxFileBytes = 1_000_000;

    private static readonly string[] s_authorHints = ["human"];

    private ProblemResponse? _problem;
    private ProjectResponse? _project;
    private ApiError? _loadError;
    private ApiError? _error;
    private List<BreadcrumbItem> _trail = [];
    private string? _author;
    private string? _externalId;
    private string? _text;
    private string? _fileMessage;
    private bool _fileFailed;
    private int _loads;
    private readonly ApiActions _actions = new();

    [Parameter]
    public Guid ProblemId { get; set; }

    [Inject]
    private IGradingApiClient Api { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        _loadError = await ApiCall.TryAsync(async () =>
        {
            _problem = await Api.GetProblemAsync(ProblemId, CancellationToken.None);
            _project = await Api.GetProjectAsync(_problem.ProjectId, CancellationToken.None);
            _trail =
            [
                new BreadcrumbItem("Projects", "/"),
                new BreadcrumbItem(_project.Name, $"/projects/{_project.Id}"),
                new BreadcrumbItem(_problem.Title, $"/problems/{_problem.Id}"),
            ];
        });
    }

    private Task<IEnumerable<string>> SuggestAuthorsAsync(string? typed, CancellationToken ct) =>
        Task.FromResult(string.IsNullOrWhiteSpace(typed)
            ? s_authorHints.AsEnumerable()
            : s_authorHints.Where(h => h.StartsWith(typed.Trim(), StringComparison.OrdinalIgnoreCase)));

    private async Task LoadFileAsync(IBrowserFile? file)
    {
        if (file is null)
        {
            return;
        }
        _fileFailed = false;
        if (file.Size > MaxFileBytes)
        {
            _fileFailed = true;
            _fileMessage = $"{file.Name} is larger than the {MaxFileBytes / 1000:N0} KB a solution may have.";
            return;
        }
        try
        {
            await using var stream = file.OpenReadStream(MaxFileBytes);
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            _text = Lines(await reader.ReadToEndAsync());
            _loads++;
            _fileMessage = $"Loaded {file.Name}. Check the preview, then add the solution.";
        }
        catch (IOException)
        {
            _fileFailed = true;
            _fileMessage = $"{file.Name} could not be read.";
        }
    }

    private static string Lines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    private async Task OnKeyDownAsync(KeyboardEventArgs e)
    {
        if (e is { CtrlKey: true, Key: "Enter" })
        {
            await SaveAsync();
        }
    }

    private async Task SaveAsync()
    {
        await _actions.RunAsync(async () =>
        {
            var created = await Api.CreateSolutionAsync(ProblemId, new CreateSolutionRequest
            {
                Text = _text?.Replace("\r\n", "\n", StringComparison.Ordinal) ?? "",
                Author = Format.Blank(_author),
                ExternalId = Format.Blank(_externalId),
            }, CancellationToken.None);
            Navigation.NavigateTo($"/solutions/{created.Id}");
        }, e => _error = e);
    }
}
