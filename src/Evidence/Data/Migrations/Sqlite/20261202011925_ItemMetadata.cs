using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Evidence.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ItemMetadata : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "item_metadata",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    EvidenceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    Place = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    Latitude = table.Column<double>(type: "REAL", nullable: true),
                    Longitude = table.Column<double>(type: "REAL", nullable: true),
                    Languages = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    Generation = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    OriginalHeldAt = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    DerivedFrom = table.Column<Guid>(type: "TEXT", nullable: true),
                    SourceUrl = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    RetrievedAt = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    Device = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    Consent = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    ConsentScope = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    WillingToTestify = table.Column<bool>(type: "INTEGER", nullable: true),
                    Confidentiality = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    StatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    StatedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_item_metadata", x => x.Id);
                    table.ForeignKey(
                        name: "FK_item_metadata_evidence_items_DerivedFrom",
                        column: x => x.DerivedFrom,
                        principalTable: "evidence_items",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_item_metadata_evidence_items_EvidenceId",
                        column: x => x.EvidenceId,
                        principalTable: "evidence_items",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_item_metadata_DerivedFrom",
                table: "item_metadata",
                column: "DerivedFrom");

            migrationBuilder.CreateIndex(
                name: "IX_item_metadata_EvidenceId_Version",
                table: "item_metadata",
                columns: new[] { "EvidenceId", "Version" },
                unique: true);

            // A statement about an item is never changed: an amendment is a new version (docs/case-model.md).
            migrationBuilder.Sql("CREATE TRIGGER item_metadata_no_update BEFORE UPDATE ON item_metadata BEGIN SELECT RAISE(ABORT, 'item_metadata is append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER item_metadata_no_delete BEFORE DELETE ON item_metadata BEGIN SELECT RAISE(ABORT, 'item_metadata is append-only'); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS item_metadata_no_update;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS item_metadata_no_delete;");
            migrationBuilder.DropTable(
                name: "item_metadata");
        }
    }
}
