namespace GradingPortal.Web.Components.Shared;

/// <summary>One step of the breadcrumb trail; <c>Href</c> is null for the current page.</summary>
public sealed record Crumb(string Label, string? Href = null);
