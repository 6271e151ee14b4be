namespace Evidence.Requests;

/// <summary>The roles of ARCHITECTURE §7. Custody events record the role the actor acted in.</summary>
public enum Role
{
    Investigator,
    Prosecutor,
    Auditor,
    Admin,
}

/// <summary>
/// Who is sending requests: the local operator on the CLI, the signed-in user on the web. A prosecutor's
/// <paramref name="Office"/> limits what they see to incidents referred to that office and packages addressed
/// to it; a prosecutor without one is the local operator of the embedded default, who holds the whole database.
/// </summary>
public sealed record Actor(string Name, Role Role, Domain.RecipientKind? Office = null);

/// <summary>
/// The actor of the current scope. Set once by the edge (CLI verb, web request) before any request is sent,
/// so that handlers and custody events never guess who acted.
/// </summary>
public sealed class CurrentActor
{
    private Actor? actor;

    public Actor Value
    {
        get => actor ?? throw new InvalidOperationException("No actor was set for this scope; the edge must set one before sending requests.");
        set => actor = value;
    }
}

/// <summary>A request that can check its own fields before anything is read or written.</summary>
public interface IValidatedRequest
{
    /// <summary>Every problem with the request's fields, in words for the person who sent it; empty when it is valid.</summary>
    IEnumerable<string> Validate();
}

/// <summary>
/// A request whose refusal is itself a custody event (it touches evidence or protected identities): the
/// authorization behavior records an <c>AccessDenied</c> event, with these details, before it refuses.
/// </summary>
public interface IRecordsDenial
{
    IEnumerable<KeyValuePair<string, string?>> DenialDetails();

    /// <summary>The evidence item the request touched, if any.</summary>
    Guid? DeniedEvidenceId => null;
}
