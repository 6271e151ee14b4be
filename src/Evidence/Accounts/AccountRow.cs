using Evidence.Data;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Accounts;

/// <summary>
/// What the custody ledger vouches for of an account (<c>Custody/Projections.Accounts</c>), read straight from Identity's
/// table on the evidence context's connection, so that verify compares it in the same pass as every other table.
/// </summary>
internal sealed record AccountRow(string UserName, string Role, string? Office, DateTime CreatedAtUtc)
{
    public const string Table = "AspNetUsers";

    public static AccountRow Of(EvidenceUser user) => new(user.UserName!, user.Role.ToString(), user.Office?.ToString(), user.CreatedAtUtc);

    public static IQueryable<AccountRow> Read(EvidenceDbContext db) =>
        db.Database.SqlQuery<AccountRow>($"""SELECT "UserName", "Role", "Office", "CreatedAtUtc" FROM "AspNetUsers" """);
}
