using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Evidence.Data.Migrations.Postgres
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
                type: "text",
                nullable: true);
            // Search reads an item's blind index (Search/SealedText.cs), never its extracted text, which is stored sealed.
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION search_text_add() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_TABLE_NAME = 'evidence_items' THEN
                        INSERT INTO search_text VALUES ('item', NEW."Id", to_tsvector('simple', unaccent(NEW."OriginalName" || ' ' || coalesce(NEW."Source", '') || ' ' || coalesce(NEW."SearchWords", ''))));
                    ELSIF TG_TABLE_NAME = 'evidence_tags' THEN
                        IF NEW."Note" IS NOT NULL THEN
                            INSERT INTO search_text VALUES ('tag', NEW."Id", to_tsvector('simple', unaccent(NEW."Note")));
                        END IF;
                    ELSE
                        INSERT INTO search_text VALUES ('incident', NEW."Id", to_tsvector('simple', unaccent(NEW."Title" || ' ' || coalesce(NEW."Description", '') || ' ' || NEW."Place" || ' ' || coalesce(NEW."Region", ''))));
                    END IF;
                    RETURN NEW;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION search_text_add() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_TABLE_NAME = 'evidence_items' THEN
                        INSERT INTO search_text VALUES ('item', NEW."Id", to_tsvector('simple', unaccent(NEW."OriginalName" || ' ' || coalesce(NEW."Source", '') || ' ' || coalesce(NEW."ExtractedText", ''))));
                    ELSIF TG_TABLE_NAME = 'evidence_tags' THEN
                        IF NEW."Note" IS NOT NULL THEN
                            INSERT INTO search_text VALUES ('tag', NEW."Id", to_tsvector('simple', unaccent(NEW."Note")));
                        END IF;
                    ELSE
                        INSERT INTO search_text VALUES ('incident', NEW."Id", to_tsvector('simple', unaccent(NEW."Title" || ' ' || coalesce(NEW."Description", '') || ' ' || NEW."Place" || ' ' || coalesce(NEW."Region", ''))));
                    END IF;
                    RETURN NEW;
                END $$;
                """);
            migrationBuilder.DropColumn(
                name: "SearchWords",
                table: "evidence_items");
        }
    }
}
