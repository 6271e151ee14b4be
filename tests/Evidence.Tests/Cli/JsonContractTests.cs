using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Web;

namespace Evidence.Tests.Cli;

/// <summary>
/// STYLE rule 15: CLI <c>--json</c> and the API answer the same request with the same JSON document, on one
/// installation (the CLI in-process on the home a real server serves over HTTP). Documents are compared parsed, so
/// indentation and escaping may differ; names, nesting, value kinds and values may not.
/// </summary>
public sealed class JsonContractTests
{
    [Fact]
    public async Task CliJsonAndApi_SameRequests_SameDocuments()
    {
        await using var server = await WebServer.StartAsync();
        var olena = await server.AddUserAsync("olena", Role.Investigator);
        await server.AddUserAsync("anna", Role.Investigator);
        var audrey = await server.AddUserAsync("audrey", Role.Auditor);
        var root = await server.AddUserAsync("root", Role.Admin);
        using var investigator = server.Client(olena);
        using var auditor = server.Client(audrey);
        using var admin = server.Client(root);
        Task<JsonNode> Cli(params string[] args) => CliJsonAsync(server.Settings.Home, ["--as", "olena", .. args]);

        // Writes: the same request twice records two things, so the new id (or code) may differ and nothing else.
        var caseCli = await Cli("case", "add", "--title", "Kherson regional children's home");
        var caseApi = await ApiJsonAsync(investigator.PostAsJsonAsync("/api/cases", new { title = "Kherson regional children's home" }));
        AssertSame(caseCli, caseApi, "id");
        var caseId = Id(caseCli);

        AssertSame(
            await Cli("case", "member", caseId, "anna"),
            await ApiJsonAsync(investigator.PostAsJsonAsync($"/api/cases/{Id(caseApi)}/members", new { member = "anna" })));

        var incidentCli = await Cli("incident", "add", "--title", "Transfer", "--kind", "deportation", "--from", "2022-10", "--place", "Kherson",
            "--article", "8(2)(a)(vii)-1", "--case", caseId);
        AssertSame(incidentCli, await ApiJsonAsync(investigator.PostAsJsonAsync("/api/incidents", new
        {
            title = "Transfer", kind = "Deportation", periodFrom = "2022-10", place = "Kherson", articles = new[] { "8(2)(a)(vii)-1" }, caseId,
        })), "id");
        var incident = Id(incidentCli);

        var perpetratorCli = await Cli("perpetrator", "add", "--name", "Unit 0000", "--kind", "unit");
        AssertSame(perpetratorCli, await ApiJsonAsync(investigator.PostAsJsonAsync("/api/perpetrators", new { name = "Unit 0001", kind = "Unit" })), "id");

        var victimCli = await Cli("victim", "add", "--age", "9", "--case", caseId);
        AssertSame(victimCli, await ApiJsonAsync(investigator.PostAsJsonAsync("/api/victims", new { ageAtIncident = 9, caseId })), "code");

        // The same bytes under the same name: the API's item is a duplicate of the CLI's, which names it.
        var bytes = "Witness statement: 15 children were taken by bus on 2022-10-14."u8.ToArray();
        var ingestCli = await Cli("ingest", server.Home.File("report.txt", bytes), "--collector", "Olena K.");
        var ingestApi = await ApiJsonAsync(investigator.PostAsync("/api/evidence", WebScenario.Multipart("report.txt", bytes)));
        Assert.Equal(ingestCli[0]!["id"]!.GetValue<string>(), ingestApi[0]!["duplicateOf"]!.GetValue<string>());
        AssertSame(ingestCli, ingestApi, "id", "duplicateOf");
        var item = Id(ingestCli[0]!);

        AssertSame(
            await Cli("tag", item, "--incident", incident, "--perpetrator", Id(perpetratorCli), "--victim", victimCli["code"]!.GetValue<string>(),
                "--element", "8(2)(a)(vii)-1:1", "--note", "bus leaving"),
            await ApiJsonAsync(investigator.PostAsJsonAsync($"/api/evidence/{Id(ingestApi[0]!)}/tags", new { incidentId = incident, elements = new[] { "8(2)(a)(vii)-1:2" } })),
            "id");

        // A new statement of an item's court metadata: the same version either way, but for its time.
        var amendCli = await Cli("amend", item, "--place", "Kherson", "--language", "uk", "--coordinates", "46.6354,32.6169", "--reason", "witness said where");
        var amendApi = await ApiJsonAsync(investigator.PostAsJsonAsync($"/api/evidence/{Id(ingestApi[0]!)}/metadata", new
        {
            changes = new { place = "Kherson", languages = new[] { "uk" }, coordinates = "46.6354,32.6169" }, reason = "witness said where",
        }));
        AssertSame(amendCli, amendApi, "statedAtUtc");
        Assert.Equal("Kherson", amendCli["place"]!.GetValue<string>());

        // Reads change nothing, so the documents must be equal whole.
        AssertSame(await Cli("show", item), await ApiJsonAsync(investigator.GetAsync($"/api/evidence/{item}")));
        var everything = await Cli("search");
        Assert.Equal(2, everything.AsArray().Count);
        AssertSame(everything, await ApiJsonAsync(investigator.GetAsync("/api/evidence")));
        AssertSame(await Cli("search", "witness", "--incident", incident), await ApiJsonAsync(investigator.GetAsync($"/api/evidence?text=witness&incident={incident}")));
        AssertSame(await Cli("incident", "matrix", incident), await ApiJsonAsync(investigator.GetAsync($"/api/incidents/{incident}/matrix")));
        AssertSame(await Cli("log", "key"), await ApiJsonAsync(auditor.GetAsync("/api/log/key")));
        var checkpoint = await Cli("log", "checkpoint");
        AssertSame(checkpoint, await ApiJsonAsync(auditor.GetAsync("/api/log/checkpoint")));
        var size = checkpoint["size"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture);
        AssertSame(await Cli("log", "inclusion", "--index", "2"), await ApiJsonAsync(auditor.GetAsync("/api/log/inclusion?index=2")));
        AssertSame(await Cli("log", "consistency", "--from", "2", "--to", size), await ApiJsonAsync(auditor.GetAsync($"/api/log/consistency?from=2&to={size}")));
        AssertSame(await CliJsonAsync(server.Settings.Home, "user", "list"), await ApiJsonAsync(admin.GetAsync("/api/users")));

        // Each verify records itself, so the second counts one run more: its counts grow, the rest is the same.
        var verifyCli = await CliJsonAsync(server.Settings.Home, "verify");
        var verifyApi = await ApiJsonAsync(auditor.PostAsync("/api/verify", null));
        Assert.True(verifyCli["clean"]!.GetValue<bool>(), verifyCli.ToJsonString());
        Assert.True(verifyApi["events"]!.GetValue<long>() > verifyCli["events"]!.GetValue<long>());
        AssertSame(verifyCli, verifyApi, "events", "checkpoints");
    }

    private static async Task<JsonNode> CliJsonAsync(string home, params string[] args)
    {
        var (exit, stdout, stderr) = await Run.CliAsync(home, [.. args, "--json"]);
        Assert.True(exit == 0, $"{string.Join(" ", args)}: exit {exit}: {stderr}");
        return JsonNode.Parse(stdout)!;
    }

    private static async Task<JsonNode> ApiJsonAsync(Task<HttpResponseMessage> sending)
    {
        using var response = await sending;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    private static string Id(JsonNode answer) => answer["id"]!.GetValue<string>();

    /// <summary>
    /// The two documents are one, but for <paramref name="differing"/>: fields that both must have (in the object, or in
    /// each object of the array) and whose values may differ because each side recorded something new.
    /// </summary>
    private static void AssertSame(JsonNode cli, JsonNode api, params string[] differing)
    {
        var expected = cli.DeepClone();
        List<(JsonObject, JsonObject)> objects = (expected, api) switch
        {
            (JsonArray e, JsonArray a) when e.Count == a.Count => e.Zip(a, (x, y) => (x!.AsObject(), y!.AsObject())).ToList(),
            (JsonObject e, JsonObject a) => [(e, a)],
            _ => [],
        };
        foreach (var field in differing)
        {
            Assert.NotEmpty(objects);
            foreach (var (fromCli, fromApi) in objects)
            {
                Assert.True(fromCli.ContainsKey(field) && fromApi.ContainsKey(field), $"'{field}' missing: CLI {cli.ToJsonString()}, API {api.ToJsonString()}");
                fromCli[field] = fromApi[field]?.DeepClone();
            }
        }
        Assert.True(JsonNode.DeepEquals(expected, api), $"CLI --json and API differ:{Environment.NewLine}CLI {cli.ToJsonString()}{Environment.NewLine}API {api.ToJsonString()}");
    }
}
