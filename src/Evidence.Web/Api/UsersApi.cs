using Evidence.Accounts;
using Evidence.Domain;
using Evidence.Requests;
using MediatR;

namespace Evidence.Web.Api;

/// <summary>Accounts: core requests like every other, which only admins may send (Access/Policy), each change a custody event.</summary>
internal static class UsersApi
{
    public static void Map(RouteGroupBuilder users)
    {
        users.MapGet("", (IMediator mediator, CancellationToken ct) => mediator.Send(new ListUsers(), ct));
        users.MapPost("", (NewUser user, IMediator mediator, CancellationToken ct) => mediator.Send(new AddUser(user.Name, user.Role, user.Office), ct));
        users.MapPut("/{name}/role", async (string name, UserRole role, IMediator mediator, CancellationToken ct) =>
        {
            await mediator.Send(new ChangeUserRole(name, role.Role, role.Office), ct);
            return TypedResults.NoContent();
        });
        users.MapPost("/{name}/two-factor/reset", async (string name, IMediator mediator, CancellationToken ct) =>
        {
            await mediator.Send(new ResetTwoFactor(name), ct);
            return TypedResults.NoContent();
        });
        users.MapDelete("/{name}", async (string name, IMediator mediator, CancellationToken ct) =>
        {
            await mediator.Send(new RemoveUser(name), ct);
            return TypedResults.NoContent();
        });
    }

    public sealed record NewUser(string Name, Role Role, RecipientKind? Office = null);

    public sealed record UserRole(Role Role, RecipientKind? Office = null);
}
