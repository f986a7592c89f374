using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GradingPortal.Migrations.Generated
{
    /// <inheritdoc />
    public partial class SolutionTextLength : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "text_length",
                table: "solutions",
                type: "integer",
                nullable: false,
                computedColumnSql: "char_length(text)",
                stored: true);

            migrationBuilder.CreateIndex(
                name: "ix_solutions_problem_id_text_length_id",
                table: "solutions",
                columns: new[] { "problem_id", "text_length", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_solutions_problem_id_text_length_id",
                table: "solutions");

            migrationBuilder.DropColumn(
                name: "text_length",
                table: "solutions");
        }
    }
}
