CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
    "MigrationId" TEXT NOT NULL CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY,
    "ProductVersion" TEXT NOT NULL
);

CREATE TABLE "cases" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_cases" PRIMARY KEY,
    "Title" TEXT NOT NULL,
    "CreatedAtUtc" TEXT NOT NULL,
    "CreatedBy" TEXT NOT NULL
);

CREATE TABLE "checkpoints" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_checkpoints" PRIMARY KEY AUTOINCREMENT,
    "Size" INTEGER NOT NULL,
    "RootHash" TEXT NOT NULL,
    "Text" TEXT NOT NULL,
    "CreatedAtUtc" TEXT NOT NULL,
    "TimestampToken" BLOB NULL
);

CREATE TABLE "custody_events" (
    "Sequence" INTEGER NOT NULL CONSTRAINT "PK_custody_events" PRIMARY KEY,
    "OccurredAtUtc" TEXT NOT NULL,
    "Actor" TEXT NOT NULL,
    "Role" TEXT NOT NULL,
    "Action" TEXT NOT NULL,
    "EvidenceId" TEXT NULL,
    "Sha256" TEXT NULL,
    "Details" TEXT NOT NULL,
    "Leaf" TEXT NOT NULL,
    "LeafHash" TEXT NOT NULL
);

CREATE TABLE "merkle_nodes" (
    "Level" INTEGER NOT NULL,
    "Index" INTEGER NOT NULL,
    "Hash" BLOB NOT NULL,
    CONSTRAINT "PK_merkle_nodes" PRIMARY KEY ("Level", "Index")
);

CREATE TABLE "evidence_items" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_evidence_items" PRIMARY KEY,
    "CaseId" TEXT NULL,
    "Sha256" TEXT NOT NULL,
    "Size" INTEGER NOT NULL,
    "MediaType" TEXT NOT NULL,
    "OriginalName" TEXT NOT NULL,
    "Collector" TEXT NOT NULL,
    "Source" TEXT NULL,
    "CapturedAt" TEXT NULL,
    "IngestedAtUtc" TEXT NOT NULL,
    "IngestedBy" TEXT NOT NULL,
    "DuplicateOf" TEXT NULL,
    CONSTRAINT "FK_evidence_items_cases_CaseId" FOREIGN KEY ("CaseId") REFERENCES "cases" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_evidence_items_evidence_items_DuplicateOf" FOREIGN KEY ("DuplicateOf") REFERENCES "evidence_items" ("Id") ON DELETE RESTRICT
);

CREATE INDEX "IX_checkpoints_Size" ON "checkpoints" ("Size");

CREATE TRIGGER custody_events_no_update BEFORE UPDATE ON custody_events BEGIN SELECT RAISE(ABORT, 'custody_events is append-only'); END;

CREATE TRIGGER custody_events_no_delete BEFORE DELETE ON custody_events BEGIN SELECT RAISE(ABORT, 'custody_events is append-only'); END;

CREATE TRIGGER evidence_items_no_update BEFORE UPDATE ON evidence_items BEGIN SELECT RAISE(ABORT, 'evidence_items is append-only'); END;

CREATE TRIGGER evidence_items_no_delete BEFORE DELETE ON evidence_items BEGIN SELECT RAISE(ABORT, 'evidence_items is append-only'); END;

CREATE TRIGGER merkle_nodes_no_update BEFORE UPDATE ON merkle_nodes BEGIN SELECT RAISE(ABORT, 'merkle_nodes is append-only'); END;

CREATE TRIGGER merkle_nodes_no_delete BEFORE DELETE ON merkle_nodes BEGIN SELECT RAISE(ABORT, 'merkle_nodes is append-only'); END;

CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints is append-only'); END;

CREATE TRIGGER checkpoints_no_update BEFORE UPDATE OF Id, Size, RootHash, Text, CreatedAtUtc ON checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints is append-only'); END;

CREATE TRIGGER checkpoints_token_once BEFORE UPDATE OF TimestampToken ON checkpoints WHEN OLD.TimestampToken IS NOT NULL BEGIN SELECT RAISE(ABORT, 'a checkpoint keeps its first timestamp token'); END;

CREATE INDEX "IX_custody_events_EvidenceId" ON "custody_events" ("EvidenceId");

CREATE INDEX "IX_evidence_items_CaseId" ON "evidence_items" ("CaseId");

CREATE INDEX "IX_evidence_items_DuplicateOf" ON "evidence_items" ("DuplicateOf");

CREATE INDEX "IX_evidence_items_Sha256" ON "evidence_items" ("Sha256");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261123161405_Initial', '10.0.15');

ALTER TABLE "evidence_items" ADD "ExtractedText" TEXT NULL;

CREATE TABLE "incidents" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_incidents" PRIMARY KEY,
    "CaseId" TEXT NULL,
    "Title" TEXT NOT NULL,
    "Description" TEXT NULL,
    "Kind" TEXT NOT NULL,
    "PeriodFrom" TEXT NOT NULL,
    "PeriodTo" TEXT NULL,
    "Place" TEXT NOT NULL,
    "Region" TEXT NULL,
    "Country" TEXT NULL,
    "Latitude" REAL NULL,
    "Longitude" REAL NULL,
    "ChildrenAffected" INTEGER NULL,
    "Articles" TEXT NOT NULL,
    "CreatedAtUtc" TEXT NOT NULL,
    "CreatedBy" TEXT NOT NULL,
    CONSTRAINT "FK_incidents_cases_CaseId" FOREIGN KEY ("CaseId") REFERENCES "cases" ("Id") ON DELETE RESTRICT
);

CREATE TABLE "perpetrators" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_perpetrators" PRIMARY KEY,
    "Name" TEXT NOT NULL,
    "Kind" TEXT NOT NULL,
    "Position" TEXT NULL,
    "Affiliation" TEXT NULL,
    "Aliases" TEXT NOT NULL,
    "CreatedAtUtc" TEXT NOT NULL,
    "CreatedBy" TEXT NOT NULL
);

CREATE TABLE "victims" (
    "Code" TEXT NOT NULL CONSTRAINT "PK_victims" PRIMARY KEY,
    "AgeAtIncident" INTEGER NULL,
    "Sex" TEXT NULL,
    "Origin" TEXT NULL,
    "Status" TEXT NOT NULL,
    "ProtectedIdentity" BLOB NULL,
    "CreatedAtUtc" TEXT NOT NULL,
    "CreatedBy" TEXT NOT NULL
);

CREATE TABLE "perpetrator_links" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_perpetrator_links" PRIMARY KEY,
    "FromId" TEXT NOT NULL,
    "Relation" TEXT NOT NULL,
    "ToId" TEXT NOT NULL,
    "CreatedAtUtc" TEXT NOT NULL,
    "CreatedBy" TEXT NOT NULL,
    CONSTRAINT "FK_perpetrator_links_perpetrators_FromId" FOREIGN KEY ("FromId") REFERENCES "perpetrators" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_perpetrator_links_perpetrators_ToId" FOREIGN KEY ("ToId") REFERENCES "perpetrators" ("Id") ON DELETE RESTRICT
);

CREATE TABLE "evidence_tags" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_evidence_tags" PRIMARY KEY,
    "EvidenceId" TEXT NOT NULL,
    "IncidentId" TEXT NULL,
    "PerpetratorId" TEXT NULL,
    "VictimCode" TEXT NULL,
    "Elements" TEXT NOT NULL,
    "Note" TEXT NULL,
    "TaggedAtUtc" TEXT NOT NULL,
    "TaggedBy" TEXT NOT NULL,
    "RemovedAtUtc" TEXT NULL,
    "RemovedBy" TEXT NULL,
    "RemovalReason" TEXT NULL,
    CONSTRAINT "FK_evidence_tags_evidence_items_EvidenceId" FOREIGN KEY ("EvidenceId") REFERENCES "evidence_items" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_evidence_tags_incidents_IncidentId" FOREIGN KEY ("IncidentId") REFERENCES "incidents" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_evidence_tags_perpetrators_PerpetratorId" FOREIGN KEY ("PerpetratorId") REFERENCES "perpetrators" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_evidence_tags_victims_VictimCode" FOREIGN KEY ("VictimCode") REFERENCES "victims" ("Code") ON DELETE RESTRICT
);

CREATE INDEX "IX_evidence_tags_EvidenceId" ON "evidence_tags" ("EvidenceId");

CREATE INDEX "IX_evidence_tags_IncidentId" ON "evidence_tags" ("IncidentId");

CREATE INDEX "IX_evidence_tags_PerpetratorId" ON "evidence_tags" ("PerpetratorId");

CREATE INDEX "IX_evidence_tags_VictimCode" ON "evidence_tags" ("VictimCode");

CREATE INDEX "IX_incidents_CaseId" ON "incidents" ("CaseId");

CREATE INDEX "IX_perpetrator_links_FromId" ON "perpetrator_links" ("FromId");

CREATE INDEX "IX_perpetrator_links_ToId" ON "perpetrator_links" ("ToId");

CREATE INDEX "IX_perpetrators_Name" ON "perpetrators" ("Name");

CREATE TRIGGER incidents_no_update BEFORE UPDATE ON incidents BEGIN SELECT RAISE(ABORT, 'incidents is append-only'); END;

CREATE TRIGGER perpetrators_no_update BEFORE UPDATE ON perpetrators BEGIN SELECT RAISE(ABORT, 'perpetrators is append-only'); END;

CREATE TRIGGER perpetrator_links_no_update BEFORE UPDATE ON perpetrator_links BEGIN SELECT RAISE(ABORT, 'perpetrator_links is append-only'); END;

CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents BEGIN SELECT RAISE(ABORT, 'incidents is append-only'); END;

CREATE TRIGGER perpetrators_no_delete BEFORE DELETE ON perpetrators BEGIN SELECT RAISE(ABORT, 'perpetrators is append-only'); END;

CREATE TRIGGER perpetrator_links_no_delete BEFORE DELETE ON perpetrator_links BEGIN SELECT RAISE(ABORT, 'perpetrator_links is append-only'); END;

CREATE TRIGGER victims_no_delete BEFORE DELETE ON victims BEGIN SELECT RAISE(ABORT, 'victims is append-only'); END;

CREATE TRIGGER evidence_tags_no_delete BEFORE DELETE ON evidence_tags BEGIN SELECT RAISE(ABORT, 'evidence_tags is append-only'); END;

CREATE TRIGGER victims_no_update BEFORE UPDATE OF Code, AgeAtIncident, Sex, Origin, ProtectedIdentity, CreatedAtUtc, CreatedBy ON victims BEGIN SELECT RAISE(ABORT, 'a victim record is append-only except its status'); END;

CREATE TRIGGER evidence_tags_no_update BEFORE UPDATE OF Id, EvidenceId, IncidentId, PerpetratorId, VictimCode, Elements, Note, TaggedAtUtc, TaggedBy ON evidence_tags BEGIN SELECT RAISE(ABORT, 'a tag is append-only; withdraw it instead'); END;

CREATE TRIGGER evidence_tags_remove_once BEFORE UPDATE OF RemovedAtUtc, RemovedBy, RemovalReason ON evidence_tags WHEN OLD.RemovedAtUtc IS NOT NULL BEGIN SELECT RAISE(ABORT, 'a tag is withdrawn once'); END;

CREATE VIRTUAL TABLE search_text USING fts5(kind UNINDEXED, ref UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2');

INSERT INTO search_text (kind, ref, body) SELECT 'item', Id, OriginalName || ' ' || coalesce(Source, '') FROM evidence_items;

CREATE TRIGGER evidence_items_search AFTER INSERT ON evidence_items BEGIN INSERT INTO search_text (kind, ref, body) VALUES ('item', NEW.Id, NEW.OriginalName || ' ' || coalesce(NEW.Source, '') || ' ' || coalesce(NEW.ExtractedText, '')); END;

CREATE TRIGGER evidence_tags_search AFTER INSERT ON evidence_tags WHEN NEW.Note IS NOT NULL BEGIN INSERT INTO search_text (kind, ref, body) VALUES ('tag', NEW.Id, NEW.Note); END;

CREATE TRIGGER incidents_search AFTER INSERT ON incidents BEGIN INSERT INTO search_text (kind, ref, body) VALUES ('incident', NEW.Id, NEW.Title || ' ' || coalesce(NEW.Description, '') || ' ' || NEW.Place || ' ' || coalesce(NEW.Region, '')); END;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261123163725_CaseModel', '10.0.15');

CREATE TABLE "referral_packages" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_referral_packages" PRIMARY KEY,
    "IncidentId" TEXT NOT NULL,
    "PerpetratorId" TEXT NULL,
    "Recipient" TEXT NOT NULL,
    "RecipientName" TEXT NOT NULL,
    "RecipientAddress" TEXT NOT NULL,
    "RecipientReference" TEXT NULL,
    "Sha256" TEXT NOT NULL,
    "Bytes" INTEGER NOT NULL,
    "Items" INTEGER NOT NULL,
    "CheckpointSize" INTEGER NOT NULL,
    "IncludesIdentities" INTEGER NOT NULL,
    "FileName" TEXT NOT NULL,
    "CreatedAtUtc" TEXT NOT NULL,
    "CreatedBy" TEXT NOT NULL,
    CONSTRAINT "FK_referral_packages_incidents_IncidentId" FOREIGN KEY ("IncidentId") REFERENCES "incidents" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_referral_packages_perpetrators_PerpetratorId" FOREIGN KEY ("PerpetratorId") REFERENCES "perpetrators" ("Id") ON DELETE RESTRICT
);

CREATE TABLE "registration_numbers" (
    "EvidenceId" TEXT NOT NULL CONSTRAINT "PK_registration_numbers" PRIMARY KEY,
    "Ern" TEXT NOT NULL,
    "Batch" INTEGER NOT NULL,
    "Item" INTEGER NOT NULL,
    "PackageId" TEXT NOT NULL,
    "AssignedAtUtc" TEXT NOT NULL,
    CONSTRAINT "FK_registration_numbers_evidence_items_EvidenceId" FOREIGN KEY ("EvidenceId") REFERENCES "evidence_items" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_registration_numbers_referral_packages_PackageId" FOREIGN KEY ("PackageId") REFERENCES "referral_packages" ("Id") ON DELETE RESTRICT
);

CREATE INDEX "IX_referral_packages_IncidentId" ON "referral_packages" ("IncidentId");

CREATE INDEX "IX_referral_packages_PerpetratorId" ON "referral_packages" ("PerpetratorId");

CREATE UNIQUE INDEX "IX_registration_numbers_Batch_Item" ON "registration_numbers" ("Batch", "Item");

CREATE UNIQUE INDEX "IX_registration_numbers_Ern" ON "registration_numbers" ("Ern");

CREATE INDEX "IX_registration_numbers_PackageId" ON "registration_numbers" ("PackageId");

CREATE TRIGGER referral_packages_no_update BEFORE UPDATE ON referral_packages BEGIN SELECT RAISE(ABORT, 'referral_packages is append-only'); END;

CREATE TRIGGER referral_packages_no_delete BEFORE DELETE ON referral_packages BEGIN SELECT RAISE(ABORT, 'referral_packages is append-only'); END;

CREATE TRIGGER registration_numbers_no_update BEFORE UPDATE ON registration_numbers BEGIN SELECT RAISE(ABORT, 'registration_numbers is append-only'); END;

CREATE TRIGGER registration_numbers_no_delete BEFORE DELETE ON registration_numbers BEGIN SELECT RAISE(ABORT, 'registration_numbers is append-only'); END;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261123165715_ReferralPackages', '10.0.15');

CREATE TABLE "incident_referrals" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_incident_referrals" PRIMARY KEY,
    "IncidentId" TEXT NOT NULL,
    "Office" TEXT NOT NULL,
    "ReferredAtUtc" TEXT NOT NULL,
    "ReferredBy" TEXT NOT NULL,
    CONSTRAINT "FK_incident_referrals_incidents_IncidentId" FOREIGN KEY ("IncidentId") REFERENCES "incidents" ("Id") ON DELETE RESTRICT
);

CREATE UNIQUE INDEX "IX_incident_referrals_IncidentId_Office" ON "incident_referrals" ("IncidentId", "Office");

CREATE TRIGGER incident_referrals_no_update BEFORE UPDATE ON incident_referrals BEGIN SELECT RAISE(ABORT, 'incident_referrals is append-only'); END;

CREATE TRIGGER incident_referrals_no_delete BEFORE DELETE ON incident_referrals BEGIN SELECT RAISE(ABORT, 'incident_referrals is append-only'); END;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261123173206_IncidentReferrals', '10.0.15');

CREATE TABLE "case_members" (
    "CaseId" TEXT NOT NULL,
    "Member" TEXT NOT NULL,
    "AddedAtUtc" TEXT NOT NULL,
    "AddedBy" TEXT NOT NULL,
    CONSTRAINT "PK_case_members" PRIMARY KEY ("CaseId", "Member"),
    CONSTRAINT "FK_case_members_cases_CaseId" FOREIGN KEY ("CaseId") REFERENCES "cases" ("Id") ON DELETE RESTRICT
);

CREATE INDEX "IX_case_members_Member" ON "case_members" ("Member");

INSERT INTO case_members (CaseId, Member, AddedAtUtc, AddedBy) SELECT Id, CreatedBy, CreatedAtUtc, CreatedBy FROM cases;

CREATE TRIGGER case_members_no_update BEFORE UPDATE ON case_members BEGIN SELECT RAISE(ABORT, 'case_members is append-only'); END;

CREATE TRIGGER case_members_no_delete BEFORE DELETE ON case_members BEGIN SELECT RAISE(ABORT, 'case_members is append-only'); END;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261123181319_CaseMembers', '10.0.15');

ALTER TABLE "victims" ADD "CaseId" TEXT NULL;

CREATE INDEX "IX_victims_CaseId" ON "victims" ("CaseId");

DROP TRIGGER IF EXISTS victims_no_update;

CREATE TRIGGER victims_no_update BEFORE UPDATE ON victims BEGIN SELECT RAISE(ABORT, 'victims is append-only'); END;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261201221847_VictimCase', '10.0.15');

CREATE TABLE "item_metadata" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_item_metadata" PRIMARY KEY,
    "EvidenceId" TEXT NOT NULL,
    "Version" INTEGER NOT NULL,
    "Place" TEXT NULL,
    "Latitude" REAL NULL,
    "Longitude" REAL NULL,
    "Languages" TEXT NULL,
    "Generation" TEXT NULL,
    "OriginalHeldAt" TEXT NULL,
    "DerivedFrom" TEXT NULL,
    "SourceUrl" TEXT NULL,
    "RetrievedAt" TEXT NULL,
    "Device" TEXT NULL,
    "Consent" TEXT NULL,
    "ConsentScope" TEXT NULL,
    "WillingToTestify" INTEGER NULL,
    "Confidentiality" TEXT NOT NULL,
    "Reason" TEXT NULL,
    "StatedAtUtc" TEXT NOT NULL,
    "StatedBy" TEXT NOT NULL,
    CONSTRAINT "FK_item_metadata_evidence_items_DerivedFrom" FOREIGN KEY ("DerivedFrom") REFERENCES "evidence_items" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_item_metadata_evidence_items_EvidenceId" FOREIGN KEY ("EvidenceId") REFERENCES "evidence_items" ("Id") ON DELETE RESTRICT
);

CREATE INDEX "IX_item_metadata_DerivedFrom" ON "item_metadata" ("DerivedFrom");

CREATE UNIQUE INDEX "IX_item_metadata_EvidenceId_Version" ON "item_metadata" ("EvidenceId", "Version");

CREATE TRIGGER item_metadata_no_update BEFORE UPDATE ON item_metadata BEGIN SELECT RAISE(ABORT, 'item_metadata is append-only'); END;

CREATE TRIGGER item_metadata_no_delete BEFORE DELETE ON item_metadata BEGIN SELECT RAISE(ABORT, 'item_metadata is append-only'); END;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261202011925_ItemMetadata', '10.0.15');

ALTER TABLE "evidence_items" ADD "Provenance" TEXT NULL;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261202012914_ItemProvenance', '10.0.15');

ALTER TABLE "item_metadata" ADD "DerivedKind" TEXT NULL;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261202015310_DerivedKind', '10.0.15');

DROP INDEX "IX_registration_numbers_Batch_Item";

ALTER TABLE "registration_numbers" ADD "Suffix" TEXT NOT NULL DEFAULT '';

CREATE UNIQUE INDEX "IX_registration_numbers_Batch_Item_Suffix" ON "registration_numbers" ("Batch", "Item", "Suffix");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261202030836_ErnSuffix', '10.0.15');

ALTER TABLE "item_metadata" ADD "Salt" TEXT NULL;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261202043734_StatementSalt', '10.0.15');

ALTER TABLE "checkpoints" ADD "Cosignatures" TEXT NULL;

CREATE TRIGGER checkpoints_cosignatures_append BEFORE UPDATE OF Cosignatures ON checkpoints WHEN OLD.Cosignatures IS NOT NULL AND (NEW.Cosignatures IS NULL OR substr(NEW.Cosignatures, 1, length(OLD.Cosignatures)) <> OLD.Cosignatures) BEGIN SELECT RAISE(ABORT, 'a checkpoint keeps its cosignatures'); END;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261202135841_Cosignatures', '10.0.15');

ALTER TABLE "evidence_items" ADD "SearchWords" TEXT NULL;

DROP TRIGGER IF EXISTS evidence_items_search;

CREATE TRIGGER evidence_items_search AFTER INSERT ON evidence_items BEGIN INSERT INTO search_text (kind, ref, body) VALUES ('item', NEW.Id, NEW.OriginalName || ' ' || coalesce(NEW.Source, '') || ' ' || coalesce(NEW.SearchWords, '')); END;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261203004448_SealedText', '10.0.15');

