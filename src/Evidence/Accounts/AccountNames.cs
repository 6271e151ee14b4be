using Evidence.Data;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Accounts;

/// <summary>
/// The web app's accounts as the core sees them until they move into the core (issue 16): they live in the same
/// database, in ASP.NET Core Identity's <c>AspNetUsers</c> table, which the accounts migrations create when the web
/// app or <c>evidence user</c> first runs. Read-only, by exact user name, the name an account signs in and acts as.
/// </summary>
internal static class AccountNames
{
    /// <summary>
    /// Whether <paramref name="name"/> is an account's user name; null when the installation has no accounts at all (a
    /// home used only from the command line, whose actors are its operators' own names).
    /// </summary>
    public static async Task<bool?> ExistsAsync(EvidenceDbContext db, string name, CancellationToken cancellationToken)
    {
        // Looked up before the table is read: on PostgreSQL a failed statement would end the request's transaction.
        var tables = db.Database.IsNpgsql()
            ? db.Database.SqlQuery<int>($"SELECT CAST(COUNT(*) AS INTEGER) AS \"Value\" FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'AspNetUsers'")
            : db.Database.SqlQuery<int>($"SELECT CAST(COUNT(*) AS INTEGER) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = 'AspNetUsers'");
        if (await tables.SingleAsync(cancellationToken) == 0)
        {
            return null;
        }
        var accounts = await db.Database.SqlQuery<int>($"SELECT CAST(COUNT(*) AS INTEGER) AS \"Value\" FROM \"AspNetUsers\"").SingleAsync(cancellationToken);
        if (accounts == 0)
        {
            return null;
        }
        return await db.Database.SqlQuery<int>($"SELECT CAST(COUNT(*) AS INTEGER) AS \"Value\" FROM \"AspNetUsers\" WHERE \"UserName\" = {name}")
            .SingleAsync(cancellationToken) > 0;
    }
}
