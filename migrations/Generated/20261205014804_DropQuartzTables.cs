using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GradingPortal.Migrations.Generated
{
    /// <inheritdoc />
    public partial class DropQuartzTables : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Hangfire replaced Quartz.NET (ADR 015); its job store lives in the "hangfire" schema, which the migrator
            // installs after the migrations. Whatever Quartz still held (waiting triggers of an old deployment) is not carried
            // over: a run left unfinished by the upgrade is started again with its Retry (which queues PlanRun).
            foreach (var table in new[] { "job_status", "misfire_history", "execution_history", "locks", "scheduler_state", "fired_triggers",
                "paused_job_grps", "paused_trigger_grps", "calendars", "blob_triggers", "simprop_triggers", "cron_triggers", "simple_triggers",
                "triggers", "job_details" })
            {
                migrationBuilder.Sql($"DROP TABLE IF EXISTS qrtz_{table} CASCADE;");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Quartz is no longer a dependency, so its tables cannot be recreated from its script; going back means
            // restoring them from the old release's migration.
        }
    }
}
