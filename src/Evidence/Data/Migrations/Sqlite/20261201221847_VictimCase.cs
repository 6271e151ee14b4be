using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Evidence.Data.Migrations.Sqlite
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
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_victims_CaseId",
                table: "victims",
                column: "CaseId");

            // A victim's status was the one column left updatable, and nothing ever updated it: the ledger records a
            // victim once, so the whole row is append-only now, the new case column included.
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS victims_no_update;");
            migrationBuilder.Sql("CREATE TRIGGER victims_no_update BEFORE UPDATE ON victims BEGIN SELECT RAISE(ABORT, 'victims is append-only'); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS victims_no_update;");
            migrationBuilder.Sql("CREATE TRIGGER victims_no_update BEFORE UPDATE OF Code, AgeAtIncident, Sex, Origin, ProtectedIdentity, CreatedAtUtc, CreatedBy ON victims BEGIN SELECT RAISE(ABORT, 'a victim record is append-only except its status'); END;");
            migrationBuilder.DropIndex(
                name: "IX_victims_CaseId",
                table: "victims");

            migrationBuilder.DropColumn(
                name: "CaseId",
                table: "victims");
        }
    }
}
