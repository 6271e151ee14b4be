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
// (the build and verify-package are timed through the command line itself, as shipped)
internal static class PackageBench
{
    public static async Task<int> RunAsync(string[] args)
    {
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
            default:
                return 2;
        }
    }

    private static async Task<T> SendAsync<T>(ServiceProvider services, IRequest<T> request, Role role = Role.Investigator)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("bench", role);
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }
}
