using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GradingPortal.Migrations.Generated
{
    /// <summary>
    /// lz4 instead of pglz for the large texts that imports write in bulk: solution texts and staged upload chunks. lz4
    /// compresses several times faster for a slightly larger result, which decides how fast an import goes. Only where the
    /// server was built with lz4 (it lists it among the values of default_toast_compression); elsewhere nothing changes.
    /// Existing values keep their compression; new ones use lz4.
    /// </summary>
    public partial class LargeTextCompression : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DO $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
                        ALTER TABLE solutions ALTER COLUMN text SET COMPRESSION lz4;
                        ALTER TABLE import_chunks ALTER COLUMN data SET STORAGE EXTENDED, ALTER COLUMN data SET COMPRESSION lz4;
                    END IF;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE solutions ALTER COLUMN text SET COMPRESSION default;
                ALTER TABLE import_chunks ALTER COLUMN data SET STORAGE EXTERNAL, ALTER COLUMN data SET COMPRESSION default;
                """);
        }
    }
}
