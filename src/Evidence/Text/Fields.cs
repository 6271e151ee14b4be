namespace Evidence.Text;

/// <summary>The checks every free-text field gets, worded for the person who typed it.</summary>
public static class Fields
{
    public static string? Required(string field, string? value, int max, bool multiline = false) =>
        string.IsNullOrWhiteSpace(value) ? $"{field} is required." : Optional(field, value, max, multiline);

    /// <summary>Null when the value is absent or acceptable: not too long, no control characters (newlines and tabs only where <paramref name="multiline"/>).</summary>
    public static string? Optional(string field, string? value, int max, bool multiline = false)
    {
        if (value is null)
        {
            return null;
        }
        if (value.Length > max)
        {
            return $"{field} is longer than {max} characters.";
        }
        return value.Any(c => char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t')) ? $"{field} contains control characters." : null;
    }

    public static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
