using System.Text;
using Evidence.Text;

namespace Evidence.Referrals;

/// <summary>
/// File names inside a bag. Original names are kept exactly in the metadata; inside the bag a file is named
/// <c>&lt;ERN&gt;_&lt;safe name&gt;</c>, where the safe name has only ASCII letters, digits, '.', '-' and '_'
/// (Ukrainian and Russian letters transliterated), so no zip tool or file system can read it as a path, a
/// device or a different name. The ERN prefix makes every name unique.
/// </summary>
public static class BagNames
{
    private const int MaxSafeLength = 80;

    public static string EvidenceFile(string ern, string originalName) => $"data/evidence/{ern}_{Safe(originalName)}";

    public static string Safe(string originalName)
    {
        // Only the last segment: the rest is where it was found, which the metadata keeps.
        var name = FileNames.LastSegment(originalName).Normalize(NormalizationForm.FormC);
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '-' or '_')
            {
                builder.Append(c);
            }
            else if (Transliteration(char.ToLowerInvariant(c), wordStart: builder.Length == 0 || !char.IsAsciiLetterOrDigit(builder[^1])) is { } latin)
            {
                builder.Append(char.IsUpper(c) && latin.Length > 0 ? char.ToUpperInvariant(latin[0]) + latin[1..] : latin);
            }
            else if (builder.Length > 0 && builder[^1] != '_')
            {
                builder.Append('_');
            }
        }
        // No leading or trailing dots (hidden files, "..", Windows trimming them), no runs of dots.
        var safe = builder.ToString();
        while (safe.Contains("..", StringComparison.Ordinal))
        {
            safe = safe.Replace("..", ".", StringComparison.Ordinal);
        }
        safe = safe.Trim('.', '_', '-');
        if (safe.Length > MaxSafeLength)
        {
            var dot = safe.LastIndexOf('.');
            var extension = dot > 0 && safe.Length - dot <= 10 ? safe[dot..] : "";
            safe = safe[..(MaxSafeLength - extension.Length)].TrimEnd('.', '_', '-') + extension;
        }
        return safe.Length == 0 ? "item" : safe;
    }

    // Ukrainian national transliteration (2010) for Ukrainian letters, common practice for the Russian ones.
    private static string? Transliteration(char c, bool wordStart) => c switch
    {
        'є' when wordStart => "ye", 'ї' when wordStart => "yi", 'й' when wordStart => "y", 'ю' when wordStart => "yu", 'я' when wordStart => "ya",
        'а' => "a", 'б' => "b", 'в' => "v", 'г' => "h", 'ґ' => "g", 'д' => "d", 'е' => "e", 'є' => "ie", 'ж' => "zh",
        'з' => "z", 'и' => "y", 'і' => "i", 'ї' => "i", 'й' => "i", 'к' => "k", 'л' => "l", 'м' => "m", 'н' => "n",
        'о' => "o", 'п' => "p", 'р' => "r", 'с' => "s", 'т' => "t", 'у' => "u", 'ф' => "f", 'х' => "kh", 'ц' => "ts",
        'ч' => "ch", 'ш' => "sh", 'щ' => "shch", 'ь' => "", 'ю' => "iu", 'я' => "ia", '\'' => "", '’' => "",
        'ё' => "e", 'ъ' => "", 'ы' => "y", 'э' => "e",
        _ => null,
    };
}
