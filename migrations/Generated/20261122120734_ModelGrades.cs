using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GradingPortal.Migrations.Generated
{
    /// <inheritdoc />
    public partial class ModelGrades : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "model_grades",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<Guid>(type: "uuid", nullable: false),
                    solution_id = table.Column<Guid>(type: "uuid", nullable: false),
                    run_id = table.Column<Guid>(type: "uuid", nullable: true),
                    source = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    model = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    rubric_id = table.Column<Guid>(type: "uuid", nullable: true),
                    points = table.Column<decimal>(type: "numeric(6,2)", precision: 6, scale: 2, nullable: true),
                    max_points = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    status_reason = table.Column<string>(type: "text", nullable: false),
                    summary = table.Column<string>(type: "text", nullable: false),
                    rationale = table.Column<string>(type: "text", nullable: false),
                    raw_output = table.Column<string>(type: "text", nullable: false),
                    provenance = table.Column<string>(type: "jsonb", nullable: false),
                    external_id = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_grades", x => x.id);
                    table.ForeignKey(
                        name: "fk_model_grades_rubrics_rubric_id",
                        column: x => x.rubric_id,
                        principalTable: "rubrics",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_model_grades_solutions_solution_id",
                        column: x => x.solution_id,
                        principalTable: "solutions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "model_findings",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<Guid>(type: "uuid", nullable: false),
                    model_grade_id = table.Column<Guid>(type: "uuid", nullable: false),
                    solution_id = table.Column<Guid>(type: "uuid", nullable: false),
                    error_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    category = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    severity = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    quote = table.Column<string>(type: "text", nullable: false),
                    location = table.Column<string>(type: "text", nullable: false),
                    explanation = table.Column<string>(type: "text", nullable: false),
                    start = table.Column<int>(type: "integer", nullable: true),
                    end = table.Column<int>(type: "integer", nullable: true),
                    span_match = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    span_confidence = table.Column<double>(type: "double precision", nullable: false),
                    claimed_start = table.Column<int>(type: "integer", nullable: true),
                    claimed_end = table.Column<int>(type: "integer", nullable: true),
                    review = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    reviewed_by_id = table.Column<Guid>(type: "uuid", nullable: true),
                    reviewed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_findings", x => x.id);
                    table.ForeignKey(
                        name: "fk_model_findings_model_grades_model_grade_id",
                        column: x => x.model_grade_id,
                        principalTable: "model_grades",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "model_grade_items",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    model_grade_id = table.Column<Guid>(type: "uuid", nullable: false),
                    rubric_item_id = table.Column<Guid>(type: "uuid", nullable: true),
                    title = table.Column<string>(type: "text", nullable: false),
                    points = table.Column<decimal>(type: "numeric(6,2)", precision: 6, scale: 2, nullable: false),
                    max_points = table.Column<decimal>(type: "numeric(6,2)", precision: 6, scale: 2, nullable: true),
                    reason = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_grade_items", x => x.id);
                    table.ForeignKey(
                        name: "fk_model_grade_items_model_grades_model_grade_id",
                        column: x => x.model_grade_id,
                        principalTable: "model_grades",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_model_findings_model_grade_id",
                table: "model_findings",
                column: "model_grade_id");

            migrationBuilder.CreateIndex(
                name: "ix_model_findings_solution_id_start",
                table: "model_findings",
                columns: new[] { "solution_id", "start" });

            migrationBuilder.CreateIndex(
                name: "ix_model_grade_items_model_grade_id",
                table: "model_grade_items",
                column: "model_grade_id");

            migrationBuilder.CreateIndex(
                name: "ix_model_grades_rubric_id",
                table: "model_grades",
                column: "rubric_id");

            migrationBuilder.CreateIndex(
                name: "ix_model_grades_run_id",
                table: "model_grades",
                column: "run_id");

            migrationBuilder.CreateIndex(
                name: "ix_model_grades_solution_id_created_at",
                table: "model_grades",
                columns: new[] { "solution_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_model_grades_solution_id_source_external_id",
                table: "model_grades",
                columns: new[] { "solution_id", "source", "external_id" },
                unique: true,
                filter: "external_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "model_findings");

            migrationBuilder.DropTable(
                name: "model_grade_items");

            migrationBuilder.DropTable(
                name: "model_grades");
        }
    }
}
