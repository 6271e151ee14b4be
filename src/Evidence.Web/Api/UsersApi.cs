using Evidence.Domain;
using Evidence.Requests;
using Evidence.Web.Accounts;

namespace Evidence.Web.Api;

/// <summary>Accounts, for admins only (an endpoint policy: accounts are the web app's own, not a core request).</summary>
internal static class UsersApi
{
    public static void Map(RouteGroupBuilder users)
    {
        users.MapGet("", (UserAccounts accounts, CancellationToken ct) => accounts.ListAsync(ct));
        users.MapPost("", (NewUser user, UserAccounts accounts, CancellationToken ct) => accounts.AddAsync(user.Name, user.Role, user.Office, ct));
        users.MapDelete("/{name}", async (string name, UserAccounts accounts, CancellationToken ct) =>
        {
            await accounts.DeleteAsync(name, ct);
            return TypedResults.NoContent();
        });
    }

    public sealed record NewUser(string Name, Role Role, RecipientKind? Office = null);
}
