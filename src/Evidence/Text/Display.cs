using System.Globalization;
using System.Text;

namespace Evidence.Text;

/// <summary>
/// How a name (an original file name, a collector, a title) is shown on a terminal, a page or a package's cover
/// report: exactly as recorded, except that characters which do not show but act are written out as <c>\uXXXX</c>.
/// Those are control characters (a terminal's escape sequences), format characters (the bidirectional overrides and
/// isolates U+202A..U+202E and U+2066..U+2069, the marks U+200E/U+200F, zero-width characters) and line separators: a
/// right-to-left override lets "exe.txt" be shown for the name "txt.exe". The stored value is never changed; only the
/// text shown is. Every place that shows a recorded name uses this, then its own encoding (HTML, JSON) on top.
/// </summary>
public static class Display
{
    /// <summary>The value with every control, format or separator character shown as <c>\uXXXX</c>.</summary>
    public static string Text(string? value) => Escape(value, keepLineBreaks: false);

    /// <summary>As <see cref="Text"/>, for several lines (an incident's description): line breaks and tabs stay what they are.</summary>
    public static string Lines(string? value) => Escape(value, keepLineBreaks: true);

    /// <summary>A path on this machine, shown as <see cref="Text"/> shows a name.</summary>
    public static string Path(string value) => Text(value);

    private static string Escape(string? value, bool keepLineBreaks)
    {
        if (string.IsNullOrEmpty(value))
        {
            return value ?? "";
        }
        var builder = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            var shown = keepLineBreaks && rune.Value is '\n' or '\t' or '\r';
            if (!shown && category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                    or UnicodeCategory.OtherNotAssigned)
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{rune.Value:X4}");
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }
        return builder.ToString();
    }
}
