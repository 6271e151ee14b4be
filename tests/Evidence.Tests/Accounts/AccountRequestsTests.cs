using System.Text.Json;
using Evidence.Accounts;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Accounts;

/// <summary>
/// Accounts are core requests (issue 16): authorized like every other request, each change a custody event, and the
/// accounts table held to the ledger by verify like every other table. Runs on SQLite and in the PostgreSQL pass.
/// </summary>
public sealed class AccountRequestsTests : IAsyncLifetime
{
    private Slice slice = null!;

    public async Task InitializeAsync() => slice = await Slice.StartAsync();

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private Task<T> AsAdminAsync<T>(MediatR.IRequest<T> request) => slice.SendAsync(request, Role.Admin, "operator");

    private Task<VerificationReport> VerifyAsync() => slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor");

    private Task<List<CustodyEvent>> EventsAsync(string action) =>
        slice.QueryAsync(db => db.CustodyEvents.AsNoTracking().Where(e => e.Action == action).OrderBy(e => e.Sequence).ToListAsync());

    [Fact]
    public async Task AddChangeRemove_EachIsACustodyEvent_AndVerifyIsClean()
    {
        var added = await AsAdminAsync(new AddUser("olena", Role.Prosecutor, RecipientKind.Icc));
        await AsAdminAsync(new ChangeUserRole("olena", Role.Investigator));
        await AsAdminAsync(new AddUser("taras", Role.Auditor));
        await AsAdminAsync(new RemoveUser("taras"));
        var users = await AsAdminAsync(new ListUsers());

        var olena = Assert.Single(users);
        Assert.Equal(("olena", Role.Investigator, (RecipientKind?)null), (olena.Name, olena.Role, olena.Office));
        Assert.Equal(1, olena.Tokens);
        Assert.StartsWith("evd_", added.Token, StringComparison.Ordinal);
        Assert.Equal(20, added.Password.Length);
        var adds = await EventsAsync("UserAdded");
        Assert.Equal(["olena", "taras"], adds.Select(e => Details(e)["user"]));
        Assert.All(adds, e => Assert.Equal("operator", e.Actor));
        Assert.Equal("Icc", Details(adds[0])["office"]);
        Assert.DoesNotContain(added.Password, string.Concat(adds.Select(e => e.Leaf)), StringComparison.Ordinal);
        Assert.DoesNotContain(added.Token, string.Concat(adds.Select(e => e.Leaf)), StringComparison.Ordinal);
        Assert.Equal("Investigator", Details(Assert.Single(await EventsAsync("UserRoleChanged")))["role"]);
        Assert.Equal("taras", Details(Assert.Single(await EventsAsync("UserRemoved")))["user"]);
        var report = await VerifyAsync();
        Assert.True(report.Clean, string.Join("\n", report.Findings));
    }

    [Theory]
    [InlineData(Role.Investigator)]
    [InlineData(Role.Prosecutor)]
    [InlineData(Role.Auditor)]
    public async Task NotAnAdmin_IsRefused_AndTheRefusalIsRecorded(Role role)
    {
        var refused = await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new AddUser("mallory", Role.Admin), role, "insider"));

        Assert.Contains("Admin", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await AsAdminAsync(new ListUsers()));
        var denied = Assert.Single(await EventsAsync("AccessDenied"));
        Assert.Equal(("insider", "AddUser", "mallory"), (denied.Actor, Details(denied)["request"], Details(denied)["user"]));
        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new ChangeUserRole("operator", Role.Admin), role, "insider"));
        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new RemoveUser("operator"), role, "insider"));
        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new ListUsers(), role, "insider"));
    }

    [Fact]
    public async Task BadNames_DuplicateNames_AndTheLastAdmin_AreRefused_NothingRecorded()
    {
        await AsAdminAsync(new AddUser("admin-one", Role.Admin));
        var before = await slice.CountCustodyEventsAsync();

        foreach (var name in new[] { "", "a", "../../etc/passwd", "olena\u202Egpj", "имя", new string('x', 65) })
        {
            await Assert.ThrowsAsync<InvalidRequestException>(() => AsAdminAsync(new AddUser(name, Role.Investigator)));
        }
        await Assert.ThrowsAsync<InvalidRequestException>(() => AsAdminAsync(new AddUser("prosecutor-x", Role.Prosecutor)));
        await Assert.ThrowsAsync<InvalidRequestException>(() => AsAdminAsync(new AddUser("auditor-x", Role.Auditor, RecipientKind.Icc)));
        await Assert.ThrowsAsync<InvalidRequestException>(() => AsAdminAsync(new AddUser("ADMIN-ONE", Role.Investigator)));
        // The operator acted (it added admin-one): its name is never given to an account.
        await Assert.ThrowsAsync<InvalidRequestException>(() => AsAdminAsync(new AddUser("operator", Role.Investigator)));
        await Assert.ThrowsAsync<InvalidRequestException>(() => AsAdminAsync(new RemoveUser("admin-one")));
        await Assert.ThrowsAsync<InvalidRequestException>(() => AsAdminAsync(new ChangeUserRole("admin-one", Role.Auditor)));
        await Assert.ThrowsAsync<NotFoundException>(() => AsAdminAsync(new RemoveUser("nobody")));

        Assert.Equal(before, await slice.CountCustodyEventsAsync());
        Assert.Equal(Role.Admin, Assert.Single(await AsAdminAsync(new ListUsers())).Role);
    }

    [Fact]
    public async Task RemovedName_IsNeverGivenAgain()
    {
        await AsAdminAsync(new AddUser("olena", Role.Investigator));
        await AsAdminAsync(new RemoveUser("olena"));

        var again = await Assert.ThrowsAsync<InvalidRequestException>(() => AsAdminAsync(new AddUser("olena", Role.Prosecutor, RecipientKind.National)));

        Assert.Contains("never given to another person", again.Message, StringComparison.Ordinal);
    }

    /// <summary>An insider with the database raises their own role: what decides what they may do is a finding.</summary>
    [Fact]
    public async Task RoleForgedInTheDatabase_IsFound()
    {
        await AsAdminAsync(new AddUser("olena", Role.Investigator));
        await slice.TamperAsync("""UPDATE "AspNetUsers" SET "Role" = 'Admin' WHERE "UserName" = 'olena';""");

        var report = await VerifyAsync();

        var finding = Assert.Single(report.Findings);
        Assert.Equal(("AspNetUsers olena Role", "Admin"), (finding.Subject, finding.Found));
    }

    [Fact]
    public async Task AccountInsertedOrDeletedInTheDatabase_IsFound()
    {
        await AsAdminAsync(new AddUser("olena", Role.Investigator));
        await AsAdminAsync(new AddUser("taras", Role.Investigator));
        await slice.TamperAsync("""
            INSERT INTO "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Role", "Office", "MustChangePassword", "CreatedAtUtc", "EmailConfirmed",
                "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount")
            SELECT 'planted', 'mallory', 'MALLORY', 'Admin', NULL, "MustChangePassword", "CreatedAtUtc", "EmailConfirmed",
                "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount" FROM "AspNetUsers" WHERE "UserName" = 'olena';
            DELETE FROM "AspNetUsers" WHERE "UserName" = 'taras';
            """);

        var report = await VerifyAsync();

        Assert.Contains(report.Findings, f => f.Subject == "AspNetUsers mallory" && f.Found.Contains("no custody event recorded", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Subject == "AspNetUsers taras" && f.Found == "no row: it was deleted");
        Assert.Equal(2, report.Findings.Count);
    }

    /// <summary>
    /// An installation from before accounts were recorded: its accounts are recorded once, at the next start, as existing;
    /// after that an account that appears without an event is a finding again.
    /// </summary>
    [Fact]
    public async Task AccountsFromBeforeTheyWereRecorded_AreRecordedOnce_AtStartUp()
    {
        // The accounts schema as the older version left it (its first migration), and its accounts as it wrote them: straight
        // into Identity's table, no event.
        await using (var scope = slice.Services.CreateAsyncScope())
        {
            var accounts = scope.ServiceProvider.GetRequiredService<AccountsDbContext>();
            var first = accounts.GetService<IMigrationsAssembly>().Migrations.Keys.Min(StringComparer.Ordinal)!;
            await accounts.GetService<IMigrator>().MigrateAsync(first);
        }
        await AddAsAnOlderVersionDidAsync("olena");
        await AddAsAnOlderVersionDidAsync("taras");

        await EvidenceServices.PrepareAsync(slice.Services, CancellationToken.None);
        var recorded = await EventsAsync("UserAdded");
        var clean = await VerifyAsync();
        await AddAsAnOlderVersionDidAsync("mallory");
        await EvidenceServices.PrepareAsync(slice.Services, CancellationToken.None);
        var after = await VerifyAsync();

        Assert.Equal(["olena", "taras"], recorded.Select(e => Details(e)["user"]).Order());
        Assert.All(recorded, e => Assert.Equal(("evidence-upgrade", "true"), (e.Actor, Details(e)["existing"])));
        Assert.True(clean.Clean, string.Join("\n", clean.Findings));
        Assert.Equal(2, (await EventsAsync("UserAdded")).Count);
        Assert.Equal("AspNetUsers mallory", Assert.Single(after.Findings).Subject);
    }

    // Only the columns the first accounts migration has (an older version knew no more).
    private async Task AddAsAnOlderVersionDidAsync(string name)
    {
        await using var scope = slice.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AccountsDbContext>().Database.ExecuteSqlAsync($"""
            INSERT INTO "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Role", "Office", "MustChangePassword", "CreatedAtUtc", "EmailConfirmed",
                "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount")
            VALUES ({Guid.NewGuid().ToString()}, {name}, {name.ToUpperInvariant()}, 'Investigator', NULL, false, '2026-11-30 09:00:00', false, false, false, true, 0)
            """);
    }

    private static Dictionary<string, string> Details(CustodyEvent e) => JsonSerializer.Deserialize<Dictionary<string, string>>(e.Details)!;
}
