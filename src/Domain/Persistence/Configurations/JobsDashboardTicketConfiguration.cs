using GradingPortal.Domain.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GradingPortal.Domain.Persistence.Configurations;

internal sealed class JobsDashboardTicketConfiguration : IEntityTypeConfiguration<JobsDashboardTicket>
{
    public void Configure(EntityTypeBuilder<JobsDashboardTicket> builder)
    {
        builder.ToTable("jobs_dashboard_tickets");
        builder.Property(t => t.SecretHash).HasMaxLength(64);
        builder.HasIndex(t => t.SecretHash).IsUnique();
        // Expired tickets are swept by expiry whenever a new one is issued.
        builder.HasIndex(t => t.ExpiresAt);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
