using GradingPortal.Web.Auth;
using Microsoft.AspNetCore.Components;

namespace GradingPortal.Web.Components.Layout;

public sealed partial class MainLayout
{
    [CascadingParameter]
    public HttpContext? HttpContext { get; set; }

    private Session? User => Session.From(HttpContext?.User);
}
