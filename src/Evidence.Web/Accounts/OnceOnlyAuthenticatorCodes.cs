using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Evidence.Accounts;
using Microsoft.AspNetCore.Identity;

namespace Evidence.Web.Accounts;

/// <summary>
/// Checks a code from an authenticator app (RFC 6238 TOTP: HMAC-SHA1, 30-second steps, 6 digits, the key Identity keeps in
/// AspNetUserTokens) and accepts each time step once. Identity's own AuthenticatorTokenProvider accepts the same code
/// again for as long as it is valid (and two minutes either side), so a code read over a shoulder or from a proxy's log
/// could sign in a second time; here the step a code was accepted for is stored, and a code of that step or an earlier
/// one is refused. Two sign-ins racing with one code cannot both pass: storing the step updates the user row, and
/// Identity's concurrency stamp fails the second update.
/// </summary>
internal sealed class OnceOnlyAuthenticatorCodes(TimeProvider clock, ILogger<OnceOnlyAuthenticatorCodes> log) : IUserTwoFactorTokenProvider<EvidenceUser>
{
    /// <summary>Where the last accepted step is kept: a token of the user's own, deleted with the rest by an admin's reset.</summary>
    public const string Store = "Evidence", LastStep = "LastAuthenticatorStep";

    // One step either side: a phone's clock 30 seconds off, or a code typed just as it changed, still works.
    private const int Drift = 1;

    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<EvidenceUser> manager, EvidenceUser user) =>
        !string.IsNullOrWhiteSpace(await manager.GetAuthenticatorKeyAsync(user));

    /// <summary>Nothing is sent: the code comes from the user's app.</summary>
    public Task<string> GenerateAsync(string purpose, UserManager<EvidenceUser> manager, EvidenceUser user) => Task.FromResult("");

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<EvidenceUser> manager, EvidenceUser user)
    {
        var key = await manager.GetAuthenticatorKeyAsync(user);
        if (key is null || token.Length != 6 || !token.All(char.IsAsciiDigit))
        {
            return false;
        }
        var secret = Base32.Decode(key);
        var now = clock.GetUtcNow().ToUnixTimeSeconds() / 30;
        for (var step = now - Drift; step <= now + Drift; step++)
        {
            if (!CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(Code(secret, step)), System.Text.Encoding.ASCII.GetBytes(token)))
            {
                continue;
            }
            var last = await manager.GetAuthenticationTokenAsync(user, Store, LastStep);
            if (last is not null && long.Parse(last, CultureInfo.InvariantCulture) >= step)
            {
                log.LogWarning("Refused a replayed authenticator code for {User}", user.UserName);
                return false;
            }
            var stored = await manager.SetAuthenticationTokenAsync(user, Store, LastStep, step.ToString(CultureInfo.InvariantCulture));
            if (!stored.Succeeded)
            {
                log.LogWarning("Refused an authenticator code for {User} used twice at the same moment", user.UserName);
                return false;
            }
            return true;
        }
        return false;
    }

    /// <summary>The 6-digit RFC 6238 code of <paramref name="step"/> (RFC 4226 HOTP with the step as counter).</summary>
    public static string Code(byte[] secret, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> mac = stackalloc byte[HMACSHA1.HashSizeInBytes];
#pragma warning disable CA5350 // HMAC-SHA1 is what RFC 6238 and every authenticator app compute; HMAC does not rest on SHA-1's collision resistance.
        HMACSHA1.HashData(secret, counter, mac);
#pragma warning restore CA5350
        var offset = mac[^1] & 0x0f;
        var binary = BinaryPrimitives.ReadInt32BigEndian(mac[offset..]) & 0x7fffffff;
        return (binary % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }
}

/// <summary>RFC 4648 base32 (A-Z, 2-7), as authenticator keys are written; padding and spaces ignored, case ignored.</summary>
internal static class Base32
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public static byte[] Decode(string text)
    {
        var bytes = new List<byte>(text.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in text)
        {
            if (c is '=' or ' ')
            {
                continue;
            }
            var value = Alphabet.IndexOf(char.ToUpperInvariant(c), StringComparison.Ordinal);
            if (value < 0)
            {
                throw new FormatException("An authenticator key holds only the letters A-Z and the digits 2-7.");
            }
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes.Add((byte)(buffer >> bits));
                buffer &= (1 << bits) - 1;
            }
        }
        return [.. bytes];
    }
}
