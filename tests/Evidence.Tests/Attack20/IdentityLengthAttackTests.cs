using Evidence.Cases;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Attack20;

/// <summary>
/// A database administrator (or whoever holds a dump or a backup's <c>evidence.db</c>) cannot open a child's sealed identity,
/// but reads its length. AES-GCM hides the bytes, not how many there are: sealed as it was serialized, the identity's length
/// was the length of the child's name (plus the fields given), which together with the age, sex and place of origin kept in
/// clear beside it narrows a public list of deported children to one. Real SQLite database, through the requests.
/// </summary>
public sealed class IdentityLengthAttackTests : IAsyncLifetime
{
    private Slice slice = null!;

    public async Task InitializeAsync() => slice = await Slice.StartAsync();

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private Task<int> SealedLengthAsync(string code) =>
        slice.QueryAsync(db => db.Victims.AsNoTracking().Where(v => v.Code == code).Select(v => v.ProtectedIdentity!.Length).SingleAsync());

    /// <summary>
    /// Names of 2 and of 70 Cyrillic letters, and one with a date of birth: their sealed identities are the same length, and
    /// each opens to exactly what was given. The largest identity the requests accept is sealed too, to a whole number of blocks.
    /// </summary>
    [Fact]
    public async Task SealedIdentities_OfNamesOfDifferentLengths_AreTheSameLength_AndOpenToWhatWasGiven()
    {
        var identities = new[]
        {
            new VictimIdentity("Ян"),
            new VictimIdentity(string.Concat(Enumerable.Repeat("Олександра", 7))),
            new VictimIdentity("Марія Коваленко", "2013-04-02"),
        };
        var codes = new List<string>();
        foreach (var identity in identities)
        {
            codes.Add(await slice.SendAsync(new AddVictim(9, "f", "Kherson", Identity: identity), actor: "olena"));
        }

        var lengths = new List<int>();
        foreach (var code in codes)
        {
            lengths.Add(await SealedLengthAsync(code));
        }

        Assert.Single(lengths.Distinct());
        for (var i = 0; i < codes.Count; i++)
        {
            Assert.Equal(identities[i], await slice.SendAsync(new RevealVictimIdentity(codes[i], "checking the seal"), actor: "olena"));
        }

        var largest = new VictimIdentity(new string('Щ', 300), "2013-04-02", new string('Ї', 4000), new string('Є', 4000));
        var largestCode = await slice.SendAsync(new AddVictim(9, Identity: largest), actor: "olena");
        Assert.Equal(largest, await slice.SendAsync(new RevealVictimIdentity(largestCode, "checking the seal"), actor: "olena"));
        Assert.Equal(0, (await SealedLengthAsync(largestCode) - lengths[0]) % 512);
    }
}
