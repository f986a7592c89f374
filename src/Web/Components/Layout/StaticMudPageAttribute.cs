namespace GradingPortal.Web.Components.Layout;

/// <summary>
/// Marks a statically rendered page that is styled by MudBlazor's CSS (<see cref="StaticLayout"/>): the document shell
/// then loads neither Bootstrap nor htmx for it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class StaticMudPageAttribute : Attribute;
