using System.IO.Compression;
using System.Text;
using Evidence.Cases;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Referrals;

/// <summary>A small real case to package: one incident, two perpetrators, a child with a sealed identity, three items.</summary>
internal sealed record ReferralCase(Guid Incident, Guid Official, Guid Unit, string Victim, IReadOnlyList<IngestedEvidence> Items)
{
    public const string Deportation = "8(2)(a)(vii)-1";
    public const string ChildName = "Olena Testchild";

    public static async Task<ReferralCase> CreateAsync(Slice slice)
    {
        var incident = await slice.SendAsync(new CreateIncident("Transfer from a children's home", IncidentKind.Deportation, "2022-10-14", "Kherson", [Deportation]));
        var official = (await slice.SendAsync(new AddPerpetrator("Official K.", PerpetratorKind.Person))).Id;
        var unit = (await slice.SendAsync(new AddPerpetrator("Unit 0000", PerpetratorKind.Unit))).Id;
        var victim = await slice.SendAsync(new AddVictim(9, "F", "Kherson", VictimStatus.Deported, new VictimIdentity(ChildName, "2013-04-02")));
        var items = new List<IngestedEvidence>
        {
            await slice.SendAsync(new IngestEvidence(slice.File("звіт свідка.txt", "Witness: the bus left at 08:30."u8.ToArray()), "Investigator A", CapturedAt: "2022-10-14")),
            await slice.SendAsync(new IngestEvidence(slice.File("\u202Egpj.exe", "order to transfer the children"u8.ToArray()), "Investigator A")),
            await slice.SendAsync(new IngestEvidence(slice.File("=cmd()|x.csv", Encoding.UTF8.GetBytes("code,age\nV-0001,9\n")), "Investigator B")),
        };
        await slice.SendAsync(new TagEvidence(items[0].Id, incident, unit, victim, [$"{Deportation}:1"]));
        await slice.SendAsync(new TagEvidence(items[1].Id, incident, official, null, [$"{Deportation}:1", $"{Deportation}:3"]));
        await slice.SendAsync(new TagEvidence(items[2].Id, incident, null, victim));
        return new ReferralCase(incident, official, unit, victim, items);
    }
}

/// <summary>Reads and rewrites package zips the way a tamperer would, without extracting them.</summary>
internal static class PackageZip
{
    public static Dictionary<string, byte[]> Read(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        return zip.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var stream = e.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        });
    }

    public static string Root(string path) => Read(path).Keys.First().Split('/')[0];

    /// <summary>Writes the entries (in order, names as given, duplicates allowed) to a new zip.</summary>
    public static string Write(string path, IEnumerable<(string Name, byte[] Bytes)> entries)
    {
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (var (name, bytes) in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(bytes);
            }
        }
        return path;
    }

    public static string Rewrite(string source, string target, Func<string, byte[], byte[]?> change, params (string Name, byte[] Bytes)[] extra) =>
        Write(target, Read(source).Select(e => (e.Key, change(e.Key, e.Value))).Where(e => e.Item2 is not null).Select(e => (e.Key, e.Item2!)).Concat(extra));
}
