using System.Globalization;
using System.Text;

namespace Evidence.Ingest;

/// <summary>
/// Makes names safe to print: control characters and invisible direction overrides (which can make
/// "gpj.exe" look like "exe.jpg") are shown as \u escapes. The stored value is never changed.
/// </summary>
public static class Display
{
    public static string Path(string value) => Text(value);

    public static string Text(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.OtherNotAssigned)
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
