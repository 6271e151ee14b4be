using System.Security.Cryptography;
using System.Text;
using Evidence.Domain;
using Evidence.Requests;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Accounts;

/// <summary>A user just created: the password and token are shown once and never stored in the clear.</summary>
public sealed record NewAccount(string Name, string Role, string? Office, string Password, string Token);

public sealed record AccountView(string Name, Role Role, RecipientKind? Office, bool LockedOut, DateTime CreatedAtUtc, int Tokens);

/// <summary>
/// The rules every account follows and the reads that sign-in and API tokens need. Changes to accounts are requests
/// (<see cref="AddUser"/>, <see cref="ChangeUserRole"/>, <see cref="RemoveUser"/>), recorded in the custody ledger.
/// </summary>
public sealed class UserAccounts(AccountsDbContext db, TimeProvider clock)
{
    private const string TokenPrefix = "evd_";

    // The hasher and normalizer Identity uses by default, so the web app's sign-in reads what these write.
    private static readonly PasswordHasher<EvidenceUser> Hasher = new();
    private static readonly UpperInvariantLookupNormalizer Normalizer = new();

    /// <summary>What is wrong with a user's name, role and office, in words for the admin who typed them.</summary>
    public static IEnumerable<string> Problems(string? name, Role role, RecipientKind? office)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length is < 2 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@'))
        {
            yield return "the user name must be 2 to 64 letters, digits, '.', '-', '_' or '@'.";
        }
        if (!Enum.IsDefined(role))
        {
            yield return "the role must be Investigator, Prosecutor, Auditor or Admin.";
        }
        if (office is { } given && !Enum.IsDefined(given))
        {
            yield return "the office must be icc or national.";
        }
        else if (role == Role.Prosecutor && office is null)
        {
            yield return "a prosecutor belongs to an office: give --office icc or --office national.";
        }
        if (role != Role.Prosecutor && office is not null)
        {
            yield return "only prosecutors belong to an office.";
        }
    }

    /// <summary>
    /// A name as a refusal records it: as typed when it is a valid user name, otherwise by its SHA-256. Refusals come
    /// before validation and from anyone signed in, and the ledger carries free text only by its hash.
    /// </summary>
    public static string AsDenied(string? name) =>
        Problems(name, Role.Investigator, null).Any() ? "sha256:" + Custody.Fact.Sha256(name ?? "") : name!;

    public Task<EvidenceUser?> FindByNameAsync(string name, CancellationToken cancellationToken)
    {
        var normalized = Normalizer.NormalizeName(name);
        return db.Users.SingleOrDefaultAsync(u => u.NormalizedUserName == normalized, cancellationToken);
    }

    public Task<bool> AnyAsync(CancellationToken cancellationToken) => db.Users.AnyAsync(cancellationToken);

    /// <summary>Whether an account signs in and acts as exactly <paramref name="name"/> (memberships match names exactly).</summary>
    public Task<bool> ExistsAsync(string name, CancellationToken cancellationToken) => db.Users.AnyAsync(u => u.UserName == name, cancellationToken);

    public Task<int> AdminsAsync(CancellationToken cancellationToken) => db.Users.CountAsync(u => u.Role == Role.Admin, cancellationToken);

    /// <summary>
    /// Adds a user with a new one-time password and a new API token to the accounts context; the unit of work saves them
    /// with the request's custody event.
    /// </summary>
    public NewAccount Add(string name, Role role, RecipientKind? office)
    {
        var password = NewPassword();
        var user = new EvidenceUser
        {
            UserName = name,
            NormalizedUserName = Normalizer.NormalizeName(name),
            SecurityStamp = Convert.ToHexString(RandomNumberGenerator.GetBytes(20)),
            LockoutEnabled = true,
            Role = role,
            Office = office,
            MustChangePassword = true,
            // Milliseconds, as the custody event records it: what SQLite and PostgreSQL both keep exactly.
            CreatedAtUtc = TruncatedToMilliseconds(clock.GetUtcNow().UtcDateTime),
        };
        user.PasswordHash = Hasher.HashPassword(user, password);
        db.Users.Add(user);
        var token = TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        db.ApiTokens.Add(new ApiToken { Id = Guid.NewGuid(), UserId = user.Id, Sha256 = Hash(token), CreatedAtUtc = user.CreatedAtUtc });
        return new NewAccount(name, role.ToString(), office?.ToString().ToLowerInvariant(), password, token);
    }

    /// <summary>The user a bearer token belongs to; null for an unknown token or a deleted user.</summary>
    public async Task<EvidenceUser?> FindByTokenAsync(string token, CancellationToken cancellationToken)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 100)
        {
            return null;
        }
        var hash = Hash(token);
        var userId = await db.ApiTokens.Where(t => t.Sha256 == hash).Select(t => t.UserId).SingleOrDefaultAsync(cancellationToken);
        return userId is null ? null : await db.Users.SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
    }

    public async Task<IReadOnlyList<AccountView>> ListAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var all = await db.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(cancellationToken);
        var tokens = await db.ApiTokens.AsNoTracking().GroupBy(t => t.UserId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        return all.Select(u => new AccountView(u.UserName!, u.Role, u.Office, u.LockoutEnd > now, u.CreatedAtUtc, tokens.GetValueOrDefault(u.Id))).ToList();
    }

    private static DateTime TruncatedToMilliseconds(DateTime utc) => new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    // 20 characters from an alphabet without look-alikes, with every class Identity's password rules ask for.
    private static string NewPassword()
    {
        const string lower = "abcdefghijkmnpqrstuvwxyz", upper = "ABCDEFGHJKLMNPQRSTUVWXYZ", digits = "23456789", symbols = "-_.!";
        var all = lower + upper + digits + symbols;
        var chars = new char[20];
        for (var i = 0; i < chars.Length; i++)
        {
            var from = i switch { 0 => lower, 1 => upper, 2 => digits, 3 => symbols, _ => all };
            chars[i] = from[RandomNumberGenerator.GetInt32(from.Length)];
        }
        RandomNumberGenerator.Shuffle(chars.AsSpan());
        return new string(chars);
    }
}
