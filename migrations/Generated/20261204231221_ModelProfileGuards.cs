using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GradingPortal.Migrations.Generated
{
    /// <inheritdoc />
    public partial class ModelProfileGuards : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<List<Guid>>(
                name: "allowed_project_ids",
                table: "model_profiles",
                type: "uuid[]",
                nullable: false,
                // Existing profiles allow no project, like a new one: only site admins may run them until an admin adds some.
                defaultValueSql: "'{}'::uuid[]");

            migrationBuilder.AddColumn<decimal>(
                name: "daily_spending_cap",
                table: "model_profiles",
                type: "numeric(18,4)",
                precision: 18,
                scale: 4,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "run_spending_cap",
                table: "model_profiles",
                type: "numeric(18,4)",
                precision: 18,
                scale: 4,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "allowed_project_ids",
                table: "model_profiles");

            migrationBuilder.DropColumn(
                name: "daily_spending_cap",
                table: "model_profiles");

            migrationBuilder.DropColumn(
                name: "run_spending_cap",
                table: "model_profiles");
        }
    }
}
