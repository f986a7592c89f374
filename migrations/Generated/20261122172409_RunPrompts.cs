using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GradingPortal.Migrations.Generated
{
    /// <inheritdoc />
    public partial class RunPrompts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "prompts",
                table: "grading_runs",
                type: "jsonb",
                nullable: false,
                defaultValue: "[]");

            // Every run created before this column existed used the version 1 prompt of each stage (the only versions
            // there were), so the snapshot of an existing run is its workflow's stages with their v1 prompts.
            migrationBuilder.Sql("""
                UPDATE grading_runs SET prompts = CASE workflow
                    WHEN 'absolute' THEN '[{"stage":"grade","prompt":"grade-absolute.v1"}]'
                    WHEN 'reference' THEN '[{"stage":"grade","prompt":"grade-reference.v1"}]'
                    WHEN 'official-rubric' THEN '[{"stage":"grade","prompt":"grade-official-rubric.v1"}]'
                    WHEN 'three-stage' THEN '[{"stage":"cluster-references","prompt":"cluster-references.v1"},{"stage":"extract-steps","prompt":"extract-steps.v1"},{"stage":"grade","prompt":"grade-matched-reference.v1"}]'
                    WHEN 'five-stage' THEN '[{"stage":"cluster-references","prompt":"cluster-references.v1"},{"stage":"extract-steps","prompt":"extract-steps.v1"},{"stage":"analyse-reference","prompt":"analyse-reference.v1"},{"stage":"derive-rubric","prompt":"derive-rubric.v1"},{"stage":"grade","prompt":"grade-with-rubric.v1"}]'
                    WHEN 'single-call-judge' THEN '[{"stage":"grade","prompt":"judge-single-call.v1"}]'
                    ELSE '[]' END::jsonb;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "prompts",
                table: "grading_runs");
        }
    }
}
