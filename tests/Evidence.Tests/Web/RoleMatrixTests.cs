using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Web;

/// <summary>
/// Issue 6's matrix: every endpoint × every role × anonymous, over real HTTP. Anonymous → 401, wrong role → 403,
/// what the caller may not know exists (another office's incident, evidence or package) → 404.
/// </summary>
public sealed class RoleMatrixTests
{
    private sealed record Row(string Endpoint, HttpMethod Method, Func<WebScenario, string> Path, Func<WebScenario, HttpContent?>? Body, int Investigator, int IccProsecutor, int NationalProsecutor, int Auditor, int Admin);

    private static int upload;

    private static HttpContent Json(object value) => JsonContent.Create(value);

    private static HttpContent NewFile() => WebScenario.Multipart("matrix.txt", Encoding.UTF8.GetBytes($"matrix upload {Interlocked.Increment(ref upload)} {Guid.NewGuid()}"));

    private static readonly Row[] Rows =
    [
        new("search evidence", HttpMethod.Get, _ => "/api/evidence", null, 200, 200, 200, 403, 403),
        new("evidence detail", HttpMethod.Get, s => $"/api/evidence/{s.Item}", null, 200, 200, 404, 200, 403),
        new("evidence content", HttpMethod.Get, s => $"/api/evidence/{s.Item}/content", null, 200, 200, 404, 403, 403),
        new("ingest", HttpMethod.Post, _ => "/api/evidence", _ => NewFile(), 200, 403, 403, 403, 403),
        new("amend metadata", HttpMethod.Post, s => $"/api/evidence/{s.Item}/metadata", _ => Json(new { changes = new { place = "Matrix " + Guid.NewGuid().ToString("N") }, reason = "matrix" }), 200, 403, 403, 403, 403),
        new("tag many", HttpMethod.Post, s => "/api/evidence/tags", s => Json(new { evidenceIds = new[] { s.Item }, incidentId = s.Incident, note = "matrix" }), 200, 403, 403, 403, 403),
        new("tag", HttpMethod.Post, s => $"/api/evidence/{s.Item}/tags", s => Json(new { incidentId = s.Incident, note = "matrix" }), 201, 403, 403, 403, 403),
        new("check a metadata sheet", HttpMethod.Post, _ => "/api/uploads/sheet", _ => new MultipartFormDataContent
        {
            { new StringContent("file,place\nv.mp4,Kherson\n"), "sheet", "sheet.csv" }, { new StringContent("v.mp4"), "name" },
        }, 200, 403, 403, 403, 403),
        new("begin upload", HttpMethod.Post, _ => "/api/uploads", _ => Json(new { fileName = "v.mp4", size = 10, collector = "O" }), 200, 403, 403, 403, 403),
        new("open case", HttpMethod.Post, _ => "/api/cases", _ => Json(new { title = "Matrix case" }), 200, 403, 403, 403, 200),
        new("add case member", HttpMethod.Post, s => $"/api/cases/{s.Case}/members", _ => Json(new { member = "olena" }), 200, 403, 403, 403, 200), // a member must be an account: olena, who already is one
        new("list incidents", HttpMethod.Get, _ => "/api/incidents", null, 200, 200, 200, 403, 403),
        new("create incident", HttpMethod.Post, _ => "/api/incidents", _ => Json(new { title = "Camp", kind = "Camp", periodFrom = "2023", place = "Artek", articles = new[] { "8(2)(a)(vii)-1" } }), 200, 403, 403, 403, 403),
        new("elements matrix", HttpMethod.Get, s => $"/api/incidents/{s.Incident}/matrix", null, 200, 200, 404, 403, 403),
        new("refer incident", HttpMethod.Post, s => $"/api/incidents/{s.Incident}/referrals", _ => Json(new { office = "Icc" }), 200, 403, 403, 403, 403),
        new("add perpetrator", HttpMethod.Post, _ => "/api/perpetrators", _ => Json(new { name = "Unit 1234", kind = "Unit" }), 200, 403, 403, 403, 403),
        new("add victim", HttpMethod.Post, _ => "/api/victims", _ => Json(new { ageAtIncident = 9 }), 200, 403, 403, 403, 403),
        new("list packages", HttpMethod.Get, _ => "/api/packages", null, 200, 200, 200, 403, 403),
        new("request ICC package", HttpMethod.Post, _ => "/api/packages", s => Json(new { incidentId = s.Incident, recipient = "Icc" }), 200, 200, 403, 403, 403),
        new("download package", HttpMethod.Get, s => $"/api/packages/{s.Package}/download", null, 200, 200, 404, 403, 403),
        new("verify", HttpMethod.Post, _ => "/api/verify", null, 403, 403, 403, 200, 200),
        new("checkpoint", HttpMethod.Get, _ => "/api/log/checkpoint", null, 200, 200, 200, 200, 200),
        new("verifier key", HttpMethod.Get, _ => "/api/log/key", null, 200, 200, 200, 200, 200),
        new("inclusion proof", HttpMethod.Get, _ => "/api/log/inclusion?index=0", null, 200, 200, 200, 200, 200),
        new("list users", HttpMethod.Get, _ => "/api/users", null, 403, 403, 403, 403, 200),
        new("add user", HttpMethod.Post, _ => "/api/users", _ => Json(new { name = "new-" + Guid.NewGuid().ToString("N")[..8], role = "Auditor" }), 403, 403, 403, 403, 200),
    ];

    [Fact]
    public async Task EveryEndpoint_EveryRoleAndAnonymous_GetsTheStatusTheArchitectureSays()
    {
        await using var scenario = await WebScenario.StartAsync();
        var wrong = new List<string>();
        foreach (var row in Rows)
        {
            var expected = new[] { row.Investigator, row.IccProsecutor, row.NationalProsecutor, row.Auditor, row.Admin };
            var users = scenario.Users.ToList();
            for (var i = -1; i < users.Count; i++)
            {
                var user = i < 0 ? null : users[i];
                using var client = scenario.Server.Client(user);
                using var request = new HttpRequestMessage(row.Method, row.Path(scenario))
                {
                    Content = row.Body?.Invoke(scenario),
                };
                using var response = await client.SendAsync(request);
                var want = user is null ? 401 : expected[i];
                if ((int)response.StatusCode != want)
                {
                    wrong.Add($"{row.Endpoint} as {user?.Name ?? "anonymous"}: {(int)response.StatusCode}, expected {want}: {await response.Content.ReadAsStringAsync()}");
                }
                if ((int)response.StatusCode >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                {
                    wrong.Add($"{row.Endpoint} as {user?.Name ?? "anonymous"}: error without ProblemDetails ({response.Content.Headers.ContentType})");
                }
            }
        }
        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong));
    }

    [Fact]
    public async Task AuditorOpeningContent_IsRefused_AndTheAttemptIsACustodyEvent()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var auditor = scenario.Server.Client(scenario.Auditor);

        using var refused = await auditor.GetAsync($"/api/evidence/{scenario.Item}/content");
        var detail = await auditor.GetFromJsonAsync<JsonElement>($"/api/evidence/{scenario.Item}");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var denied = detail.GetProperty("custody").EnumerateArray().Last();
        Assert.Equal("AccessDenied", denied.GetProperty("action").GetString());
        Assert.Equal("audrey", denied.GetProperty("actor").GetString());
        // The auditor sees hashes and events, never the file's name.
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("originalName").ValueKind);
    }

    [Fact]
    public async Task ProsecutorGuessingAnotherOfficesIds_LearnsNothing()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var national = scenario.Server.Client(scenario.NationalProsecutor);

        var packages = await national.GetFromJsonAsync<JsonElement[]>("/api/packages");
        var incidents = await national.GetFromJsonAsync<JsonElement[]>("/api/incidents");
        var evidence = await national.GetFromJsonAsync<JsonElement[]>("/api/evidence");
        using var download = await national.GetAsync($"/api/packages/{scenario.Package}/download");
        using var random = await national.GetAsync($"/api/packages/{Guid.NewGuid()}/download");

        Assert.Empty(packages!);
        Assert.Empty(incidents!);
        Assert.Empty(evidence!);
        // The same answer for a package that exists and one that never did.
        Assert.Equal(HttpStatusCode.NotFound, download.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, random.StatusCode);
    }

    [Fact]
    public async Task InvestigatorOutsideTheCase_LearnsNothing_UntilMadeAMember()
    {
        await using var scenario = await WebScenario.StartAsync();
        var nadia = await scenario.Server.AddUserAsync("nadia", Evidence.Requests.Role.Investigator);
        using var outsider = scenario.Server.Client(nadia);
        using var olena = scenario.Server.Client(scenario.Investigator);
        var filed = (await WebScenario.UploadAsync(olena, "list.txt", "Bus list, 14 October"u8.ToArray(), contentType: "text/plain"))[0].GetProperty("id").GetGuid();
        // One item filed into the case, one not: only the first is shared by membership.
        using var intoCase = WebScenario.Multipart("filed.txt", "Filed into the case"u8.ToArray());
        intoCase.Add(new StringContent(scenario.Case.ToString()), "caseId");
        var inCase = (await (await olena.PostAsync("/api/evidence", intoCase)).Content.ReadFromJsonAsync<JsonElement[]>())![0].GetProperty("id").GetGuid();

        Assert.Empty((await outsider.GetFromJsonAsync<JsonElement[]>("/api/evidence"))!);
        Assert.Empty((await outsider.GetFromJsonAsync<JsonElement[]>("/api/incidents"))!);
        Assert.Empty((await outsider.GetFromJsonAsync<JsonElement[]>("/api/packages"))!);
        using var detail = await outsider.GetAsync($"/api/evidence/{scenario.Item}");
        using var package = await outsider.GetAsync($"/api/packages/{scenario.Package}/download");
        using var join = await outsider.PostAsJsonAsync($"/api/cases/{scenario.Case}/members", new { member = "nadia" });
        Assert.Equal(HttpStatusCode.NotFound, detail.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, package.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, join.StatusCode);

        (await olena.PostAsJsonAsync($"/api/cases/{scenario.Case}/members", new { member = "nadia" })).EnsureSuccessStatusCode();

        var visible = (await outsider.GetFromJsonAsync<JsonElement[]>("/api/evidence"))!.Select(e => e.GetProperty("id").GetGuid());
        Assert.Equal([inCase], visible);
        Assert.NotEqual(filed, inCase);
    }
}
