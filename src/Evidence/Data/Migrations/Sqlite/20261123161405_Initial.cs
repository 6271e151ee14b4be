using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Evidence.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "cases",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cases", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "checkpoints",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    RootHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Text = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    TimestampToken = table.Column<byte[]>(type: "BLOB", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_checkpoints", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "custody_events",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false),
                    OccurredAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Role = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    EvidenceId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Details = table.Column<string>(type: "TEXT", nullable: false),
                    Leaf = table.Column<string>(type: "TEXT", nullable: false),
                    LeafHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_custody_events", x => x.Sequence);
                });

            migrationBuilder.CreateTable(
                name: "merkle_nodes",
                columns: table => new
                {
                    Level = table.Column<int>(type: "INTEGER", nullable: false),
                    Index = table.Column<long>(type: "INTEGER", nullable: false),
                    Hash = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_merkle_nodes", x => new { x.Level, x.Index });
                });

            migrationBuilder.CreateTable(
                name: "evidence_items",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    CaseId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Sha256 = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 64, nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    MediaType = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    OriginalName = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: false),
                    Collector = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Source = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    CapturedAt = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    IngestedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    IngestedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    DuplicateOf = table.Column<Guid>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_evidence_items", x => x.Id);
                    table.ForeignKey(
                        name: "FK_evidence_items_cases_CaseId",
                        column: x => x.CaseId,
                        principalTable: "cases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_evidence_items_evidence_items_DuplicateOf",
                        column: x => x.DuplicateOf,
                        principalTable: "evidence_items",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_checkpoints_Size",
                table: "checkpoints",
                column: "Size");

            // The ledger's tables are append-only. The application never updates or deletes their rows; these
            // triggers make an accidental UPDATE or DELETE fail loudly. (A deliberate edit of the file is caught
            // by verify, not here.) A checkpoint may gain its timestamp token once, after it was signed.
            foreach (var table in new[] { "custody_events", "evidence_items", "merkle_nodes" })
            {
                migrationBuilder.Sql($"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;");
                migrationBuilder.Sql($"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;");
            }
            migrationBuilder.Sql("CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints is append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER checkpoints_no_update BEFORE UPDATE OF Id, Size, RootHash, Text, CreatedAtUtc ON checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints is append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER checkpoints_token_once BEFORE UPDATE OF TimestampToken ON checkpoints WHEN OLD.TimestampToken IS NOT NULL BEGIN SELECT RAISE(ABORT, 'a checkpoint keeps its first timestamp token'); END;");

            migrationBuilder.CreateIndex(
                name: "IX_custody_events_EvidenceId",
                table: "custody_events",
                column: "EvidenceId");

            migrationBuilder.CreateIndex(
                name: "IX_evidence_items_CaseId",
                table: "evidence_items",
                column: "CaseId");

            migrationBuilder.CreateIndex(
                name: "IX_evidence_items_DuplicateOf",
                table: "evidence_items",
                column: "DuplicateOf");

            migrationBuilder.CreateIndex(
                name: "IX_evidence_items_Sha256",
                table: "evidence_items",
                column: "Sha256");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "checkpoints");

            migrationBuilder.DropTable(
                name: "custody_events");

            migrationBuilder.DropTable(
                name: "evidence_items");

            migrationBuilder.DropTable(
                name: "merkle_nodes");

            migrationBuilder.DropTable(
                name: "cases");
        }
    }
}
