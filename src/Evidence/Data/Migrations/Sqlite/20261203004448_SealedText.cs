using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Evidence.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SealedText : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "SearchWords",
                table: "evidence_items",
                type: "TEXT",
                nullable: true);
            // Search reads an item's blind index (Search/SealedText.cs), never its extracted text, which is stored sealed.
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS evidence_items_search;");
            migrationBuilder.Sql("CREATE TRIGGER evidence_items_search AFTER INSERT ON evidence_items BEGIN INSERT INTO search_text (kind, ref, body) VALUES ('item', NEW.Id, NEW.OriginalName || ' ' || coalesce(NEW.Source, '') || ' ' || coalesce(NEW.SearchWords, '')); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS evidence_items_search;");
            migrationBuilder.Sql("CREATE TRIGGER evidence_items_search AFTER INSERT ON evidence_items BEGIN INSERT INTO search_text (kind, ref, body) VALUES ('item', NEW.Id, NEW.OriginalName || ' ' || coalesce(NEW.Source, '') || ' ' || coalesce(NEW.ExtractedText, '')); END;");
            migrationBuilder.DropColumn(
                name: "SearchWords",
                table: "evidence_items");
        }
    }
}
