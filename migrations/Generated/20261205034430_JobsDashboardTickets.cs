using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GradingPortal.Migrations.Generated
{
    /// <inheritdoc />
    public partial class JobsDashboardTickets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "jobs_dashboard_tickets",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    secret_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_jobs_dashboard_tickets", x => x.id);
                    table.ForeignKey(
                        name: "fk_jobs_dashboard_tickets_asp_net_users_user_id",
                        column: x => x.user_id,
                        principalTable: "AspNetUsers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_jobs_dashboard_tickets_expires_at",
                table: "jobs_dashboard_tickets",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "ix_jobs_dashboard_tickets_secret_hash",
                table: "jobs_dashboard_tickets",
                column: "secret_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_jobs_dashboard_tickets_user_id",
                table: "jobs_dashboard_tickets",
                column: "user_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "jobs_dashboard_tickets");
        }
    }
}
