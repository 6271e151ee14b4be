using Evidence.Cases;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Cases;

/// <summary>The incident list's filters (region, kind, period, article), alone and combined, and the refusal of malformed ones by field.</summary>
public sealed class IncidentFilterTests : IAsyncLifetime
{
    private const string Deportation = "8(2)(a)(vii)-1";
    private const string Genocide = "6(e)";
    private Slice slice = null!;
    private Guid kherson;
    private Guid camp;
    private Guid adoption;

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        kherson = await slice.SendAsync(new CreateIncident("Removal by bus", IncidentKind.Deportation, "2022-10-14", "Kherson", [Deportation], Region: "Херсонська область"));
        camp = await slice.SendAsync(new CreateIncident("Camp", IncidentKind.Camp, "2023-03", "Yevpatoria", [Deportation, Genocide], PeriodTo: "2023-05", Region: "Crimea"));
        adoption = await slice.SendAsync(new CreateIncident("Adoption", IncidentKind.Adoption, "2022", "Moscow", [Genocide]));
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private async Task<IEnumerable<Guid>> ListAsync(string? region = null, string? kind = null, string? from = null, string? to = null, string? article = null) =>
        (await slice.SendAsync(new ListIncidents(region, kind, from, to, article))).Select(i => i.Id).Order();

    private IEnumerable<Guid> Only(params Guid[] ids) => ids.Order();

    [Fact]
    public async Task NoFilter_ListsEveryIncident()
    {
        Assert.Equal(Only(kherson, camp, adoption), await ListAsync());
        Assert.Equal(Only(kherson, camp, adoption), await ListAsync(region: " ", kind: ""));
    }

    [Fact]
    public async Task Region_MatchesPartOfTheName_IgnoringCase_InAnyScript()
    {
        Assert.Equal(Only(kherson), await ListAsync(region: "херсонська"));
        Assert.Equal(Only(camp), await ListAsync(region: "CRIMEA"));
        Assert.Empty(await ListAsync(region: "Donetsk"));
    }

    [Fact]
    public async Task Kind_AndArticle_NarrowToTheirIncidents()
    {
        Assert.Equal(Only(camp), await ListAsync(kind: "camp"));
        Assert.Equal(Only(kherson, camp), await ListAsync(article: Deportation));
        Assert.Equal(Only(camp, adoption), await ListAsync(article: Genocide));
    }

    [Theory]
    [InlineData("2022-10-14", null, "kherson camp adoption")]
    [InlineData("2022-10-15", "2022-12", "adoption")] // the day after the bus; the adoption's year still overlaps
    [InlineData("2023-05-31", null, "camp")] // the camp's last day
    [InlineData(null, "2023-03-01", "kherson camp adoption")] // the camp's first day
    [InlineData("2023-06", null, "")]
    [InlineData(null, "2021", "")]
    public async Task Period_FindsTheIncidentsWhosePeriodOverlapsIt(string? from, string? to, string expected)
    {
        var names = new Dictionary<string, Guid> { ["kherson"] = kherson, ["camp"] = camp, ["adoption"] = adoption };
        Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(n => names[n]).Order(), await ListAsync(from: from, to: to));
    }

    [Fact]
    public async Task Filters_Combine()
    {
        Assert.Equal(Only(camp), await ListAsync(kind: "Camp", article: Genocide, from: "2023"));
        Assert.Empty(await ListAsync(region: "Crimea", kind: "Deportation"));
        Assert.Empty(await ListAsync(article: Genocide, to: "2021-12-31"));
    }

    [Theory]
    [InlineData(null, "3", null, null, null, "kind")] // Enum.TryParse would take a number
    [InlineData(null, "Camp,Adoption", null, null, null, "kind")]
    [InlineData(null, null, "2022-13", null, null, "from")]
    [InlineData(null, null, "yesterday", null, null, "from")]
    [InlineData(null, null, null, "2022-10-14T08:00", null, "to")]
    [InlineData(null, null, "2023", "2022-12", null, "period")]
    [InlineData(null, null, null, null, "8(2)(z)", "article")]
    [InlineData("a\u0007b", null, null, null, null, "region")]
    public async Task MalformedFilter_IsRefusedByName(string? region, string? kind, string? from, string? to, string? article, string field)
    {
        var request = new ListIncidents(region, kind, from, to, article);

        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(request));

        Assert.Equal([field], request.Problems().Select(p => p.Field));
        Assert.Equal(request.Problems().Select(p => p.Problem), refused.Problems);
    }
}
