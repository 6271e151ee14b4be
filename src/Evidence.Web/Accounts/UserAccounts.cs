using System.Security.Cryptography;
using System.Text;
using Evidence.Domain;
using Evidence.Requests;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Web.Accounts;

/// <summary>A user just created: the password and token are shown once and never stored in the clear.</summary>
public sealed record NewAccount(string Name, string Role, string? Office, string Password, string Token);

public sealed record AccountView(string Name, Role Role, RecipientKind? Office, bool LockedOut, DateTime CreatedAtUtc, int Tokens);

/// <summary>Creates, lists and removes user accounts, and resolves API tokens. Used by `evidence user` and the admin page.</summary>
public sealed class UserAccounts(UserManager<EvidenceUser> users, AccountsDbContext db, Data.EvidenceDbContext records, TimeProvider clock)
{
    private const string TokenPrefix = "evd_";

    public Task<NewAccount> AddAsync(string name, Role role, RecipientKind? office, CancellationToken cancellationToken) =>
        AddAsync(name, role, office, newToTheRecords: true, cancellationToken);

    private async Task<NewAccount> AddAsync(string name, Role role, RecipientKind? office, bool newToTheRecords, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(name) || name.Length is < 2 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@'))
        {
            problems.Add("the user name must be 2 to 64 letters, digits, '.', '-', '_' or '@'.");
        }
        if (!Enum.IsDefined(role))
        {
            problems.Add("the role must be Investigator, Prosecutor, Auditor or Admin.");
        }
        if (office is { } given && !Enum.IsDefined(given))
        {
            problems.Add("the office must be icc or national.");
        }
        else if (role == Role.Prosecutor && office is null)
        {
            problems.Add("a prosecutor belongs to an office: give --office icc or --office national.");
        }
        if (role != Role.Prosecutor && office is not null)
        {
            problems.Add("only prosecutors belong to an office.");
        }
        if (problems.Count > 0)
        {
            throw new InvalidRequestException("The user was not created.", problems);
        }
        if (await users.FindByNameAsync(name) is not null)
        {
            throw new InvalidRequestException($"There is already a user named {name}.");
        }
        // Memberships and what someone recorded are matched by name: a removed account's name given to a new person would
        // hand them the old one's cases, evidence and children. A name the records know is never given again.
        if (newToTheRecords && (await records.CaseMembers.AnyAsync(m => m.Member == name, cancellationToken)
                                || await records.CustodyEvents.AnyAsync(e => e.Actor == name, cancellationToken)))
        {
            throw new InvalidRequestException($"The name {name} already acts in the custody records (a removed account's, or a local operator's); " +
                                              "records are matched by name, so it is never given to another person. Choose another name.");
        }
        var password = NewPassword();
        var user = new EvidenceUser { UserName = name, Role = role, Office = office, MustChangePassword = true, CreatedAtUtc = clock.GetUtcNow().UtcDateTime };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            throw new InvalidRequestException("The user was not created.", created.Errors.Select(e => e.Description).ToList());
        }
        var token = await IssueTokenAsync(user, cancellationToken);
        return new NewAccount(name, role.ToString(), office?.ToString().ToLowerInvariant(), password, token);
    }

    /// <summary>Creates the first admin when the installation has no user at all; null otherwise.</summary>
    public async Task<NewAccount?> EnsureFirstAdminAsync(CancellationToken cancellationToken) =>
        await db.Users.AnyAsync(cancellationToken) ? null : await AddAsync("admin", Role.Admin, null, newToTheRecords: false, cancellationToken);

    public async Task<string> IssueTokenAsync(EvidenceUser user, CancellationToken cancellationToken)
    {
        var token = TokenPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        db.ApiTokens.Add(new ApiToken { Id = Guid.NewGuid(), UserId = user.Id, Sha256 = Hash(token), CreatedAtUtc = clock.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(cancellationToken);
        return token;
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
        return userId is null ? null : await users.FindByIdAsync(userId);
    }

    public async Task<IReadOnlyList<AccountView>> ListAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var all = await db.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(cancellationToken);
        var tokens = await db.ApiTokens.AsNoTracking().GroupBy(t => t.UserId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        return all.Select(u => new AccountView(u.UserName!, u.Role, u.Office, u.LockoutEnd > now, u.CreatedAtUtc, tokens.GetValueOrDefault(u.Id))).ToList();
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var user = await users.FindByNameAsync(name) ?? throw new NotFoundException($"There is no user named {name}.");
        var admins = await db.Users.CountAsync(u => u.Role == Role.Admin, cancellationToken);
        if (user.Role == Role.Admin && admins == 1)
        {
            throw new InvalidRequestException("This is the last admin; add another admin before removing it.");
        }
        await users.DeleteAsync(user);
    }

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
