using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GradingPortal.Migrations.Generated
{
    /// <summary>
    /// Every write to what a solution page shows sends a <c>solution_changed</c> notice with the solution's id (ADR 022).
    /// A trigger rather than calls in each write path: it fires inside the writing transaction (PostgreSQL delivers the
    /// notice at commit, and folds identical ones of one transaction into one), and it also covers writes made with
    /// ExecuteUpdate/ExecuteDelete, by the Worker, or by code added later. Bulk writers (imports) turn it off for their
    /// transaction with <c>SET LOCAL gradingportal.solution_notices = 'off'</c>.
    /// </summary>
    public partial class SolutionChangeNotices : Migration
    {
        // Grade items change only with their grade row, model grade items only with their model grade: the parents suffice.
        private static readonly string[] Tables = ["human_grades", "adjudications", "annotations", "model_grades", "model_findings", "gold_items"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION notify_solution_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF coalesce(current_setting('gradingportal.solution_notices', true), '') <> 'off' THEN
                        PERFORM pg_notify('solution_changed', (CASE WHEN TG_OP = 'DELETE' THEN OLD.solution_id ELSE NEW.solution_id END)::text);
                    END IF;
                    RETURN NULL;
                END $$;
                """);
            foreach (var table in Tables)
            {
                migrationBuilder.Sql($"CREATE TRIGGER {table}_solution_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
                    + "FOR EACH ROW EXECUTE FUNCTION notify_solution_changed();");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in Tables)
            {
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {table}_solution_changed ON {table};");
            }
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS notify_solution_changed();");
        }
    }
}
