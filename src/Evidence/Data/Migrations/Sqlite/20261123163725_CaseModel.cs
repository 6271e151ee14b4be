using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Evidence.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CaseModel : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ExtractedText",
                table: "evidence_items",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "incidents",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    CaseId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Title = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    Description = table.Column<string>(type: "TEXT", nullable: true),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    PeriodFrom = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    PeriodTo = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    Place = table.Column<string>(type: "TEXT", nullable: false),
                    Region = table.Column<string>(type: "TEXT", nullable: true),
                    Country = table.Column<string>(type: "TEXT", nullable: true),
                    Latitude = table.Column<double>(type: "REAL", nullable: true),
                    Longitude = table.Column<double>(type: "REAL", nullable: true),
                    ChildrenAffected = table.Column<int>(type: "INTEGER", nullable: true),
                    Articles = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_incidents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_incidents_cases_CaseId",
                        column: x => x.CaseId,
                        principalTable: "cases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "perpetrators",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Position = table.Column<string>(type: "TEXT", nullable: true),
                    Affiliation = table.Column<string>(type: "TEXT", nullable: true),
                    Aliases = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_perpetrators", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "victims",
                columns: table => new
                {
                    Code = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    AgeAtIncident = table.Column<int>(type: "INTEGER", nullable: true),
                    Sex = table.Column<string>(type: "TEXT", nullable: true),
                    Origin = table.Column<string>(type: "TEXT", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    ProtectedIdentity = table.Column<byte[]>(type: "BLOB", nullable: true),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_victims", x => x.Code);
                });

            migrationBuilder.CreateTable(
                name: "perpetrator_links",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    FromId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Relation = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    ToId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_perpetrator_links", x => x.Id);
                    table.ForeignKey(
                        name: "FK_perpetrator_links_perpetrators_FromId",
                        column: x => x.FromId,
                        principalTable: "perpetrators",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_perpetrator_links_perpetrators_ToId",
                        column: x => x.ToId,
                        principalTable: "perpetrators",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "evidence_tags",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    EvidenceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    IncidentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    PerpetratorId = table.Column<Guid>(type: "TEXT", nullable: true),
                    VictimCode = table.Column<string>(type: "TEXT", nullable: true),
                    Elements = table.Column<string>(type: "TEXT", nullable: false),
                    Note = table.Column<string>(type: "TEXT", nullable: true),
                    TaggedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    TaggedBy = table.Column<string>(type: "TEXT", nullable: false),
                    RemovedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RemovedBy = table.Column<string>(type: "TEXT", nullable: true),
                    RemovalReason = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_evidence_tags", x => x.Id);
                    table.ForeignKey(
                        name: "FK_evidence_tags_evidence_items_EvidenceId",
                        column: x => x.EvidenceId,
                        principalTable: "evidence_items",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_evidence_tags_incidents_IncidentId",
                        column: x => x.IncidentId,
                        principalTable: "incidents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_evidence_tags_perpetrators_PerpetratorId",
                        column: x => x.PerpetratorId,
                        principalTable: "perpetrators",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_evidence_tags_victims_VictimCode",
                        column: x => x.VictimCode,
                        principalTable: "victims",
                        principalColumn: "Code",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_evidence_tags_EvidenceId",
                table: "evidence_tags",
                column: "EvidenceId");

            migrationBuilder.CreateIndex(
                name: "IX_evidence_tags_IncidentId",
                table: "evidence_tags",
                column: "IncidentId");

            migrationBuilder.CreateIndex(
                name: "IX_evidence_tags_PerpetratorId",
                table: "evidence_tags",
                column: "PerpetratorId");

            migrationBuilder.CreateIndex(
                name: "IX_evidence_tags_VictimCode",
                table: "evidence_tags",
                column: "VictimCode");

            migrationBuilder.CreateIndex(
                name: "IX_incidents_CaseId",
                table: "incidents",
                column: "CaseId");

            migrationBuilder.CreateIndex(
                name: "IX_perpetrator_links_FromId",
                table: "perpetrator_links",
                column: "FromId");

            migrationBuilder.CreateIndex(
                name: "IX_perpetrator_links_ToId",
                table: "perpetrator_links",
                column: "ToId");

            migrationBuilder.CreateIndex(
                name: "IX_perpetrators_Name",
                table: "perpetrators",
                column: "Name");

            // The case model is append-only like the ledger: nothing is hard-deleted, corrections are new rows or
            // custody events. A tag may be withdrawn once (its Removed* columns); a victim's status may change.
            foreach (var table in new[] { "incidents", "perpetrators", "perpetrator_links" })
            {
                migrationBuilder.Sql($"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;");
            }
            foreach (var table in new[] { "incidents", "perpetrators", "perpetrator_links", "victims", "evidence_tags" })
            {
                migrationBuilder.Sql($"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;");
            }
            migrationBuilder.Sql("CREATE TRIGGER victims_no_update BEFORE UPDATE OF Code, AgeAtIncident, Sex, Origin, ProtectedIdentity, CreatedAtUtc, CreatedBy ON victims BEGIN SELECT RAISE(ABORT, 'a victim record is append-only except its status'); END;");
            migrationBuilder.Sql("CREATE TRIGGER evidence_tags_no_update BEFORE UPDATE OF Id, EvidenceId, IncidentId, PerpetratorId, VictimCode, Elements, Note, TaggedAtUtc, TaggedBy ON evidence_tags BEGIN SELECT RAISE(ABORT, 'a tag is append-only; withdraw it instead'); END;");
            migrationBuilder.Sql("CREATE TRIGGER evidence_tags_remove_once BEFORE UPDATE OF RemovedAtUtc, RemovedBy, RemovalReason ON evidence_tags WHEN OLD.RemovedAtUtc IS NOT NULL BEGIN SELECT RAISE(ABORT, 'a tag is withdrawn once'); END;");

            // Full-text search (FTS5) over what people wrote and what documents say, filled by triggers so that no
            // write path can forget it. Rows name what matched: an item, a tag (its note) or an incident.
            migrationBuilder.Sql("CREATE VIRTUAL TABLE search_text USING fts5(kind UNINDEXED, ref UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2');");
            migrationBuilder.Sql("INSERT INTO search_text (kind, ref, body) SELECT 'item', Id, OriginalName || ' ' || coalesce(Source, '') FROM evidence_items;");
            migrationBuilder.Sql("CREATE TRIGGER evidence_items_search AFTER INSERT ON evidence_items BEGIN INSERT INTO search_text (kind, ref, body) VALUES ('item', NEW.Id, NEW.OriginalName || ' ' || coalesce(NEW.Source, '') || ' ' || coalesce(NEW.ExtractedText, '')); END;");
            migrationBuilder.Sql("CREATE TRIGGER evidence_tags_search AFTER INSERT ON evidence_tags WHEN NEW.Note IS NOT NULL BEGIN INSERT INTO search_text (kind, ref, body) VALUES ('tag', NEW.Id, NEW.Note); END;");
            migrationBuilder.Sql("CREATE TRIGGER incidents_search AFTER INSERT ON incidents BEGIN INSERT INTO search_text (kind, ref, body) VALUES ('incident', NEW.Id, NEW.Title || ' ' || coalesce(NEW.Description, '') || ' ' || NEW.Place || ' ' || coalesce(NEW.Region, '')); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS evidence_items_search;");
            migrationBuilder.Sql("DROP TABLE IF EXISTS search_text;");
            migrationBuilder.DropTable(
                name: "evidence_tags");

            migrationBuilder.DropTable(
                name: "perpetrator_links");

            migrationBuilder.DropTable(
                name: "incidents");

            migrationBuilder.DropTable(
                name: "victims");

            migrationBuilder.DropTable(
                name: "perpetrators");

            migrationBuilder.DropColumn(
                name: "ExtractedText",
                table: "evidence_items");
        }
    }
}
