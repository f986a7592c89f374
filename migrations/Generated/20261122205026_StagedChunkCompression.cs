using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GradingPortal.Migrations.Generated
{
    /// <summary>
    /// Staged chunks of text uploads are stored Brotli-compressed (the Api compresses, the Worker decompresses), marked per
    /// chunk; chunks staged before this, and zip uploads, stay as they are (false).
    /// </summary>
    public partial class StagedChunkCompression : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "compressed",
                table: "import_chunks",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "compressed",
                table: "import_chunks");
        }
    }
}
