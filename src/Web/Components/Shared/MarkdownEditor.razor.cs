using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace GradingPortal.Web.Components.Shared;

/// <summary>
/// Text is bound as it is typed, so saving never misses the last keystrokes; the preview waits until typing pauses,
/// because rendering Markdown and typesetting a long proof on every key would make typing lag.
/// </summary>
public sealed partial class MarkdownEditor
{
    /// <summary>How long typing must pause before the preview follows.</summary>
    internal static readonly TimeSpan PreviewDelay = TimeSpan.FromMilliseconds(300);

    /// <summary>Longer texts are previewed up to this length (the whole text is still saved).</summary>
    internal const int MaxPreviewLength = 200_000;

    private ElementReference _preview;
    private IJSObjectReference? _typeset;
    private CancellationTokenSource? _pending;
    private string? _shown;
    private bool _started;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    /// <summary>The textarea's id; the preview is <c>{Id}-preview</c>.</summary>
    [Parameter, EditorRequired]
    public string Id { get; set; } = "";

    [Parameter, EditorRequired]
    public string Label { get; set; } = "";

    [Parameter]
    public string? Value { get; set; }

    [Parameter]
    public EventCallback<string?> ValueChanged { get; set; }

    [Parameter]
    public int Lines { get; set; } = 10;

    [Parameter]
    public string? Placeholder { get; set; }

    [Parameter]
    public string? HelperText { get; set; }

    /// <summary>The Api's message for this field, if it refused it.</summary>
    [Parameter]
    public string? ErrorText { get; set; }

    protected override void OnParametersSet()
    {
        // The stored text (an edited problem) is previewed at once; later changes come through OnTextChanged.
        if (!_started)
        {
            _started = true;
            _shown = Clip(Value);
        }
    }

    private async Task OnTextChanged(string? text)
    {
        await ValueChanged.InvokeAsync(text);
        if (_pending is not null)
        {
            await _pending.CancelAsync();
            _pending.Dispose();
        }
        _pending = new CancellationTokenSource();
        // Not awaited: the field must not wait for the preview (MudBlazor awaits this handler before it settles).
        _ = PreviewLaterAsync(text, _pending.Token);
    }

    private async Task PreviewLaterAsync(string? text, CancellationToken ct)
    {
        try
        {
            await Task.Delay(PreviewDelay, ct);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        await InvokeAsync(() =>
        {
            if (!ct.IsCancellationRequested)
            {
                _shown = Clip(text);
                StateHasChanged();
            }
        });
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (string.IsNullOrWhiteSpace(_shown) || _preview.Id is null)
        {
            return;
        }
        try
        {
            _typeset ??= await JS.InvokeAsync<IJSObjectReference>("import", "/lib/app/js/typeset.js");
            await _typeset.InvokeVoidAsync("typeset", _preview);
        }
        catch (JSDisconnectedException)
        {
            // The tab is gone; nothing to typeset.
        }
    }

    private static string? Clip(string? text) => text is { Length: > MaxPreviewLength } ? text[..MaxPreviewLength] : text;

    public async ValueTask DisposeAsync()
    {
        _pending?.Cancel();
        _pending?.Dispose();
        if (_typeset is not null)
        {
            try
            {
                await _typeset.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
            }
        }
    }
}
