namespace GradingPortal.Web.Components;

/// <summary>
/// Marks the few interactive pages that <see cref="App"/> prerenders (ADR 018's amendment): the GET answers with the
/// page's content, and the circuit takes over what the prerender read from persisted component state instead of reading
/// it again. Such a page must defer JS interop to <c>OnAfterRenderAsync</c> and keep its controls disabled until
/// <c>RendererInfo.IsInteractive</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class PrerenderedPageAttribute : Attribute;
