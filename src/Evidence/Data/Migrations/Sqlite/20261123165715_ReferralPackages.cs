using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Evidence.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ReferralPackages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "referral_packages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    IncidentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PerpetratorId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Recipient = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    RecipientName = table.Column<string>(type: "TEXT", nullable: false),
                    RecipientAddress = table.Column<string>(type: "TEXT", nullable: false),
                    RecipientReference = table.Column<string>(type: "TEXT", nullable: true),
                    Sha256 = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 64, nullable: false),
                    Bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    Items = table.Column<int>(type: "INTEGER", nullable: false),
                    CheckpointSize = table.Column<long>(type: "INTEGER", nullable: false),
                    IncludesIdentities = table.Column<bool>(type: "INTEGER", nullable: false),
                    FileName = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_referral_packages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_referral_packages_incidents_IncidentId",
                        column: x => x.IncidentId,
                        principalTable: "incidents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_referral_packages_perpetrators_PerpetratorId",
                        column: x => x.PerpetratorId,
                        principalTable: "perpetrators",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "registration_numbers",
                columns: table => new
                {
                    EvidenceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Ern = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Batch = table.Column<int>(type: "INTEGER", nullable: false),
                    Item = table.Column<int>(type: "INTEGER", nullable: false),
                    PackageId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AssignedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_registration_numbers", x => x.EvidenceId);
                    table.ForeignKey(
                        name: "FK_registration_numbers_evidence_items_EvidenceId",
                        column: x => x.EvidenceId,
                        principalTable: "evidence_items",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_registration_numbers_referral_packages_PackageId",
                        column: x => x.PackageId,
                        principalTable: "referral_packages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_referral_packages_IncidentId",
                table: "referral_packages",
                column: "IncidentId");

            migrationBuilder.CreateIndex(
                name: "IX_referral_packages_PerpetratorId",
                table: "referral_packages",
                column: "PerpetratorId");

            migrationBuilder.CreateIndex(
                name: "IX_registration_numbers_Batch_Item",
                table: "registration_numbers",
                columns: new[] { "Batch", "Item" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_registration_numbers_Ern",
                table: "registration_numbers",
                column: "Ern",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_registration_numbers_PackageId",
                table: "registration_numbers",
                column: "PackageId");

            // An issued package and a given registration number are facts a court may rely on: never edited, never removed.
            foreach (var table in new[] { "referral_packages", "registration_numbers" })
            {
                migrationBuilder.Sql($"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;");
                migrationBuilder.Sql($"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "registration_numbers");

            migrationBuilder.DropTable(
                name: "referral_packages");
        }
    }
}
