using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Evidence.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class IncidentReferrals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "incident_referrals",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    IncidentId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Office = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    ReferredAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ReferredBy = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_incident_referrals", x => x.Id);
                    table.ForeignKey(
                        name: "FK_incident_referrals_incidents_IncidentId",
                        column: x => x.IncidentId,
                        principalTable: "incidents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_incident_referrals_IncidentId_Office",
                table: "incident_referrals",
                columns: new[] { "IncidentId", "Office" },
                unique: true);

            // A referral decides who may see an incident; it is never quietly withdrawn.
            migrationBuilder.Sql("CREATE TRIGGER incident_referrals_no_update BEFORE UPDATE ON incident_referrals BEGIN SELECT RAISE(ABORT, 'incident_referrals is append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER incident_referrals_no_delete BEFORE DELETE ON incident_referrals BEGIN SELECT RAISE(ABORT, 'incident_referrals is append-only'); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "incident_referrals");
        }
    }
}
