using Evidence.Requests;

namespace Evidence.Access;

/// <summary>Names the roles that may send a request. A request without it may be sent by any role.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AllowedRolesAttribute(params Role[] roles) : Attribute
{
    public IReadOnlyList<Role> Roles { get; } = roles;
}
