using GradingPortal.Domain.Persistence;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GradingPortal.Migrations.Generated
{
    /// <summary>
    /// The <c>solution_changed</c> notice says which kind of row changed as well as the solution (<c>id:kind</c>, ADR 022's
    /// second amendment), so an open page reads again only what that kind can change: a grade given elsewhere does not
    /// make fifty pages read the model grades. The kind names a table, never a row or a value. No model change, so no
    /// snapshot change.
    /// </summary>
    [DbContext(typeof(GradingDbContext))]
    [Migration("20261205134500_SolutionChangeNoticeKinds")]
    public partial class SolutionChangeNoticeKinds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION notify_solution_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF coalesce(current_setting('gradingportal.solution_notices', true), '') <> 'off' THEN
                        PERFORM pg_notify('solution_changed',
                            (CASE WHEN TG_OP = 'DELETE' THEN OLD.solution_id ELSE NEW.solution_id END)::text || ':' ||
                            CASE TG_TABLE_NAME
                                WHEN 'human_grades' THEN 'grades'
                                WHEN 'annotations' THEN 'annotations'
                                WHEN 'adjudications' THEN 'adjudication'
                                WHEN 'model_grades' THEN 'modelGrades'
                                WHEN 'model_findings' THEN 'findings'
                                WHEN 'gold_items' THEN 'gold'
                                ELSE 'all'
                            END);
                    END IF;
                    RETURN NULL;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION notify_solution_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF coalesce(current_setting('gradingportal.solution_notices', true), '') <> 'off' THEN
                        PERFORM pg_notify('solution_changed', (CASE WHEN TG_OP = 'DELETE' THEN OLD.solution_id ELSE NEW.solution_id END)::text);
                    END IF;
                    RETURN NULL;
                END $$;
                """);
        }
    }
}
