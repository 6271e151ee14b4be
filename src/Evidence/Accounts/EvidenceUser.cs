using Evidence.Domain;
using Evidence.Requests;
using Microsoft.AspNetCore.Identity;

namespace Evidence.Accounts;

/// <summary>
/// A person who signs in. One role each (ARCHITECTURE §7); a prosecutor also belongs to one office, which decides
/// the incidents and packages they see. Passwords are stored as ASP.NET Core Identity hashes.
/// </summary>
public sealed class EvidenceUser : IdentityUser
{
    public Role Role { get; set; }
    public RecipientKind? Office { get; set; }

    /// <summary>Set for a password printed by the server (a new user, the first admin): it must be replaced at the first sign-in.</summary>
    public bool MustChangePassword { get; set; }
    public DateTime CreatedAtUtc { get; set; }

    /// <summary>
    /// The language the user chose for the web app ("uk", "en"), remembered across browsers; null until they choose, when
    /// the browser's Accept-Language decides. A preference, not a record: the ledger does not vouch for it.
    /// </summary>
    public string? Language { get; set; }
}

/// <summary>
/// A personal API token for scripts and the CLI. Only its SHA-256 is stored: the token is 256 random bits, so a
/// fast hash is enough to make the stored value useless to whoever reads the database.
/// </summary>
public sealed class ApiToken
{
    public Guid Id { get; init; }
    public required string UserId { get; init; }
    public required string Sha256 { get; init; }
    public DateTime CreatedAtUtc { get; init; }
}
