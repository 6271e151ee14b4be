using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Evidence.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class VictimCase : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "CaseId",
                table: "victims",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_victims_CaseId",
                table: "victims",
                column: "CaseId");

            // A victim's status was the one column left updatable, and nothing ever updated it: the ledger records a
            // victim once, so the whole row is append-only now, the new case column included.
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS victims_no_update ON victims;");
            migrationBuilder.Sql("CREATE TRIGGER victims_no_update BEFORE UPDATE ON victims FOR EACH ROW EXECUTE FUNCTION evidence_refuse('victims is append-only');");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS victims_no_update ON victims;");
            migrationBuilder.Sql("""CREATE TRIGGER victims_no_update BEFORE UPDATE OF "Code", "AgeAtIncident", "Sex", "Origin", "ProtectedIdentity", "CreatedAtUtc", "CreatedBy" ON victims FOR EACH ROW EXECUTE FUNCTION evidence_refuse('a victim record is append-only except its status');""");
            migrationBuilder.DropIndex(
                name: "IX_victims_CaseId",
                table: "victims");

            migrationBuilder.DropColumn(
                name: "CaseId",
                table: "victims");
        }
    }
}
