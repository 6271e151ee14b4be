using Evidence.Cases;
using Evidence.Domain;
using Evidence.Metadata;
using Evidence.Tagging;

namespace Evidence.Cli.Demo;

/// <summary>
/// The demo's case: an incident modelled on the publicly reported transfer of children from a Kherson region
/// children's home in autumn 2022. Every person in it is synthetic: the official and the unit are placeholders,
/// the children's identities are invented.
/// </summary>
internal static class DemoCase
{
    private const string Deportation = "8(2)(a)(vii)-1";
    private const string Occupation = "8(2)(b)(viii)";
    private const string Humanity = "7(1)(d)";

    /// <summary>The testimony in Ukrainian, and the name of its English translation (an item derived from it).</summary>
    public const string TranslatedTestimony = "testimony-witness-W-030-uk.txt";
    public const string Translation = "testimony-witness-W-030-en.txt";

    /// <summary>What the investigator states for the court about a file at intake (docs/case-model.md), where the demo says more than the defaults.</summary>
    public static StatedMetadata? StatementFor(string file) => file switch
    {
        "photo-ferry-crossing.png" => new StatedMetadata
        {
            Place = "Ferry crossing at Antonivka, Kherson (synthetic)", Coordinates = "46.6741,32.7170", Generation = "original",
            Device = "DemoPhone Synthetic X1", Consent = "not-required", ConsentScope = "no person is identifiable",
        },
        "c2pa-signed-photo.jpg" => new StatedMetadata
        {
            Generation = "copy", OriginalHeldAt = "the publisher's server (synthetic)", SourceUrl = "https://example.org/demo/c2pa-signed-photo",
            RetrievedAt = "2022-10-20", Confidentiality = "public",
        },
        TranslatedTestimony => new StatedMetadata
        {
            Languages = ["uk"], Generation = "original", Consent = "given", ConsentScope = "use in court proceedings", WillingToTestify = true,
        },
        _ => null,
    };

    public static async Task<Guid> BuildAsync(Session session, Guid caseId, IReadOnlyDictionary<string, Guid> items, TextWriter say, CancellationToken cancellationToken)
    {
        var incident = await session.SendAsync(new CreateIncident(
            "DEMO: transfer of children from a Kherson region children's home (synthetic)",
            IncidentKind.Deportation, "2022-10-14", "Children's home (synthetic)", [Deportation, Occupation, Humanity],
            PeriodTo: "2022-11",
            Description: "Synthetic reconstruction: children taken by bus to the ferry crossing, then to a 'recreation' camp in Crimea and onward.",
            Region: "Kherson oblast", Country: "Ukraine", ChildrenAffected: 4, CaseId: caseId), cancellationToken);
        var official = await session.SendAsync(new AddPerpetrator("Official K. (synthetic)", PerpetratorKind.Person, "Head of an occupation-appointed children's affairs office", "Occupation administration", ["K."]), cancellationToken);
        var unit = await session.SendAsync(new AddPerpetrator("Unit 0000 (synthetic)", PerpetratorKind.Unit, Affiliation: "Armed forces of the occupying power"), cancellationToken);
        await session.SendAsync(new LinkPerpetrators(official.Id, PerpetratorRelation.Commands, unit.Id), cancellationToken);
        var victims = new List<string>();
        foreach (var (age, sex, name, born) in new[] { (9, "F", "Demo Child One", "2013-04-02"), (12, "M", "Demo Child Two", "2010-01-19"), (6, "F", "Demo Child Three", "2016-07"), (15, "M", "Demo Child Four", "2007-11-30") })
        {
            victims.Add(await session.SendAsync(new AddVictim(age, sex, "Kherson oblast", VictimStatus.Deported, new VictimIdentity(name, born, "Synthetic birth certificate", "Synthetic relative"), caseId), cancellationToken));
        }
        await say.WriteLineAsync($"Recorded incident {incident}, perpetrators {official.Id} and {unit.Id}, victims {string.Join(", ", victims)} (identities sealed)");

        var tags = new (string File, Guid? Perpetrator, string? Victim, string[] Elements, string Note)[]
        {
            ("photo-bus-at-departure-point.png", unit.Id, null, [$"{Deportation}:1", $"{Humanity}:1"], "Bus at the home's gate before departure"),
            ("photo-children-boarding.png", null, victims[0], [$"{Deportation}:1"], "Children boarding; V-0001 identified by a caregiver"),
            ("photo-ferry-crossing.png", unit.Id, null, [$"{Deportation}:1", $"{Occupation}:1"], "Buses at the ferry crossing"),
            ("transfer-order-scan.pdf", official.Id, null, [$"{Deportation}:1", $"{Occupation}:1", $"{Humanity}:1"], "Order naming V-0001 to V-0004"),
            ("testimony-witness-W-017.txt", unit.Id, victims[1], [$"{Deportation}:1", $"{Deportation}:4"], "Eyewitness to the departure"),
            ("testimony-caregiver-W-021.txt", official.Id, null, [$"{Humanity}:2", $"{Deportation}:3"], "No consent from parents or guardians"),
            ("camp-roster.txt", null, victims[0], [$"{Occupation}:1"], "Arrival at a camp in occupied Crimea"),
            ("guardianship-decision.pdf", null, victims[3], [$"{Deportation}:1"], "Placement with a family in the Russian Federation"),
            ("unit-movement-log.txt", unit.Id, null, [$"{Deportation}:4", $"{Deportation}:5"], "Escort by a unit during an armed conflict"),
            ("registry-extract.csv", null, null, [], "Registry of the children concerned, by pseudonym"),
            ("c2pa-signed-photo.jpg", null, null, [$"{Deportation}:1"], "Published photo with Content Credentials (stand-in)"),
            (TranslatedTestimony, official.Id, victims[2], [$"{Deportation}:1", $"{Humanity}:2"], "Witness to the departure, in Ukrainian"),
            (Translation, official.Id, victims[2], [], "English translation of W-030's testimony"),
        };
        foreach (var tag in tags)
        {
            await session.SendAsync(new TagEvidence(items[tag.File], incident, tag.Perpetrator, tag.Victim, tag.Elements, tag.Note), cancellationToken);
        }
        await say.WriteLineAsync($"Tagged {tags.Length} items to the incident, its perpetrators, victims and elements of crimes");
        return incident;
    }
}
