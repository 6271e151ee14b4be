using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Evidence.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CaseMembers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "case_members",
                columns: table => new
                {
                    CaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Member = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    AddedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    AddedBy = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_case_members", x => new { x.CaseId, x.Member });
                    table.ForeignKey(
                        name: "FK_case_members_cases_CaseId",
                        column: x => x.CaseId,
                        principalTable: "cases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_case_members_Member",
                table: "case_members",
                column: "Member");

            // Until now every investigator saw every case; from now on the one who opened a case is its first member.
            migrationBuilder.Sql("INSERT INTO case_members (CaseId, Member, AddedAtUtc, AddedBy) SELECT Id, CreatedBy, CreatedAtUtc, CreatedBy FROM cases;");
            // Membership is part of who could have seen what: never rewritten or removed.
            migrationBuilder.Sql("CREATE TRIGGER case_members_no_update BEFORE UPDATE ON case_members BEGIN SELECT RAISE(ABORT, 'case_members is append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER case_members_no_delete BEFORE DELETE ON case_members BEGIN SELECT RAISE(ABORT, 'case_members is append-only'); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "case_members");
        }
    }
}
