using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Evidence.Crypto;

namespace Evidence.Search;

/// <summary>
/// The text extracted from a document at intake is evidence too, so the database keeps it only sealed (AES-256-GCM, bound
/// to its item) and searches it through a keyed blind index: each distinct word of the text, folded (lower case, without
/// diacritics), becomes an HMAC-SHA-256 of it under the installation's key, written in place of the words. A search for a
/// word computes the same HMAC, so exact words still match; the index holds no word of the text.
/// What search loses on the text (not on names, sources, notes or incidents, which stay searchable as before): prefixes
/// (<c>депорт*</c>), phrases and word order, and anything but the exact word. What the index still shows to someone who
/// reads the database: how many distinct words a text has, and which texts share a word (not which word).
/// Both keys come from one key file in the home's key folder (owner-only), through HKDF.
/// </summary>
public sealed class SealedText
{
    /// <summary>What a sealed text starts with; a text without it was stored before sealing existed (in clear).</summary>
    public const string Prefix = "sealed:1:";
    private const int TokenHexLength = 24;
    private readonly byte[] sealingKey;
    private readonly byte[] indexKey;

    private SealedText(byte[] key)
    {
        sealingKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, info: "evidence extracted text sealing"u8.ToArray());
        indexKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, info: "evidence extracted text blind index"u8.ToArray());
    }

    public static SealedText LoadOrCreate(string path) => new(KeyFiles.ReadOrCreate256(path));

    public static bool IsSealed(string? stored) => stored?.StartsWith(Prefix, StringComparison.Ordinal) == true;

    /// <summary>The text sealed to its item: moved onto another item's row, it does not open.</summary>
    public string? Seal(Guid item, string? text)
    {
        if (text is null)
        {
            return null;
        }
        var plaintext = Encoding.UTF8.GetBytes(text);
        var sealedBytes = new byte[12 + plaintext.Length + 16];
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(0, 12));
        using var aes = new AesGcm(sealingKey, 16);
        aes.Encrypt(sealedBytes.AsSpan(0, 12), plaintext, sealedBytes.AsSpan(12, plaintext.Length), sealedBytes.AsSpan(12 + plaintext.Length), Context(item));
        return Prefix + Convert.ToBase64String(sealedBytes);
    }

    /// <summary>The text as extracted; a text stored before sealing existed is returned as it is. Throws when it was altered or moved.</summary>
    public string? Open(Guid item, string? stored)
    {
        if (!IsSealed(stored))
        {
            return stored;
        }
        var sealedBytes = Convert.FromBase64String(stored![Prefix.Length..]);
        if (sealedBytes.Length < 28)
        {
            throw new AuthenticationTagMismatchException("The sealed text is truncated.");
        }
        var plaintext = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(sealingKey, 16);
        aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(12, plaintext.Length), sealedBytes.AsSpan(12 + plaintext.Length), plaintext, Context(item));
        return Encoding.UTF8.GetString(plaintext);
    }

    /// <summary>The blind index of a text: one token per distinct word, sorted, so that neither order nor repetition shows.</summary>
    public string? IndexWords(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        var tokens = Words(text).Select(Token).ToHashSet(StringComparer.Ordinal);
        return tokens.Count == 0 ? null : string.Join(' ', tokens.Order(StringComparer.Ordinal));
    }

    /// <summary>The blind tokens of what someone typed as one word (it may hold several words: "08:30"), in order.</summary>
    public IReadOnlyList<string> QueryTokens(string typed) => Words(typed).Select(Token).ToList();

    private string Token(string word) =>
        "w" + Convert.ToHexStringLower(HMACSHA256.HashData(indexKey, Encoding.UTF8.GetBytes(word)))[..TokenHexLength];

    /// <summary>
    /// Words as both search engines cut them: runs of letters and digits, lower case, diacritics removed (SQLite's unicode61
    /// with remove_diacritics, PostgreSQL's unaccent), so the same word is found however it was accented.
    /// </summary>
    internal static IEnumerable<string> Words(string text)
    {
        var word = new StringBuilder();
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            var category = char.GetUnicodeCategory(c);
            if (category == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }
            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLowerInvariant(c));
            }
            else if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }
        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }

    private static byte[] Context(Guid item) => Encoding.UTF8.GetBytes("evidence/text/" + item.ToString("D"));
}
