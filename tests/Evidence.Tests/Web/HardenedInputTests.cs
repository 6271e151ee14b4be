using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Web;

/// <summary>
/// Input that names something that does not exist (an office, a recipient, a role, an account) is refused with 400
/// naming the field; names that carry direction overrides are shown as recorded but cannot pass for another name.
/// </summary>
public sealed class HardenedInputTests
{
    private const string Rlo = "\u202E";

    [Theory]
    [InlineData("packages", """{"incidentId":"INCIDENT","recipient":7}""", "recipient")]
    [InlineData("packages", """{"incidentId":"INCIDENT","recipient":"7"}""", "recipient")]
    [InlineData("referrals", """{"office":7}""", "office")]
    [InlineData("users", """{"name":"new-prosecutor","role":"Prosecutor","office":7}""", "office")]
    [InlineData("users", """{"name":"new-prosecutor","role":"Prosecutor","office":"7"}""", "office")]
    [InlineData("users", """{"name":"new-prosecutor","role":9}""", "role")]
    public async Task Json_UndefinedEnumValue_400NamingTheField_NothingRecorded(string endpoint, string body, string field)
    {
        await using var scenario = await WebScenario.StartAsync();
        var (user, path) = endpoint switch
        {
            "packages" => (scenario.Investigator, "/api/packages"),
            "referrals" => (scenario.Investigator, $"/api/incidents/{scenario.Incident}/referrals"),
            _ => (scenario.Admin, "/api/users"),
        };
        using var client = scenario.Server.Client(user);
        using var admin = scenario.Server.Client(scenario.Admin);
        using var investigator = scenario.Server.Client(scenario.Investigator);
        var packagesBefore = (await investigator.GetFromJsonAsync<JsonElement[]>("/api/packages"))!.Length;

        using var response = await client.PostAsync(path, new StringContent(body.Replace("INCIDENT", scenario.Incident.ToString(), StringComparison.Ordinal), Encoding.UTF8, "application/json"));

        var problem = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {problem}");
        Assert.Contains(field, problem, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(packagesBefore, (await investigator.GetFromJsonAsync<JsonElement[]>("/api/packages"))!.Length);
        Assert.DoesNotContain("new-prosecutor", await admin.GetStringAsync("/api/users"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddCaseMember_NameNoAccountHas_400_AndWhoeverLaterTakesTheNameSeesNothing()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        using var form = WebScenario.Multipart("statement.txt", "A statement filed to the case"u8.ToArray());
        form.Add(new StringContent(scenario.Case.ToString()), "caseId");
        using var uploaded = await investigator.PostAsync("/api/evidence", form);
        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        var item = JsonDocument.Parse(await uploaded.Content.ReadAsStringAsync()).RootElement[0].GetProperty("id").GetGuid();

        using var ghost = await investigator.PostAsJsonAsync($"/api/cases/{scenario.Case}/members", new { member = "ghost" });
        var colleague = await scenario.Server.AddUserAsync("taras", Requests.Role.Investigator);
        using var existing = await investigator.PostAsJsonAsync($"/api/cases/{scenario.Case}/members", new { member = colleague.Name });
        var later = await scenario.Server.AddUserAsync("ghost", Requests.Role.Investigator);
        using var ghostSees = await scenario.Server.Client(later).GetAsync($"/api/evidence/{item}");
        using var colleagueSees = await scenario.Server.Client(colleague).GetAsync($"/api/evidence/{item}");

        Assert.Equal(HttpStatusCode.BadRequest, ghost.StatusCode);
        Assert.Contains("no account named 'ghost'", await ghost.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, existing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, ghostSees.StatusCode);
        Assert.Equal(HttpStatusCode.OK, colleagueSees.StatusCode);
    }

    [Fact]
    public async Task NameWithADirectionOverride_PagesAndCoverReport_ShowTheOverrideInsteadOfObeyingIt()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        // Shown raw, "photo" + RLO + "gpj.exe" reads "photoexe.jpg": an executable posing as a photo.
        var name = "photo" + Rlo + "gpj.exe";
        var item = (await WebScenario.UploadAsync(investigator, name, "MZ not really a photo"u8.ToArray(), collector: "Olena" + Rlo + "K"))[0];
        var id = item.GetProperty("id").GetGuid();
        (await investigator.PostAsJsonAsync($"/api/evidence/{id}/tags", new { incidentId = scenario.Incident, elements = new[] { "8(2)(a)(vii)-1:1" } })).EnsureSuccessStatusCode();
        using var prosecutor = scenario.Server.Client(scenario.IccProsecutor);
        var package = await WebScenario.IdOf(await prosecutor.PostAsJsonAsync("/api/packages", new { incidentId = scenario.Incident, recipient = "Icc" }));

        var detail = await investigator.GetStringAsync($"/evidence/{id}");
        var list = await investigator.GetStringAsync("/");
        var cover = await CoverReportAsync(await prosecutor.GetByteArrayAsync($"/api/packages/{package}/download"));

        Assert.Equal(name, item.GetProperty("originalName").GetString()); // recorded exactly as it came
        foreach (var html in new[] { detail, list, cover })
        {
            Assert.DoesNotContain(Rlo, html, StringComparison.Ordinal);
            Assert.DoesNotContain("&#x202E;", html, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("photo\\u202Egpj.exe", html, StringComparison.Ordinal);
            Assert.Contains("Olena\\u202EK", html, StringComparison.Ordinal);
        }
    }

    private static async Task<string> CoverReportAsync(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip));
        var entry = archive.Entries.Single(e => e.FullName.EndsWith("/data/README.html", StringComparison.Ordinal));
        using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }
}
