using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Evidence.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DerivedKind : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "DerivedKind",
                table: "item_metadata",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "DerivedKind",
                table: "item_metadata");
        }
    }
}
