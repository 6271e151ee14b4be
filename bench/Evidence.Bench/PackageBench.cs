using System.Diagnostics;
using System.Globalization;
using Evidence.Cases;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tagging;
using MediatR;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Bench;

// Referral package workloads for bench/package.sh:
//   package-setup <folder> <home>            ingests every file, tags each to one incident; prints the incident id
//   package-build <home> <incident> <zip>    "seconds bytes peak_rss_bytes" for BuildReferralPackage
//   package-verify <zip> <home>              "seconds files peak_rss_bytes" for verify-package, pinned to the home's ledger key
internal static class PackageBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var watch = new Stopwatch();
        switch (args[0])
        {
            case "package-setup":
            {
                await using var services = await EvidenceServices.StartAsync(new EvidenceSettings { Home = args[2] });
                var incident = await SendAsync(services, new CreateIncident("Bench incident", IncidentKind.Deportation, "2022-10", "Kherson", ["8(2)(a)(vii)-1"]));
                foreach (var file in EvidenceFiles.Expand([args[1]]).Files)
                {
                    var item = await SendAsync(services, new IngestEvidence(file, "bench"));
                    await SendAsync(services, new TagEvidence(item.Id, incident, Elements: ["8(2)(a)(vii)-1:1"]));
                }
                Console.WriteLine(incident);
                return 0;
            }
            case "package-build":
            {
                await using var services = await EvidenceServices.StartAsync(new EvidenceSettings { Home = args[1] });
                watch.Start();
                var package = await SendAsync(services, new BuildReferralPackage(Guid.Parse(args[2]), RecipientKind.Icc, args[3]), Role.Prosecutor);
                watch.Stop();
                Print(watch, package.Bytes);
                return 0;
            }
            case "package-verify":
            {
                string key;
                await using (var services = await EvidenceServices.StartAsync(new EvidenceSettings { Home = args[2] }))
                {
                    key = await SendAsync(services, new GetVerifierKey(), Role.Auditor);
                }
                watch.Start();
                var report = PackageVerifier.Verify(args[1], key);
                watch.Stop();
                if (!report.Clean)
                {
                    Console.Error.WriteLine(string.Join("\n", report.Findings));
                    return 1;
                }
                Print(watch, report.Files);
                return 0;
            }
            default:
                return 2;
        }
    }

    private static void Print(Stopwatch watch, long count) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{watch.Elapsed.TotalSeconds:F3} {count} {Process.GetCurrentProcess().PeakWorkingSet64}"));

    private static async Task<T> SendAsync<T>(ServiceProvider services, IRequest<T> request, Role role = Role.Investigator)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("bench", role);
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }
}
