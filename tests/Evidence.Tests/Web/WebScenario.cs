using System.Net.Http.Json;
using System.Text.Json;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Web;

/// <summary>
/// A server with one user per role (prosecutors of both offices) and a little evidence: an incident referred to the
/// ICC, one tagged item, one ICC package and a case of the investigator's, all made through the API as an investigator or ICC prosecutor.
/// </summary>
public sealed class WebScenario : IAsyncDisposable
{
    private WebScenario(WebServer server) => Server = server;

    public WebServer Server { get; }
    public TestUser Investigator { get; private set; } = null!;
    public TestUser IccProsecutor { get; private set; } = null!;
    public TestUser NationalProsecutor { get; private set; } = null!;
    public TestUser Auditor { get; private set; } = null!;
    public TestUser Admin { get; private set; } = null!;
    public Guid Case { get; private set; }
    public Guid Incident { get; private set; }
    public Guid Item { get; private set; }
    public Guid Package { get; private set; }

    public IEnumerable<TestUser> Users => [Investigator, IccProsecutor, NationalProsecutor, Auditor, Admin];

    public static async Task<WebScenario> StartAsync(Func<EvidenceSettings, EvidenceSettings>? configure = null)
    {
        var scenario = new WebScenario(await WebServer.StartAsync(configure));
        var server = scenario.Server;
        scenario.Investigator = await server.AddUserAsync("olena", Role.Investigator);
        scenario.IccProsecutor = await server.AddUserAsync("icc-prosecutor", Role.Prosecutor, RecipientKind.Icc);
        scenario.NationalProsecutor = await server.AddUserAsync("pgo-prosecutor", Role.Prosecutor, RecipientKind.National);
        scenario.Auditor = await server.AddUserAsync("audrey", Role.Auditor);
        scenario.Admin = await server.AddUserAsync("root", Role.Admin);

        using var investigator = server.Client(scenario.Investigator);
        scenario.Case = await IdOf(await investigator.PostAsJsonAsync("/api/cases", new { title = "Kherson regional children's home" }));
        scenario.Incident = await IdOf(await investigator.PostAsJsonAsync("/api/incidents", new
        {
            title = "Transfer of children from the Kherson regional children's home", kind = "Deportation", periodFrom = "2022-10",
            place = "Kherson", articles = new[] { "8(2)(a)(vii)-1" },
        }));
        scenario.Item = (await UploadAsync(investigator, "report.txt", "Witness statement: 15 children were taken by bus on 2022-10-14."u8.ToArray()))[0].GetProperty("id").GetGuid();
        (await investigator.PostAsJsonAsync($"/api/evidence/{scenario.Item}/tags", new { incidentId = scenario.Incident, elements = new[] { "8(2)(a)(vii)-1:1" } })).EnsureSuccessStatusCode();
        (await investigator.PostAsJsonAsync($"/api/incidents/{scenario.Incident}/referrals", new { office = "Icc" })).EnsureSuccessStatusCode();
        using var prosecutor = server.Client(scenario.IccProsecutor);
        scenario.Package = await IdOf(await prosecutor.PostAsJsonAsync("/api/packages", new { incidentId = scenario.Incident, recipient = "Icc" }));
        return scenario;
    }

    public static async Task<JsonElement[]> UploadAsync(HttpClient client, string name, byte[] bytes, string collector = "Olena K.", string? contentType = null)
    {
        using var response = await client.PostAsync("/api/evidence", Multipart(name, bytes, collector, contentType));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"upload of {name}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<JsonElement[]>(body)!;
    }

    public static MultipartFormDataContent Multipart(string name, byte[] bytes, string collector = "Olena K.", string? contentType = null) =>
        Multipart(name, new ByteArrayContent(bytes), collector, contentType);

    /// <summary>The upload form around any content, for example one that pauses half-way.</summary>
    public static MultipartFormDataContent Multipart(string name, HttpContent file, string collector = "Olena K.", string? contentType = null)
    {
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType ?? "application/octet-stream");
        return new MultipartFormDataContent { { file, "file", name }, { new StringContent(collector), "collector" } };
    }

    public static async Task<Guid> IdOf(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
