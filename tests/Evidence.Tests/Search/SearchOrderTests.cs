using System.Text;
using Evidence.Ingest;
using Evidence.Requests;
using Evidence.Search;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Search;

/// <summary>
/// Search results sorted and paged (issue 18, item 4): every sort key both ways, the ID breaking ties so that pages never
/// overlap or skip an item, items without a capture time last either way, and wrong sort or offset refused.
/// </summary>
public sealed class SearchOrderTests : IAsyncLifetime
{
    private Slice slice = null!;

    public async Task InitializeAsync() => slice = await Slice.StartAsync();

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private async Task<Guid> IngestAsync(string name, string text, string? capturedAt) =>
        (await slice.SendAsync(new IngestEvidence(slice.File(name, Encoding.UTF8.GetBytes(text)), "Investigator A", CapturedAt: capturedAt))).Id;

    [Fact]
    public async Task Sort_ByEveryKey_BothWays()
    {
        var b = await IngestAsync("b.txt", "bb", "2022-10-14");
        var a = await IngestAsync("a.txt", "aaaa", null);
        var c = await IngestAsync("c.txt", "c", "2022-09");
        async Task<Guid[]> Sorted(string? sort) => [.. (await slice.SendAsync(new SearchEvidence(Sort: sort))).Select(r => r.Id)];

        Assert.Equal([b, a, c], await Sorted(null)); // ingest order
        Assert.Equal([b, a, c], await Sorted("ingested"));
        Assert.Equal([c, a, b], await Sorted("-ingested"));
        Assert.Equal([a, b, c], await Sorted("name"));
        Assert.Equal([c, b, a], await Sorted("-name"));
        Assert.Equal([c, b, a], await Sorted("size"));
        Assert.Equal([a, b, c], await Sorted("-size"));
        // Without a capture time, last whichever way.
        Assert.Equal([c, b, a], await Sorted("captured"));
        Assert.Equal([b, c, a], await Sorted("-captured"));
    }

    [Fact]
    public async Task Pages_CoverEveryItemOnce_EvenWhenKeysAreEqual()
    {
        // Seven items of one size and type: only the ID tells them apart, and it must hold the order from page to page.
        var ids = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add(await IngestAsync($"same-{i}.txt", $"{i}", null));
        }
        foreach (var sort in new[] { "size", "-size", "type", "captured", "-captured" })
        {
            var seen = new List<Guid>();
            for (var offset = 0; offset < 9; offset += 3)
            {
                seen.AddRange((await slice.SendAsync(new SearchEvidence(Sort: sort, Limit: 3, Offset: offset))).Select(r => r.Id));
            }
            Assert.Equal(ids.Order(), seen.Order());
            Assert.Equal(7, seen.Distinct().Count());
        }
        Assert.Empty(await slice.SendAsync(new SearchEvidence(Offset: 7)));
    }

    [Theory]
    [InlineData("colour", null)]
    [InlineData("--name", null)]
    [InlineData("name-", null)]
    [InlineData("name; DROP TABLE evidence", null)]
    [InlineData(null, -1)]
    [InlineData(null, 10_000_001)]
    public async Task WrongSortOrOffset_IsRefused(string? sort, int? offset)
    {
        await IngestAsync("a.txt", "a", null);
        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => slice.SendAsync(new SearchEvidence(Sort: sort, Offset: offset ?? 0)));
        Assert.Contains(sort is null ? "the offset" : "the sort", refused.Message, StringComparison.Ordinal);
    }
}
