using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GradingPortal.Migrations.Generated
{
    /// <inheritdoc />
    public partial class QuartzTables : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Quartz.NET's job store lived here until Hangfire replaced it (ADR 015). A new database no longer gets its tables;
            // databases that have them lose them in DropQuartzTables.
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in new[] { "job_status", "misfire_history", "execution_history", "locks", "scheduler_state", "fired_triggers",
                "paused_job_grps", "paused_trigger_grps", "calendars", "blob_triggers", "simprop_triggers", "cron_triggers", "simple_triggers",
                "triggers", "job_details" })
            {
                migrationBuilder.Sql($"DROP TABLE IF EXISTS qrtz_{table} CASCADE;");
            }
        }
    }
}
