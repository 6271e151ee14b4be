using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Evidence.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Cosignatures : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Cosignatures",
                table: "checkpoints",
                type: "TEXT",
                nullable: true);
            // Cosignatures are only ever appended: what a witness signed stays as it signed it.
            migrationBuilder.Sql("CREATE TRIGGER checkpoints_cosignatures_append BEFORE UPDATE OF Cosignatures ON checkpoints WHEN OLD.Cosignatures IS NOT NULL " +
                                 "AND (NEW.Cosignatures IS NULL OR substr(NEW.Cosignatures, 1, length(OLD.Cosignatures)) <> OLD.Cosignatures) " +
                                 "BEGIN SELECT RAISE(ABORT, 'a checkpoint keeps its cosignatures'); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER checkpoints_cosignatures_append;");
            migrationBuilder.DropColumn(
                name: "Cosignatures",
                table: "checkpoints");
        }
    }
}
