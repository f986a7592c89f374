using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GradingPortal.Migrations.Generated
{
    /// <summary>
    /// lz4 instead of pglz for the large JSON that grading writes with every model call and grade: the request messages
    /// of a call (a grading prompt carries the problem, its references and rubrics, tens of KB), its raw response and
    /// parsed output, and a grade's provenance and raw output. A run writes these for every solution; lz4 compresses them
    /// in about half the database CPU of pglz. Only where the server was built with lz4; existing values keep theirs.
    /// </summary>
    public partial class GradingTextCompression : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DO $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
                        ALTER TABLE stage_calls ALTER COLUMN request_messages SET COMPRESSION lz4,
                            ALTER COLUMN raw_response SET COMPRESSION lz4, ALTER COLUMN parsed SET COMPRESSION lz4;
                        ALTER TABLE model_grades ALTER COLUMN provenance SET COMPRESSION lz4, ALTER COLUMN raw_output SET COMPRESSION lz4;
                        ALTER TABLE grading_artifacts ALTER COLUMN content SET COMPRESSION lz4;
                    END IF;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE stage_calls ALTER COLUMN request_messages SET COMPRESSION default,
                    ALTER COLUMN raw_response SET COMPRESSION default, ALTER COLUMN parsed SET COMPRESSION default;
                ALTER TABLE model_grades ALTER COLUMN provenance SET COMPRESSION default, ALTER COLUMN raw_output SET COMPRESSION default;
                ALTER TABLE grading_artifacts ALTER COLUMN content SET COMPRESSION default;
                """);
        }
    }
}
