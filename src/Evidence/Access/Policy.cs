using System.Reflection;
using Evidence.Domain;
using Evidence.Requests;

namespace Evidence.Access;

/// <summary>
/// Who may send which request, asked in one way by everyone: the authorization behavior before a handler runs, and the
/// pages and the command line before they offer an action. The answer comes from the request's own
/// <see cref="AllowedRolesAttribute"/>, so a page never keeps a copy of a role list that could drift from the rule.
/// </summary>
public static class Policy
{
    /// <summary>The roles that may send <paramref name="request"/>; null when any role may.</summary>
    public static IReadOnlyList<Role>? RolesAllowed(Type request) => request.GetCustomAttribute<AllowedRolesAttribute>()?.Roles;

    /// <summary>Whether the actor's role may send a <typeparamref name="TRequest"/>.</summary>
    public static bool May<TRequest>(this Actor actor) => actor.May(typeof(TRequest));

    public static bool May(this Actor actor, Type request) => RolesAllowed(request) is not { } roles || roles.Contains(actor.Role);

    /// <summary>
    /// The office rule: a prosecutor of one office acts for that office only. A prosecutor without an office is the local
    /// operator of the embedded default, who holds the whole database; every other role has no office.
    /// </summary>
    public static void RequireOwnOffice(Actor actor, RecipientKind recipient)
    {
        if (actor is { Role: Role.Prosecutor, Office: { } office } && recipient != office)
        {
            throw new ForbiddenException($"A prosecutor of the {office} office may request packages only for that office, not for {recipient}.");
        }
    }
}
