using System.Text.Json;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Cli;

/// <summary>The case-model verbs as auditors' and prosecutors' scripts call them: JSON shapes and exit codes.</summary>
public sealed class CaseModelCliTests : IDisposable
{
    private readonly TestHome home = new();
    private string Home => Path.Combine(home.Path, "home");

    public void Dispose() => home.Dispose();

    private async Task<JsonElement> JsonAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await Run.CliAsync(Home, [.. args, "--json"]);
        Assert.True(exit == 0, $"{string.Join(" ", args)}: exit {exit}: {stderr}");
        return JsonDocument.Parse(stdout).RootElement;
    }

    [Fact]
    public async Task CaseModel_EndToEnd_JsonShapesAndMatrixWithGaps()
    {
        var incident = (await JsonAsync("incident", "add", "--title", "Transfer from a children's home", "--kind", "deportation", "--from", "2022-10",
            "--to", "2022-11", "--place", "Kherson", "--article", "8(2)(a)(vii)-1", "--children", "15", "--coordinates", "46.6354,32.6169")).GetProperty("id").GetString()!;
        var official = (await JsonAsync("perpetrator", "add", "--name", "Official A", "--kind", "person", "--alias", "The Commissioner")).GetProperty("id").GetString()!;
        var again = await Run.CliAsync(Home, "perpetrator", "add", "--name", "the commissioner", "--kind", "person");
        var unit = (await JsonAsync("perpetrator", "add", "--name", "Unit 0000", "--kind", "unit")).GetProperty("id").GetString()!;
        await JsonAsync("perpetrator", "link", official, "--commands", unit);
        var code = (await JsonAsync("victim", "add", "--age", "9", "--name", "Synthetic Child", "--born", "2013-04-02")).GetProperty("code").GetString();
        var file = home.File("order.txt", "Order on the evacuation of pupils"u8.ToArray());
        var item = (await JsonAsync("ingest", file, "--collector", "A"))[0];
        var evidence = item.GetProperty("id").GetString()!;
        await JsonAsync("tag", evidence, "--incident", incident, "--perpetrator", official, "--victim", code!, "--element", "8(2)(a)(vii)-1:1", "--note", "signed order");

        var matrix = await JsonAsync("incident", "matrix", incident);
        var byText = await JsonAsync("search", "evacuation");
        var byHash = await JsonAsync("search", "--sha256", item.GetProperty("sha256").GetString()![..8]);
        var byVictim = await JsonAsync("search", "--victim", code!, "--role", "prosecutor");

        Assert.Equal(0, again.Exit);
        Assert.Contains("already recorded under the same name or alias", again.Err);
        Assert.Equal("V-0001", code);
        Assert.Equal(incident, matrix.GetProperty("incident").GetString());
        var elements = matrix.GetProperty("articles")[0].GetProperty("elements");
        Assert.Equal("8(2)(a)(vii)-1", matrix.GetProperty("articles")[0].GetProperty("article").GetString());
        Assert.Equal(evidence, elements[0].GetProperty("evidence")[0].GetString());
        Assert.Equal(0, elements[1].GetProperty("evidence").GetArrayLength());
        Assert.Equal(1, elements[0].GetProperty("number").GetInt32());
        Assert.False(string.IsNullOrEmpty(elements[0].GetProperty("text").GetString()));
        Assert.Equal(4, matrix.GetProperty("gaps").GetInt32());
        Assert.Equal(evidence, Assert.Single(byText.EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(evidence, Assert.Single(byHash.EnumerateArray()).GetProperty("id").GetString());
        var record = Assert.Single(byVictim.EnumerateArray());
        Assert.Equal("V-0001", record.GetProperty("victims")[0].GetString());
        Assert.DoesNotContain("Synthetic Child", record.ToString());
        Assert.Equal(0, (await Run.CliAsync(Home, "verify")).Exit);
    }

    [Fact]
    public async Task VictimReveal_AuditorRefusedAndRecorded_ProsecutorSeesIt()
    {
        await JsonAsync("victim", "add", "--age", "7", "--name", "Synthetic Child");

        var refused = await Run.CliAsync(Home, "victim", "reveal", "V-0001", "--purpose", "audit", "--role", "auditor");
        var revealed = await JsonAsync("victim", "reveal", "V-0001", "--purpose", "family tracing", "--role", "prosecutor");
        var leaves = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            leaves.Add((await JsonAsync("log", "inclusion", "--index", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).GetProperty("leaf").GetString()!);
        }

        Assert.Equal(2, refused.Exit);
        Assert.Contains("may be sent only by Investigator or Prosecutor", refused.Err);
        Assert.Equal("Synthetic Child", revealed.GetProperty("name").GetString());
        Assert.Contains("\"action\":\"AccessDenied\"", leaves[1]);
        Assert.Contains("\"action\":\"IdentityRevealed\"", leaves[2]);
        Assert.All(leaves, leaf => Assert.DoesNotContain("Synthetic", leaf));
    }

    [Theory]
    [InlineData("incident", "add", "--title", "x", "--kind", "kidnap", "--from", "2022", "--place", "K", "--article", "6(e)")]
    [InlineData("incident", "add", "--title", "x", "--kind", "1", "--from", "2022", "--place", "K", "--article", "6(e)")]
    [InlineData("incident", "add", "--title", "x", "--kind", "camp", "--from", "2022", "--place", "K", "--article", "6(e)", "--coordinates", "north")]
    [InlineData("incident", "add", "--title", "x", "--kind", "camp", "--from", "2099", "--place", "K", "--article", "6(e)")]
    [InlineData("incident", "matrix", "not-an-id")]
    [InlineData("incident", "matrix", "00000000-0000-0000-0000-000000000001")]
    [InlineData("perpetrator", "add", "--name", "x", "--kind", "ghost")]
    [InlineData("perpetrator", "link", "00000000-0000-0000-0000-000000000001", "--commands", "x", "--member-of", "y")]
    [InlineData("victim", "add", "--born", "2013-01-01")]
    [InlineData("victim", "add", "--age", "nine")]
    [InlineData("tag", "00000000-0000-0000-0000-000000000001", "--incident", "00000000-0000-0000-0000-000000000002")]
    [InlineData("untag", "00000000-0000-0000-0000-000000000001")]
    [InlineData("search", "--sha256", "xyz")]
    [InlineData("search", "x", "--role", "auditor")]
    public async Task CaseModelVerbs_BadInput_ExitTwoNothingRecorded(params string[] args)
    {
        var (exit, stdout, stderr) = await Run.CliAsync(Home, args);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith("evidence: ", stderr);
        Assert.Equal(2, (await Run.CliAsync(Home, "log", "checkpoint")).Exit); // still nothing in the ledger
    }

    [Fact]
    public async Task CaseMember_LetsAnotherInvestigatorSeeTheCase()
    {
        var caseId = (await JsonAsync("--as", "anna", "case", "add", "--title", "Kherson")).GetProperty("id").GetString()!;
        var file = home.File("list.txt", "Bus list"u8.ToArray());
        await JsonAsync("--as", "anna", "ingest", file, "--collector", "Anna", "--case", caseId);

        var before = await JsonAsync("--as", "boris", "search");
        var refused = await Run.CliAsync(Home, "--as", "boris", "case", "member", caseId, "boris");
        var added = await JsonAsync("--as", "anna", "case", "member", caseId, "boris");
        var after = await JsonAsync("--as", "boris", "search");
        var malformed = await Run.CliAsync(Home, "--as", "anna", "case", "member", "not-a-case", "boris");

        Assert.Equal(0, before.GetArrayLength());
        Assert.NotEqual(0, refused.Exit);
        Assert.True(added.GetProperty("added").GetBoolean());
        Assert.Equal(1, after.GetArrayLength());
        Assert.NotEqual(0, malformed.Exit);
        Assert.Contains("not a case id", malformed.Err);
    }
}
