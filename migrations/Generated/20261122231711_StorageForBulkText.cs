using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GradingPortal.Migrations.Generated
{
    /// <summary>
    /// How PostgreSQL stores the two large values an import writes in bulk.
    /// <list type="bullet">
    /// <item>A solution's text is kept in its row, compressed (<c>STORAGE MAIN</c>), and moved to the TOAST table only when
    /// the compressed text still does not fit in a page. A typical proof of a few KB compresses to well under a page, and
    /// storing it out of line cost a TOAST row per 2 KB plus its index entry: in a profile of the import benchmark (10 KB
    /// solutions), about two fifths of PostgreSQL's CPU went to that.</item>
    /// <item>A staged upload chunk is not compressed again (<c>STORAGE EXTERNAL</c>): text chunks arrive Brotli-compressed
    /// from the Api and zip uploads are compressed already, so trying lz4 on them only cost CPU.</item>
    /// </list>
    /// Existing values stay as they are; new ones are stored this way. No table is rewritten.
    /// </summary>
    public partial class StorageForBulkText : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE import_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE import_chunks ALTER COLUMN data SET STORAGE EXTENDED;
                """);
        }
    }
}
