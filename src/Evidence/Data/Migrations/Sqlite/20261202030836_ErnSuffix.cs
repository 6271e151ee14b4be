using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Evidence.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ErnSuffix : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A derived item's number is its original's with a suffix (UKR-EVD-0001-0042-T01): it shares the original's batch and
            // item, so those two no longer identify a row alone. The table's append-only triggers (ReferralPackages) stay as they
            // are: adding a column neither drops them nor fires them, and they cover every column.
            migrationBuilder.DropIndex(
                name: "IX_registration_numbers_Batch_Item",
                table: "registration_numbers");

            migrationBuilder.AddColumn<string>(
                name: "Suffix",
                table: "registration_numbers",
                type: "TEXT",
                maxLength: 40,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateIndex(
                name: "IX_registration_numbers_Batch_Item_Suffix",
                table: "registration_numbers",
                columns: new[] { "Batch", "Item", "Suffix" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_registration_numbers_Batch_Item_Suffix",
                table: "registration_numbers");

            migrationBuilder.DropColumn(
                name: "Suffix",
                table: "registration_numbers");

            migrationBuilder.CreateIndex(
                name: "IX_registration_numbers_Batch_Item",
                table: "registration_numbers",
                columns: new[] { "Batch", "Item" },
                unique: true);
        }
    }
}
