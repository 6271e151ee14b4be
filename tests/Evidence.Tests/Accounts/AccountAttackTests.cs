using System.Text.Json;
using Evidence.Accounts;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Accounts;

/// <summary>Hostile review of accounts as ledger events: insiders with the database, non-admins, races.</summary>
public sealed class AccountAttackTests : IAsyncLifetime
{
    private Slice slice = null!;

    public async Task InitializeAsync() => slice = await Slice.StartAsync();

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private Task<T> AsAdminAsync<T>(MediatR.IRequest<T> request, string actor = "operator") => slice.SendAsync(request, Role.Admin, actor);

    private Task<VerificationReport> VerifyAsync() => slice.SendAsync(new VerifyCustody(), Role.Auditor, "auditor");

    private Task<List<CustodyEvent>> EventsAsync(string action) =>
        slice.QueryAsync(db => db.CustodyEvents.AsNoTracking().Where(e => e.Action == action).OrderBy(e => e.Sequence).ToListAsync());

    private static Dictionary<string, string> Details(CustodyEvent e) => JsonSerializer.Deserialize<Dictionary<string, string>>(e.Details)!;

    private const string PlantMallory = """
        INSERT INTO "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Role", "Office", "MustChangePassword", "CreatedAtUtc", "EmailConfirmed",
            "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount")
        SELECT 'planted', 'mallory', 'MALLORY', 'Admin', NULL, "MustChangePassword", "CreatedAtUtc", "EmailConfirmed",
            "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount" FROM "AspNetUsers" WHERE "UserName" = 'olena';
        """;

    /// <summary>
    /// The one-time adoption asks the Action column (beside the leaf, editable) whether the ledger has an account event.
    /// An insider renames those columns for one start, plants an admin row, lets any start-up (any CLI command) adopt it as
    /// "existing", and puts the columns back: the forged admin now has a signed UserAdded event and verify is clean.
    /// </summary>
    [SqliteFact]
    public async Task Adoption_RunAgainByRenamingTheActionColumn_ForgedAdminIsAdopted_VerifyMustNotBeClean()
    {
        await AsAdminAsync(new AddUser("olena", Role.Investigator));
        await slice.TamperAsync(PlantMallory + """
            UPDATE custody_events SET "Action" = 'Hidden' || "Action" WHERE "Action" IN ('UserAdded', 'UserRoleChanged', 'UserRemoved');
            """);

        await EvidenceServices.PrepareAsync(slice.Services, CancellationToken.None); // the next start of anything
        await slice.SqlAsync("""UPDATE custody_events SET "Action" = substr("Action", 7) WHERE "Action" LIKE 'Hidden%';""");
        var report = await VerifyAsync();

        Assert.Contains(report.Findings, f => f.Subject.StartsWith("AspNetUsers mallory", StringComparison.Ordinal));
    }

    /// <summary>The last-admin rule is read before the write lock: two demotions at once leave no admin at all.</summary>
    [Fact]
    public async Task TwoAdminsDemotedAtOnce_AnAdminRemains()
    {
        for (var round = 0; round < 8; round++)
        {
            await AsAdminAsync(new AddUser($"a{round}x", Role.Admin));
            await AsAdminAsync(new AddUser($"a{round}y", Role.Admin));
            var admins = (await AsAdminAsync(new ListUsers())).Where(u => u.Role == Role.Admin).Select(u => u.Name).ToList();
            foreach (var keep in admins.Where(a => !a.StartsWith($"a{round}", StringComparison.Ordinal)))
            {
                await AsAdminAsync(new ChangeUserRole(keep, Role.Auditor));
            }
            await Task.WhenAll(
                Task.Run(() => Quietly(AsAdminAsync(new ChangeUserRole($"a{round}x", Role.Auditor)))),
                Task.Run(() => Quietly(AsAdminAsync(new ChangeUserRole($"a{round}y", Role.Auditor)))));
            var left = (await AsAdminAsync(new ListUsers())).Count(u => u.Role == Role.Admin);
            Assert.True(left >= 1, $"round {round}: no admin left");
        }

        static async Task Quietly(Task task)
        {
            try
            {
                await task;
            }
            catch (InvalidRequestException)
            {
            }
        }
    }

    /// <summary>Who holds an account on a war-crimes evidence system is itself sensitive: a refused listing is recorded.</summary>
    [Fact]
    public async Task ListUsers_RefusedToAnInvestigator_IsRecorded()
    {
        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new ListUsers(), Role.Investigator, "insider"));

        var denied = Assert.Single(await EventsAsync("AccessDenied"));
        Assert.Equal(("insider", "ListUsers"), (denied.Actor, Details(denied)["request"]));
    }

    /// <summary>
    /// A refusal records the name the refused user typed. The ledger carries free text only by its hash (a child's name
    /// must never be readable there): a non-admin must not be able to write any text they like into it.
    /// </summary>
    [Fact]
    public async Task RefusedRemoveUser_DoesNotWriteTheCallersFreeTextIntoTheLedger()
    {
        var text = "Ivanenko Mariia, born 2014, Bucha " + new string('x', 4000);

        await Assert.ThrowsAsync<ForbiddenException>(() => slice.SendAsync(new RemoveUser(text), Role.Investigator, "insider"));

        var denied = Assert.Single(await EventsAsync("AccessDenied"));
        Assert.DoesNotContain("Mariia", denied.Leaf, StringComparison.Ordinal);
    }

    /// <summary>
    /// An insider raises their own role in the database for a moment, acts as admin through the normal requests (adds a
    /// second admin), then demotes themselves back through a request. Every row now matches its events, and verify was
    /// clean, though the ledger itself says mallory was an Investigator when mallory, "Admin", added mallory2.
    /// </summary>
    [Fact]
    public async Task RoleForgedForAMoment_ThenLaunderedThroughRequests_VerifyMustNotBeClean()
    {
        await AsAdminAsync(new AddUser("mallory", Role.Investigator));
        await slice.TamperAsync("""UPDATE "AspNetUsers" SET "Role" = 'Admin' WHERE "UserName" = 'mallory';""");

        // What the web app does for mallory's cookie or token now: the role comes from the row.
        await AsAdminAsync(new AddUser("mallory2", Role.Admin), actor: "mallory");
        await AsAdminAsync(new ChangeUserRole("mallory", Role.Investigator), actor: "mallory");
        var report = await VerifyAsync();

        Assert.False(report.Clean, "mallory acted as Admin while the ledger says Investigator; mallory2 is an admin nobody entitled made");
        Assert.Equal(2, report.Findings.Count(f => f.Kind == "event" && f.Found.StartsWith("mallory, whom the ledger gives the role Investigator", StringComparison.Ordinal)));
    }
}
