using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GradingPortal.Migrations.Generated
{
    /// <inheritdoc />
    public partial class GradingPipeline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_model_grades_run_id",
                table: "model_grades");

            migrationBuilder.CreateTable(
                name: "grading_artifacts",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<Guid>(type: "uuid", nullable: false),
                    problem_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    cache_key = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    cluster_index = table.Column<int>(type: "integer", nullable: true),
                    content = table.Column<string>(type: "jsonb", nullable: false),
                    run_id = table.Column<Guid>(type: "uuid", nullable: true),
                    stage_call_id = table.Column<Guid>(type: "uuid", nullable: true),
                    rubric_id = table.Column<Guid>(type: "uuid", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_grading_artifacts", x => x.id);
                    table.ForeignKey(
                        name: "fk_grading_artifacts_problems_problem_id",
                        column: x => x.problem_id,
                        principalTable: "problems",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "model_profiles",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    base_url = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    model = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    api_key_variable = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    protected_api_key = table.Column<string>(type: "text", nullable: true),
                    temperature = table.Column<double>(type: "double precision", nullable: true),
                    reasoning_effort = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    max_output_tokens = table.Column<int>(type: "integer", nullable: true),
                    timeout_seconds = table.Column<int>(type: "integer", nullable: false),
                    max_concurrency = table.Column<int>(type: "integer", nullable: false),
                    requests_per_minute = table.Column<int>(type: "integer", nullable: true),
                    price_input = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false),
                    price_cached_input = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false),
                    price_output = table.Column<decimal>(type: "numeric(12,4)", precision: 12, scale: 4, nullable: false),
                    structured_output = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    is_deleted = table.Column<bool>(type: "boolean", nullable: false),
                    created_by_id = table.Column<Guid>(type: "uuid", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_profiles", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "model_request_starts",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    model_profile_id = table.Column<Guid>(type: "uuid", nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_request_starts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "stage_calls",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    call_key = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    attempt = table.Column<int>(type: "integer", nullable: false),
                    project_id = table.Column<Guid>(type: "uuid", nullable: false),
                    run_id = table.Column<Guid>(type: "uuid", nullable: true),
                    run_item_id = table.Column<Guid>(type: "uuid", nullable: true),
                    problem_id = table.Column<Guid>(type: "uuid", nullable: false),
                    solution_id = table.Column<Guid>(type: "uuid", nullable: true),
                    artifact_id = table.Column<Guid>(type: "uuid", nullable: true),
                    model_grade_id = table.Column<Guid>(type: "uuid", nullable: true),
                    stage = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    sample = table.Column<int>(type: "integer", nullable: false),
                    prompt_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    prompt_sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    model_profile_id = table.Column<Guid>(type: "uuid", nullable: false),
                    profile_snapshot = table.Column<string>(type: "jsonb", nullable: false),
                    request_messages = table.Column<string>(type: "jsonb", nullable: false),
                    raw_response = table.Column<string>(type: "text", nullable: true),
                    parsed = table.Column<string>(type: "jsonb", nullable: true),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    error = table.Column<string>(type: "text", nullable: true),
                    finish_reason = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    input_tokens = table.Column<long>(type: "bigint", nullable: false),
                    cached_input_tokens = table.Column<long>(type: "bigint", nullable: false),
                    output_tokens = table.Column<long>(type: "bigint", nullable: false),
                    reasoning_tokens = table.Column<long>(type: "bigint", nullable: false),
                    latency_ms = table.Column<int>(type: "integer", nullable: false),
                    cost = table.Column<decimal>(type: "numeric(18,8)", precision: 18, scale: 8, nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_stage_calls", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "grading_runs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<Guid>(type: "uuid", nullable: false),
                    workflow = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    rubric_design = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    model_profile_id = table.Column<Guid>(type: "uuid", nullable: false),
                    profile_snapshot = table.Column<string>(type: "jsonb", nullable: false),
                    samples = table.Column<int>(type: "integer", nullable: false),
                    aggregation = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    require_rubric_approval = table.Column<bool>(type: "boolean", nullable: false),
                    configuration = table.Column<string>(type: "jsonb", nullable: false),
                    selection = table.Column<string>(type: "jsonb", nullable: false),
                    status = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    error = table.Column<string>(type: "text", nullable: true),
                    created_by_id = table.Column<Guid>(type: "uuid", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_grading_runs", x => x.id);
                    table.ForeignKey(
                        name: "fk_grading_runs_model_profiles_model_profile_id",
                        column: x => x.model_profile_id,
                        principalTable: "model_profiles",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_grading_runs_projects_project_id",
                        column: x => x.project_id,
                        principalTable: "projects",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "grading_run_items",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    project_id = table.Column<Guid>(type: "uuid", nullable: false),
                    problem_id = table.Column<Guid>(type: "uuid", nullable: false),
                    solution_id = table.Column<Guid>(type: "uuid", nullable: false),
                    status = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    last_error = table.Column<string>(type: "text", nullable: true),
                    model_grade_id = table.Column<Guid>(type: "uuid", nullable: true),
                    cluster_index = table.Column<int>(type: "integer", nullable: true),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    xmin = table.Column<uint>(type: "xid", rowVersion: true, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_grading_run_items", x => x.id);
                    table.ForeignKey(
                        name: "fk_grading_run_items_grading_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "grading_runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_grading_run_items_solutions_solution_id",
                        column: x => x.solution_id,
                        principalTable: "solutions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "grading_run_problems",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    problem_id = table.Column<Guid>(type: "uuid", nullable: false),
                    status = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    error = table.Column<string>(type: "text", nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_grading_run_problems", x => x.id);
                    table.ForeignKey(
                        name: "fk_grading_run_problems_grading_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "grading_runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_grading_run_problems_problems_problem_id",
                        column: x => x.problem_id,
                        principalTable: "problems",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_model_grades_run_id_solution_id",
                table: "model_grades",
                columns: new[] { "run_id", "solution_id" },
                unique: true,
                filter: "run_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_grading_artifacts_problem_id_kind_cache_key",
                table: "grading_artifacts",
                columns: new[] { "problem_id", "kind", "cache_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_grading_run_items_run_id_problem_id",
                table: "grading_run_items",
                columns: new[] { "run_id", "problem_id" });

            migrationBuilder.CreateIndex(
                name: "ix_grading_run_items_run_id_solution_id",
                table: "grading_run_items",
                columns: new[] { "run_id", "solution_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_grading_run_items_run_id_status",
                table: "grading_run_items",
                columns: new[] { "run_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_grading_run_items_solution_id",
                table: "grading_run_items",
                column: "solution_id");

            migrationBuilder.CreateIndex(
                name: "ix_grading_run_problems_problem_id",
                table: "grading_run_problems",
                column: "problem_id");

            migrationBuilder.CreateIndex(
                name: "ix_grading_run_problems_run_id_problem_id",
                table: "grading_run_problems",
                columns: new[] { "run_id", "problem_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_grading_runs_model_profile_id",
                table: "grading_runs",
                column: "model_profile_id");

            migrationBuilder.CreateIndex(
                name: "ix_grading_runs_project_id_created_at",
                table: "grading_runs",
                columns: new[] { "project_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_model_profiles_name",
                table: "model_profiles",
                column: "name",
                unique: true,
                filter: "NOT is_deleted");

            migrationBuilder.CreateIndex(
                name: "ix_model_request_starts_model_profile_id_at",
                table: "model_request_starts",
                columns: new[] { "model_profile_id", "at" });

            migrationBuilder.CreateIndex(
                name: "ix_stage_calls_call_key_attempt",
                table: "stage_calls",
                columns: new[] { "call_key", "attempt" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_stage_calls_model_grade_id",
                table: "stage_calls",
                column: "model_grade_id");

            migrationBuilder.CreateIndex(
                name: "ix_stage_calls_model_profile_id_started_at",
                table: "stage_calls",
                columns: new[] { "model_profile_id", "started_at" });

            migrationBuilder.CreateIndex(
                name: "ix_stage_calls_run_id",
                table: "stage_calls",
                column: "run_id");

            migrationBuilder.CreateIndex(
                name: "ix_stage_calls_run_item_id",
                table: "stage_calls",
                column: "run_item_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "grading_artifacts");

            migrationBuilder.DropTable(
                name: "grading_run_items");

            migrationBuilder.DropTable(
                name: "grading_run_problems");

            migrationBuilder.DropTable(
                name: "model_request_starts");

            migrationBuilder.DropTable(
                name: "stage_calls");

            migrationBuilder.DropTable(
                name: "grading_runs");

            migrationBuilder.DropTable(
                name: "model_profiles");

            migrationBuilder.DropIndex(
                name: "ix_model_grades_run_id_solution_id",
                table: "model_grades");

            migrationBuilder.CreateIndex(
                name: "ix_model_grades_run_id",
                table: "model_grades",
                column: "run_id");
        }
    }
}
