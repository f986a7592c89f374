using System.Xml.Linq;
using GradingPortal.Domain.Identity;
using GradingPortal.Domain.Models;
using GradingPortal.Domain.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GradingPortal.Hosting;

// Compiled into both the Api (which protects tokens and model keys) and the Worker (which unprotects model keys), as a
// linked file: both hosts must name the same application and read the same key ring, or the Worker cannot decrypt.

/// <summary>
/// Stores the data-protection key ring in PostgreSQL so every Api instance can read tokens issued by any other, and every
/// Worker can decrypt model keys the Api stored (Microsoft.AspNetCore.DataProtection.EntityFrameworkCore is not on our
/// package source; this is its small core).
/// </summary>
internal sealed class DbXmlRepository(IServiceScopeFactory scopes) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        return db.DataProtectionKeys.AsNoTracking().Select(k => k.Xml).ToList().Select(x => XElement.Parse(x)).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GradingDbContext>();
        db.DataProtectionKeys.Add(new DataProtectionKeyRecord { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        db.SaveChanges();
    }
}

/// <summary>Data protection as the Api and the Worker share it: one application name, keys in PostgreSQL.</summary>
internal static class SharedDataProtection
{
    /// <summary>Registers data protection with the shared application name and the key ring in <c>GradingDbContext</c>.</summary>
    public static IDataProtectionBuilder AddDatabaseDataProtection(this IServiceCollection services)
    {
        var builder = services.AddDataProtection().SetApplicationName(ModelProfile.DataProtectionApplicationName);
        services.AddOptions<KeyManagementOptions>()
            .Configure<IServiceScopeFactory>((options, scopes) => options.XmlRepository = new DbXmlRepository(scopes));
        return builder;
    }
}
