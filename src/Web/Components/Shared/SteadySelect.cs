using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace GradingPortal.Web.Components.Shared;

/// <summary>
/// A <see cref="MudSelect{T}"/> for forms filled from the keyboard. MudSelect focuses itself after a letter picks an
/// item (and while its list is open); on a slow circuit that call arrives after the person tabbed on to the next
/// control and takes the focus back, so their Enter opens the list instead of pressing the button. Here the browser
/// drops such a focus once the focus is somewhere else. Give it an <c>InputId</c>: the browser finds the select by it.
/// </summary>
public sealed class SteadySelect<T> : MudSelect<T>
{
    private IJSObjectReference? _module;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    public override async ValueTask FocusAsync()
    {
        if (InputElementId is not { } id)
        {
            await base.FocusAsync();
            return;
        }
        _module ??= await JS.InvokeAsync<IJSObjectReference>("import", "/lib/app/js/steady-focus.js");
        await _module.InvokeVoidAsync("focusUnlessMovedOn", id);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        if (_module is not null)
        {
            try
            {
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // The tab is gone; so is the module.
            }
        }
    }
}
