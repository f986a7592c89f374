using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GradingPortal.Migrations.Generated
{
    /// <summary>
    /// Uploads are staged while they arrive and read by a Worker as they come (import_uploads tracks how far an upload has
    /// got); the staging tables are unlogged: staged bytes are transient, so they are not written to the WAL twice, and a
    /// crash that empties them fails the import with a request to upload again. Imports waiting or running when this is
    /// applied get an upload row saying their file is complete.
    /// </summary>
    public partial class StreamedImportStaging : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterTable(
                name: "import_chunks")
                .Annotation("Npgsql:UnloggedTable", true);

            migrationBuilder.CreateTable(
                name: "import_uploads",
                columns: table => new
                {
                    import_id = table.Column<Guid>(type: "uuid", nullable: false),
                    chunks = table.Column<int>(type: "integer", nullable: false),
                    received_bytes = table.Column<long>(type: "bigint", nullable: false),
                    complete = table.Column<bool>(type: "boolean", nullable: false),
                    error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_import_uploads", x => x.import_id);
                    table.ForeignKey(
                        name: "fk_import_uploads_imports_import_id",
                        column: x => x.import_id,
                        principalTable: "imports",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                })
                .Annotation("Npgsql:UnloggedTable", true);

            // Staged bytes are read once and dropped: compressing them cost more CPU than writing them as they are, now
            // that they skip the WAL.
            migrationBuilder.Sql("ALTER TABLE import_chunks ALTER COLUMN data SET STORAGE EXTERNAL;");

            migrationBuilder.Sql("""
                INSERT INTO import_uploads (import_id, chunks, received_bytes, complete, error, updated_at)
                SELECT i.id, (SELECT count(*) FROM import_chunks c WHERE c.import_id = i.id), i.received_bytes, true, NULL, now()
                FROM imports i
                WHERE i.status IN ('Queued', 'Running');
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "import_uploads");

            migrationBuilder.Sql("ALTER TABLE import_chunks ALTER COLUMN data SET STORAGE EXTENDED;");

            migrationBuilder.AlterTable(
                name: "import_chunks")
                .OldAnnotation("Npgsql:UnloggedTable", true);
        }
    }
}
