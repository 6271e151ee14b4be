using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Evidence.Data.Migrations.Postgres
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Title = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cases", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "checkpoints",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Size = table.Column<long>(type: "bigint", nullable: false),
                    RootHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Text = table.Column<string>(type: "text", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    TimestampToken = table.Column<byte[]>(type: "bytea", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_checkpoints", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "custody_events",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "bigint", nullable: false),
                    OccurredAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Actor = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Role = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Action = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    EvidenceId = table.Column<Guid>(type: "uuid", nullable: true),
                    Sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Details = table.Column<string>(type: "text", nullable: false),
                    Leaf = table.Column<string>(type: "text", nullable: false),
                    LeafHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_custody_events", x => x.Sequence);
                });

            migrationBuilder.CreateTable(
                name: "merkle_nodes",
                columns: table => new
                {
                    Level = table.Column<int>(type: "integer", nullable: false),
                    Index = table.Column<long>(type: "bigint", nullable: false),
                    Hash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_merkle_nodes", x => new { x.Level, x.Index });
                });

            migrationBuilder.CreateTable(
                name: "perpetrators",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    Kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Position = table.Column<string>(type: "text", nullable: true),
                    Affiliation = table.Column<string>(type: "text", nullable: true),
                    Aliases = table.Column<List<string>>(type: "text[]", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_perpetrators", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "victims",
                columns: table => new
                {
                    Code = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    AgeAtIncident = table.Column<int>(type: "integer", nullable: true),
                    Sex = table.Column<string>(type: "text", nullable: true),
                    Origin = table.Column<string>(type: "text", nullable: true),
                    Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    ProtectedIdentity = table.Column<byte[]>(type: "bytea", nullable: true),
                    CreatedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_victims", x => x.Code);
                });

            migrationBuilder.CreateTable(
                name: "case_members",
                columns: table => new
                {
                    CaseId = table.Column<Guid>(type: "uuid", nullable: false),
                    Member = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    AddedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    AddedBy = table.Column<string>(type: "text", nullable: false)
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

            migrationBuilder.CreateTable(
                name: "evidence_items",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    CaseId = table.Column<Guid>(type: "uuid", nullable: true),
                    Sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    Size = table.Column<long>(type: "bigint", nullable: false),
                    MediaType = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    OriginalName = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: false),
                    Collector = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Source = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    CapturedAt = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    IngestedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    IngestedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    ExtractedText = table.Column<string>(type: "text", nullable: true),
                    DuplicateOf = table.Column<Guid>(type: "uuid", nullable: true)
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

            migrationBuilder.CreateTable(
                name: "incidents",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    CaseId = table.Column<Guid>(type: "uuid", nullable: true),
                    Title = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    Description = table.Column<string>(type: "text", nullable: true),
                    Kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    PeriodFrom = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    PeriodTo = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    Place = table.Column<string>(type: "text", nullable: false),
                    Region = table.Column<string>(type: "text", nullable: true),
                    Country = table.Column<string>(type: "text", nullable: true),
                    Latitude = table.Column<double>(type: "double precision", nullable: true),
                    Longitude = table.Column<double>(type: "double precision", nullable: true),
                    ChildrenAffected = table.Column<int>(type: "integer", nullable: true),
                    Articles = table.Column<List<string>>(type: "text[]", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "text", nullable: false)
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
                name: "perpetrator_links",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    FromId = table.Column<Guid>(type: "uuid", nullable: false),
                    Relation = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    ToId = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "text", nullable: false)
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    EvidenceId = table.Column<Guid>(type: "uuid", nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: true),
                    PerpetratorId = table.Column<Guid>(type: "uuid", nullable: true),
                    VictimCode = table.Column<string>(type: "character varying(16)", nullable: true),
                    Elements = table.Column<List<string>>(type: "text[]", nullable: false),
                    Note = table.Column<string>(type: "text", nullable: true),
                    TaggedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    TaggedBy = table.Column<string>(type: "text", nullable: false),
                    RemovedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    RemovedBy = table.Column<string>(type: "text", nullable: true),
                    RemovalReason = table.Column<string>(type: "text", nullable: true)
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

            migrationBuilder.CreateTable(
                name: "incident_referrals",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: false),
                    Office = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    ReferredAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ReferredBy = table.Column<string>(type: "text", nullable: false)
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

            migrationBuilder.CreateTable(
                name: "referral_packages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    IncidentId = table.Column<Guid>(type: "uuid", nullable: false),
                    PerpetratorId = table.Column<Guid>(type: "uuid", nullable: true),
                    Recipient = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    RecipientName = table.Column<string>(type: "text", nullable: false),
                    RecipientAddress = table.Column<string>(type: "text", nullable: false),
                    RecipientReference = table.Column<string>(type: "text", nullable: true),
                    Sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    Bytes = table.Column<long>(type: "bigint", nullable: false),
                    Items = table.Column<int>(type: "integer", nullable: false),
                    CheckpointSize = table.Column<long>(type: "bigint", nullable: false),
                    IncludesIdentities = table.Column<bool>(type: "boolean", nullable: false),
                    FileName = table.Column<string>(type: "text", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "text", nullable: false)
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
                    EvidenceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Ern = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Batch = table.Column<int>(type: "integer", nullable: false),
                    Item = table.Column<int>(type: "integer", nullable: false),
                    PackageId = table.Column<Guid>(type: "uuid", nullable: false),
                    AssignedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                name: "IX_case_members_Member",
                table: "case_members",
                column: "Member");

            migrationBuilder.CreateIndex(
                name: "IX_checkpoints_Size",
                table: "checkpoints",
                column: "Size");

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
                name: "IX_incident_referrals_IncidentId_Office",
                table: "incident_referrals",
                columns: new[] { "IncidentId", "Office" },
                unique: true);

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

            // The same rules as the SQLite migrations, in PostgreSQL's words. The ledger's and the case model's tables
            // are append-only: an UPDATE, DELETE or TRUNCATE fails loudly (a deliberate edit of the database is caught
            // by verify, not here). A checkpoint may gain its timestamp token once; a tag may be withdrawn once; a
            // victim's status may change.
            migrationBuilder.Sql("""
                CREATE FUNCTION evidence_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
                END $$;
                """);
            foreach (var table in new[] { "custody_events", "evidence_items", "merkle_nodes", "incidents", "perpetrators", "perpetrator_links",
                "referral_packages", "registration_numbers", "incident_referrals", "case_members" })
            {
                migrationBuilder.Sql($"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION evidence_refuse('{table} is append-only');");
            }
            foreach (var table in new[] { "custody_events", "evidence_items", "merkle_nodes", "checkpoints", "incidents", "perpetrators", "perpetrator_links",
                "victims", "evidence_tags", "referral_packages", "registration_numbers", "incident_referrals", "case_members" })
            {
                migrationBuilder.Sql($"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION evidence_refuse('{table} is append-only');");
                migrationBuilder.Sql($"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION evidence_refuse('{table} is append-only');");
            }
            migrationBuilder.Sql("""CREATE TRIGGER checkpoints_no_update BEFORE UPDATE OF "Id", "Size", "RootHash", "Text", "CreatedAtUtc" ON checkpoints FOR EACH ROW EXECUTE FUNCTION evidence_refuse('checkpoints is append-only');""");
            migrationBuilder.Sql("""CREATE TRIGGER checkpoints_token_once BEFORE UPDATE OF "TimestampToken" ON checkpoints FOR EACH ROW WHEN (OLD."TimestampToken" IS NOT NULL) EXECUTE FUNCTION evidence_refuse('a checkpoint keeps its first timestamp token');""");
            migrationBuilder.Sql("""CREATE TRIGGER victims_no_update BEFORE UPDATE OF "Code", "AgeAtIncident", "Sex", "Origin", "ProtectedIdentity", "CreatedAtUtc", "CreatedBy" ON victims FOR EACH ROW EXECUTE FUNCTION evidence_refuse('a victim record is append-only except its status');""");
            migrationBuilder.Sql("""CREATE TRIGGER evidence_tags_no_update BEFORE UPDATE OF "Id", "EvidenceId", "IncidentId", "PerpetratorId", "VictimCode", "Elements", "Note", "TaggedAtUtc", "TaggedBy" ON evidence_tags FOR EACH ROW EXECUTE FUNCTION evidence_refuse('a tag is append-only; withdraw it instead');""");
            migrationBuilder.Sql("""CREATE TRIGGER evidence_tags_remove_once BEFORE UPDATE OF "RemovedAtUtc", "RemovedBy", "RemovalReason" ON evidence_tags FOR EACH ROW WHEN (OLD."RemovedAtUtc" IS NOT NULL) EXECUTE FUNCTION evidence_refuse('a tag is withdrawn once');""");

            // Full-text search over what people wrote and what documents say, filled by triggers so that no write path
            // can forget it, with diacritics folded (unaccent, a trusted extension) like SQLite's unicode61 tokenizer.
            migrationBuilder.Sql("CREATE EXTENSION IF NOT EXISTS unaccent;");
            migrationBuilder.Sql("CREATE TABLE search_text (kind text NOT NULL, ref uuid NOT NULL, body tsvector NOT NULL);");
            migrationBuilder.Sql("CREATE INDEX search_text_body ON search_text USING gin (body);");
            migrationBuilder.Sql("""
                CREATE FUNCTION search_text_add() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_TABLE_NAME = 'evidence_items' THEN
                        INSERT INTO search_text VALUES ('item', NEW."Id", to_tsvector('simple', unaccent(NEW."OriginalName" || ' ' || coalesce(NEW."Source", '') || ' ' || coalesce(NEW."ExtractedText", ''))));
                    ELSIF TG_TABLE_NAME = 'evidence_tags' THEN
                        IF NEW."Note" IS NOT NULL THEN
                            INSERT INTO search_text VALUES ('tag', NEW."Id", to_tsvector('simple', unaccent(NEW."Note")));
                        END IF;
                    ELSE
                        INSERT INTO search_text VALUES ('incident', NEW."Id", to_tsvector('simple', unaccent(NEW."Title" || ' ' || coalesce(NEW."Description", '') || ' ' || NEW."Place" || ' ' || coalesce(NEW."Region", ''))));
                    END IF;
                    RETURN NEW;
                END $$;
                """);
            foreach (var table in new[] { "evidence_items", "evidence_tags", "incidents" })
            {
                migrationBuilder.Sql($"CREATE TRIGGER {table}_search AFTER INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION search_text_add();");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE IF EXISTS search_text;");
            migrationBuilder.DropTable(
                name: "case_members");

            migrationBuilder.DropTable(
                name: "checkpoints");

            migrationBuilder.DropTable(
                name: "custody_events");

            migrationBuilder.DropTable(
                name: "evidence_tags");

            migrationBuilder.DropTable(
                name: "incident_referrals");

            migrationBuilder.DropTable(
                name: "merkle_nodes");

            migrationBuilder.DropTable(
                name: "perpetrator_links");

            migrationBuilder.DropTable(
                name: "registration_numbers");

            migrationBuilder.DropTable(
                name: "victims");

            migrationBuilder.DropTable(
                name: "evidence_items");

            migrationBuilder.DropTable(
                name: "referral_packages");

            migrationBuilder.DropTable(
                name: "incidents");

            migrationBuilder.DropTable(
                name: "perpetrators");

            migrationBuilder.DropTable(
                name: "cases");
        }
    }
}
