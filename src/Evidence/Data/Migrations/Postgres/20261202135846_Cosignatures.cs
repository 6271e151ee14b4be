using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Evidence.Data.Migrations.Postgres
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
                type: "text",
                nullable: true);
            // Cosignatures are only ever appended: what a witness signed stays as it signed it.
            migrationBuilder.Sql("""CREATE TRIGGER checkpoints_cosignatures_append BEFORE UPDATE OF "Cosignatures" ON checkpoints FOR EACH ROW WHEN (OLD."Cosignatures" IS NOT NULL AND (NEW."Cosignatures" IS NULL OR left(NEW."Cosignatures", length(OLD."Cosignatures")) <> OLD."Cosignatures")) EXECUTE FUNCTION evidence_refuse('a checkpoint keeps its cosignatures');""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER checkpoints_cosignatures_append ON checkpoints;");
            migrationBuilder.DropColumn(
                name: "Cosignatures",
                table: "checkpoints");
        }
    }
}
