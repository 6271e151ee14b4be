using System.Globalization;
using Evidence.Accounts;
using Evidence.Domain;
using static Evidence.Custody.Fact;

namespace Evidence.Custody;

/// <summary>
/// The one place that says which custody event vouches for which column of which table (ARCHITECTURE §4, "the ledger
/// is the record"). Every fact a page, an API answer or a package shows is here, carried in an event's leaf or bound to
/// it by a hash; handlers record their events' details from these definitions, and verify rebuilds every table from
/// the ledger with them. A column added to a table and not added here is a column an insider can forge unseen.
/// docs/ledger.md lists the same, for readers without our code.
/// </summary>
internal static class Projections
{
    public static readonly Projection<EvidenceItem> Items = new("evidence_items", db => db.EvidenceItems, i => Id(i.Id)!,
        new Writer<EvidenceItem>("Ingested", (e, _) => Id(e.EvidenceId), Creates: true,
        [
            EvidenceId<EvidenceItem>("Id", i => Id(i.Id)),
            Sha256Field<EvidenceItem>("Sha256", i => i.Sha256),
            Actor<EvidenceItem>("IngestedBy", i => i.IngestedBy),
            Value<EvidenceItem>("IngestedAtUtc", "at", i => Time(i.IngestedAtUtc)),
            Value<EvidenceItem>("Size", "size", i => Number(i.Size)),
            Value<EvidenceItem>("MediaType", "mediaType", i => i.MediaType),
            Value<EvidenceItem>("CaseId", "case", i => Id(i.CaseId)),
            Value<EvidenceItem>("DuplicateOf", "duplicateOf", i => Id(i.DuplicateOf)),
            Value<EvidenceItem>("CapturedAt", "capturedAt", i => i.CapturedAt),
            Hashed<EvidenceItem>("OriginalName", "nameSha256", i => i.OriginalName),
            Hashed<EvidenceItem>("Collector", "collectorSha256", i => i.Collector),
            Hashed<EvidenceItem>("Source", "sourceSha256", i => i.Source),
            // What full-text search finds an item by; derived from the bytes, and bound so that it cannot be planted. Both sealed
            // (Search/SealedText.cs): the hashes are of the stored values, like a victim's sealed identity.
            Hashed<EvidenceItem>("ExtractedText", "textSha256", i => i.ExtractedText),
            Hashed<EvidenceItem>("SearchWords", "wordsSha256", i => i.SearchWords),
            // What the file said about itself at intake, so that a verdict cannot be improved afterwards.
            Hashed<EvidenceItem>("Provenance", "provenanceSha256", i => i.Provenance),
        ]),
        // An item recorded before sealing existed, its text sealed and its index made blind by `evidence encrypt-existing`.
        new Writer<EvidenceItem>("TextSealed", (e, _) => Id(e.EvidenceId), Creates: false,
        [
            Hashed<EvidenceItem>("ExtractedText", "textSha256", i => i.ExtractedText),
            Hashed<EvidenceItem>("SearchWords", "wordsSha256", i => i.SearchWords),
        ]));

    public static readonly Projection<EvidenceTag> Tags = new("evidence_tags", db => db.EvidenceTags, t => Id(t.Id)!,
        new Writer<EvidenceTag>("Tagged", (_, d) => d.GetValueOrDefault("tag"), Creates: true,
        [
            Value<EvidenceTag>("Id", "tag", t => Id(t.Id)),
            EvidenceId<EvidenceTag>("EvidenceId", t => Id(t.EvidenceId)),
            Actor<EvidenceTag>("TaggedBy", t => t.TaggedBy),
            Value<EvidenceTag>("TaggedAtUtc", "at", t => Time(t.TaggedAtUtc)),
            Value<EvidenceTag>("IncidentId", "incident", t => Id(t.IncidentId)),
            Value<EvidenceTag>("PerpetratorId", "perpetrator", t => Id(t.PerpetratorId)),
            Value<EvidenceTag>("VictimCode", "victim", t => t.VictimCode),
            Value<EvidenceTag>("Elements", "elements", t => Joined(t.Elements, " ")),
            Hashed<EvidenceTag>("Note", "noteSha256", t => t.Note),
        ]),
        new Writer<EvidenceTag>("Untagged", (_, d) => d.GetValueOrDefault("tag"), Creates: false,
        [
            Actor<EvidenceTag>("RemovedBy", t => t.RemovedBy),
            Value<EvidenceTag>("RemovedAtUtc", "at", t => Time(t.RemovedAtUtc)),
            Hashed<EvidenceTag>("RemovalReason", "reasonSha256", t => t.RemovalReason),
        ]));

    public static readonly Projection<Case> Cases = new("cases", db => db.Cases, c => Id(c.Id)!,
        new Writer<Case>("CaseOpened", (_, d) => d.GetValueOrDefault("case"), Creates: true,
        [
            Value<Case>("Id", "case", c => Id(c.Id)),
            Actor<Case>("CreatedBy", c => c.CreatedBy),
            Value<Case>("CreatedAtUtc", "at", c => Time(c.CreatedAtUtc)),
            Hashed<Case>("Title", "titleSha256", c => c.Title),
        ]));

    // The one who opens a case is its first member, recorded by the CaseOpened event itself.
    public static readonly Projection<CaseMember> CaseMembers = new("case_members", db => db.CaseMembers, m => MemberKey(Id(m.CaseId), m.Member)!,
        new Writer<CaseMember>("CaseOpened", (e, d) => MemberKey(d.GetValueOrDefault("case"), e.Actor), Creates: true,
        [
            Value<CaseMember>("CaseId", "case", m => Id(m.CaseId)),
            new("Member", m => m.Member, null, (e, _) => e.Actor),
            Actor<CaseMember>("AddedBy", m => m.AddedBy),
            Value<CaseMember>("AddedAtUtc", "at", m => Time(m.AddedAtUtc)),
        ]),
        new Writer<CaseMember>("CaseMemberAdded", (_, d) => MemberKey(d.GetValueOrDefault("case"), d.GetValueOrDefault("member")), Creates: true,
        [
            Value<CaseMember>("CaseId", "case", m => Id(m.CaseId)),
            Value<CaseMember>("Member", "member", m => m.Member),
            Actor<CaseMember>("AddedBy", m => m.AddedBy),
            Value<CaseMember>("AddedAtUtc", "at", m => Time(m.AddedAtUtc)),
        ]));

    public static readonly Projection<Incident> Incidents = new("incidents", db => db.Incidents, i => Id(i.Id)!,
        new Writer<Incident>("IncidentCreated", (_, d) => d.GetValueOrDefault("incident"), Creates: true,
        [
            Value<Incident>("Id", "incident", i => Id(i.Id)),
            Actor<Incident>("CreatedBy", i => i.CreatedBy),
            Value<Incident>("CreatedAtUtc", "at", i => Time(i.CreatedAtUtc)),
            Value<Incident>("CaseId", "case", i => Id(i.CaseId)),
            Value<Incident>("Kind", "kind", i => i.Kind.ToString()),
            Value<Incident>("Articles", "articles", i => Joined(i.Articles, " ")),
            Value<Incident>("ChildrenAffected", "children", i => Number(i.ChildrenAffected)),
            Value<Incident>("PeriodFrom", "from", i => i.PeriodFrom),
            Value<Incident>("PeriodTo", "to", i => i.PeriodTo),
            Value<Incident>("Latitude", "latitude", i => Number(i.Latitude)),
            Value<Incident>("Longitude", "longitude", i => Number(i.Longitude)),
            Hashed<Incident>("Title", "titleSha256", i => i.Title),
            Hashed<Incident>("Description", "descriptionSha256", i => i.Description),
            Hashed<Incident>("Place", "placeSha256", i => i.Place),
            Hashed<Incident>("Region", "regionSha256", i => i.Region),
            Hashed<Incident>("Country", "countrySha256", i => i.Country),
        ]));

    public static readonly Projection<IncidentReferral> Referrals = new("incident_referrals", db => db.IncidentReferrals, r => Id(r.Id)!,
        new Writer<IncidentReferral>("Referred", (_, d) => d.GetValueOrDefault("referral"), Creates: true,
        [
            Value<IncidentReferral>("Id", "referral", r => Id(r.Id)),
            Value<IncidentReferral>("IncidentId", "incident", r => Id(r.IncidentId)),
            Value<IncidentReferral>("Office", "office", r => Office(r.Office)),
            Actor<IncidentReferral>("ReferredBy", r => r.ReferredBy),
            Value<IncidentReferral>("ReferredAtUtc", "at", r => Time(r.ReferredAtUtc)),
        ]));

    public static readonly Projection<Perpetrator> Perpetrators = new("perpetrators", db => db.Perpetrators, p => Id(p.Id)!,
        new Writer<Perpetrator>("PerpetratorAdded", (_, d) => d.GetValueOrDefault("perpetrator"), Creates: true,
        [
            Value<Perpetrator>("Id", "perpetrator", p => Id(p.Id)),
            Actor<Perpetrator>("CreatedBy", p => p.CreatedBy),
            Value<Perpetrator>("CreatedAtUtc", "at", p => Time(p.CreatedAtUtc)),
            Value<Perpetrator>("Kind", "kind", p => p.Kind.ToString()),
            Hashed<Perpetrator>("Name", "nameSha256", p => p.Name),
            Hashed<Perpetrator>("Position", "positionSha256", p => p.Position),
            Hashed<Perpetrator>("Affiliation", "affiliationSha256", p => p.Affiliation),
            // One alias a line; aliases are single-line fields.
            Hashed<Perpetrator>("Aliases", "aliasesSha256", p => Joined(p.Aliases, "\n")),
        ]));

    public static readonly Projection<PerpetratorLink> PerpetratorLinks = new("perpetrator_links", db => db.PerpetratorLinks, l => Id(l.Id)!,
        new Writer<PerpetratorLink>("PerpetratorsLinked", (_, d) => d.GetValueOrDefault("link"), Creates: true,
        [
            Value<PerpetratorLink>("Id", "link", l => Id(l.Id)),
            Value<PerpetratorLink>("FromId", "from", l => Id(l.FromId)),
            Value<PerpetratorLink>("Relation", "relation", l => l.Relation.ToString()),
            Value<PerpetratorLink>("ToId", "to", l => Id(l.ToId)),
            Actor<PerpetratorLink>("CreatedBy", l => l.CreatedBy),
            Value<PerpetratorLink>("CreatedAtUtc", "at", l => Time(l.CreatedAtUtc)),
        ]));

    // The sealed identity is bound by the hash of its ciphertext: the ledger proves it was not swapped or removed
    // without holding anything that opens it.
    public static readonly Projection<Victim> Victims = new("victims", db => db.Victims, v => v.Code,
        new Writer<Victim>("VictimAdded", (_, d) => d.GetValueOrDefault("victim"), Creates: true,
        [
            Value<Victim>("Code", "victim", v => v.Code),
            Value<Victim>("CaseId", "case", v => Id(v.CaseId)),
            Actor<Victim>("CreatedBy", v => v.CreatedBy),
            Value<Victim>("CreatedAtUtc", "at", v => Time(v.CreatedAtUtc)),
            Value<Victim>("AgeAtIncident", "age", v => Number(v.AgeAtIncident)),
            Value<Victim>("Sex", "sex", v => v.Sex),
            Value<Victim>("Status", "status", v => v.Status.ToString()),
            Hashed<Victim>("Origin", "originSha256", v => v.Origin),
            Value<Victim>("ProtectedIdentity", "identitySha256", v => Sha256(v.ProtectedIdentity)),
        ]));

    public static readonly Projection<ReferralPackage> Packages = new("referral_packages", db => db.ReferralPackages, p => Id(p.Id)!,
        new Writer<ReferralPackage>("PackageBuilt", (_, d) => d.GetValueOrDefault("package"), Creates: true,
        [
            Value<ReferralPackage>("Id", "package", p => Id(p.Id)),
            Sha256Field<ReferralPackage>("Sha256", p => p.Sha256),
            Actor<ReferralPackage>("CreatedBy", p => p.CreatedBy),
            Value<ReferralPackage>("CreatedAtUtc", "at", p => Time(p.CreatedAtUtc)),
            Value<ReferralPackage>("IncidentId", "incident", p => Id(p.IncidentId)),
            Value<ReferralPackage>("PerpetratorId", "perpetrator", p => Id(p.PerpetratorId)),
            Value<ReferralPackage>("Recipient", "office", p => Office(p.Recipient)),
            Value<ReferralPackage>("RecipientName", "recipient", p => p.RecipientName),
            Value<ReferralPackage>("RecipientAddress", "address", p => p.RecipientAddress),
            Value<ReferralPackage>("RecipientReference", "reference", p => p.RecipientReference),
            Value<ReferralPackage>("Items", "items", p => Number(p.Items)),
            Value<ReferralPackage>("Bytes", "bytes", p => Number(p.Bytes)),
            Value<ReferralPackage>("CheckpointSize", "checkpoint", p => Number(p.CheckpointSize)),
            Value<ReferralPackage>("IncludesIdentities", "identities", p => p.IncludesIdentities ? "included" : "pseudonyms only"),
            Value<ReferralPackage>("FileName", "file", p => p.FileName),
        ]));

    // An item's number is given by the first package that exports it, or that numbers it as the original of an item it
    // exports, and kept: later exports repeat it.
    private static readonly Column<RegistrationNumber>[] NumberFacts =
    [
        EvidenceId<RegistrationNumber>("EvidenceId", r => Id(r.EvidenceId)),
        Value<RegistrationNumber>("Ern", "ern", r => r.Ern),
        new("Batch", r => Number(r.Batch), null, (_, d) => global::Evidence.Referrals.RegistrationNumbers.Parse(d.GetValueOrDefault("ern")) is { } ern ? Number(ern.Batch) : null),
        new("Item", r => Number(r.Item), null, (_, d) => global::Evidence.Referrals.RegistrationNumbers.Parse(d.GetValueOrDefault("ern")) is { } ern ? Number(ern.Item) : null),
        new("Suffix", r => r.Suffix, null, (_, d) => global::Evidence.Referrals.RegistrationNumbers.Parse(d.GetValueOrDefault("ern"))?.Suffix),
        Value<RegistrationNumber>("PackageId", "package", r => Id(r.PackageId)),
        Value<RegistrationNumber>("AssignedAtUtc", "at", r => Time(r.AssignedAtUtc)),
    ];

    public static readonly Projection<RegistrationNumber> RegistrationNumbers = new("registration_numbers", db => db.RegistrationNumbers, r => Id(r.EvidenceId)!,
        new Writer<RegistrationNumber>("Exported", (e, _) => Id(e.EvidenceId), Creates: true, NumberFacts, FirstOnly: true),
        new Writer<RegistrationNumber>("Numbered", (e, _) => Id(e.EvidenceId), Creates: true, NumberFacts, FirstOnly: true));

    // What the investigator stated about an item for a court: one append-only version per statement, the first with the
    // item's Ingested event (items from before it have none), each later one with its MetadataAmended event.
    private static readonly Column<ItemMetadata>[] MetadataFacts =
    [
        Value<ItemMetadata>("Id", "metadata", m => Id(m.Id)),
        EvidenceId<ItemMetadata>("EvidenceId", m => Id(m.EvidenceId)),
        Value<ItemMetadata>("Version", "version", m => Number(m.Version)),
        Salted<ItemMetadata>("Place", "placeSha256", m => m.Place, m => m.Salt),
        // Where an item was made can be where a child lives: the log auditors read carries it, and the other free text, only
        // as a salted hash (the salt stays in the row), which trying every place or coordinate does not reverse.
        Salted<ItemMetadata>("Latitude", "latitudeSha256", m => Number(m.Latitude), m => m.Salt),
        Salted<ItemMetadata>("Longitude", "longitudeSha256", m => Number(m.Longitude), m => m.Salt),
        Value<ItemMetadata>("Languages", "languages", m => m.Languages),
        Value<ItemMetadata>("Generation", "generation", m => m.Generation?.ToString()),
        Salted<ItemMetadata>("OriginalHeldAt", "originalHeldAtSha256", m => m.OriginalHeldAt, m => m.Salt),
        Value<ItemMetadata>("DerivedFrom", "derivedFrom", m => Id(m.DerivedFrom)),
        Value<ItemMetadata>("DerivedKind", "derivedKind", m => m.DerivedKind?.ToString()),
        Salted<ItemMetadata>("SourceUrl", "sourceUrlSha256", m => m.SourceUrl, m => m.Salt),
        Value<ItemMetadata>("RetrievedAt", "retrievedAt", m => m.RetrievedAt),
        Salted<ItemMetadata>("Device", "deviceSha256", m => m.Device, m => m.Salt),
        Value<ItemMetadata>("Consent", "consent", m => m.Consent?.ToString()),
        Salted<ItemMetadata>("ConsentScope", "consentScopeSha256", m => m.ConsentScope, m => m.Salt),
        Value<ItemMetadata>("WillingToTestify", "willingToTestify", m => m.WillingToTestify is { } willing ? (willing ? "yes" : "no") : null),
        Value<ItemMetadata>("Confidentiality", "confidentiality", m => m.Confidentiality.ToString()),
        Salted<ItemMetadata>("Reason", "reasonSha256", m => m.Reason, m => m.Salt),
        // The salt itself only by its hash: 16 random bytes, which no one reads back from it.
        Hashed<ItemMetadata>("Salt", "saltSha256", m => m.Salt),
        Value<ItemMetadata>("StatedAtUtc", "at", m => Time(m.StatedAtUtc)),
        Actor<ItemMetadata>("StatedBy", m => m.StatedBy),
    ];

    public static readonly Projection<ItemMetadata> Metadata = new("item_metadata", db => db.ItemMetadata, m => Id(m.Id)!,
        new Writer<ItemMetadata>("Ingested", (_, d) => d.GetValueOrDefault("metadata"), Creates: true, MetadataFacts),
        new Writer<ItemMetadata>("MetadataAmended", (_, d) => d.GetValueOrDefault("metadata"), Creates: true, MetadataFacts));

    /// <summary>
    /// Accounts: who exists, in which role and office, since when; what decides what each person may do and see. Their
    /// passwords, lockouts and security stamps change at every sign-in and are not facts a court reads; they are not bound
    /// (docs/threat-model.md says what that leaves to the database's own protection).
    /// </summary>
    public static readonly Projection<AccountRow> Accounts = new(AccountRow.Table, AccountRow.Read, a => a.UserName,
        new Writer<AccountRow>("UserAdded", (_, d) => d.GetValueOrDefault("user"), Creates: true,
        [
            Value<AccountRow>("UserName", "user", a => a.UserName),
            Value<AccountRow>("Role", "role", a => a.Role),
            Value<AccountRow>("Office", "office", a => a.Office),
            Value<AccountRow>("CreatedAtUtc", "at", a => Time(a.CreatedAtUtc)),
        ]),
        new Writer<AccountRow>("UserRoleChanged", (_, d) => d.GetValueOrDefault("user"), Creates: false,
        [
            Value<AccountRow>("UserName", "user", a => a.UserName),
            Value<AccountRow>("Role", "role", a => a.Role),
            Value<AccountRow>("Office", "office", a => a.Office),
        ]),
        new Writer<AccountRow>("UserRemoved", (_, d) => d.GetValueOrDefault("user"), Creates: false, [], Removes: true));

    public static readonly IReadOnlyList<IProjection> All =
        [Items, Metadata, Tags, Cases, CaseMembers, Incidents, Referrals, Perpetrators, PerpetratorLinks, Victims, Packages, RegistrationNumbers, Accounts];

    /// <summary>How offices are written in events: "icc", "national".</summary>
    public static string Office(RecipientKind office) => office.ToString().ToLowerInvariant();

    /// <summary>
    /// A list as one string. Its values never hold the separator (article and element keys have no spaces, aliases are
    /// single-line), so a stored list whose values do (two elements merged into one, a list re-split) cannot be written
    /// the way an event wrote the honest one.
    /// </summary>
    private static string Joined(IReadOnlyList<string> values, string separator) =>
        values.Any(v => v.Length == 0 || v.Contains(separator, StringComparison.Ordinal))
            ? "not a list an event could record: " + System.Text.Json.JsonSerializer.Serialize(values)
            : string.Join(separator, values);

    private static string? MemberKey(string? caseId, string? member) => caseId is null || member is null ? null : $"{caseId}/{member}";
}
