using System.Globalization;

namespace Evidence.Text;

/// <summary>
/// A date at the precision it is known: when an item was captured (Leiden Guidelines: the creation date, as
/// precisely as possible, never ambiguous), an incident's period, a child's date of birth. Accepts ISO 8601 year,
/// year-month, date, or a date and time with an explicit offset; a time without an offset is refused, because its
/// instant is unknowable. Problems name the field as the person who typed it knows it.
/// </summary>
public static class PartialDate
{
    private static readonly string[] DateTimeFormats =
        ["yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    /// <summary>The normalized value (a time becomes UTC, "Z"), or null with a reason that names <paramref name="field"/>.</summary>
    public static string? Normalize(string field, string value, DateTimeOffset now, out string? problem)
    {
        problem = null;
        var text = value.Trim();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return NotInFuture(field, date.ToDateTime(TimeOnly.MinValue), now, date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), out problem);
        }
        if (DateTime.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month))
        {
            return NotInFuture(field, month, now, month.ToString("yyyy-MM", CultureInfo.InvariantCulture), out problem);
        }
        if (text.Length == 4 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year >= 1900)
        {
            return NotInFuture(field, new DateTime(year, 1, 1), now, text, out problem);
        }
        if (DateTimeOffset.TryParseExact(text, DateTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            if (!HasOffset(text))
            {
                problem = $"{field} '{value}' has a time but no offset: add 'Z' or '+02:00', or give the date alone.";
                return null;
            }
            var utc = instant.UtcDateTime;
            var format = utc.Millisecond != 0 || utc.Ticks % TimeSpan.TicksPerMillisecond != 0 ? "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'" : "yyyy-MM-dd'T'HH:mm:ss'Z'";
            if (instant > now)
            {
                problem = $"{field} '{value}' is in the future.";
                return null;
            }
            return utc.ToString(format, CultureInfo.InvariantCulture);
        }
        problem = $"{field} '{value}' is not an ISO 8601 date (2022-10-14), month (2022-10), year (2022) or date and time with offset (2022-10-14T08:30:00+03:00).";
        return null;
    }

    /// <summary>
    /// The first and last day a stored or typed partial date covers: "2022" is the whole year, "2022-10" the whole month,
    /// "2022-10-14" (or a time that day, in UTC) that day; null when the value is none of these.
    /// </summary>
    public static (DateOnly First, DateOnly Last)? Days(string value)
    {
        var text = value.Trim();
        if (text.Length >= 10 && DateOnly.TryParseExact(text[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            && (text.Length == 10 || text[10] == 'T'))
        {
            return (day, day);
        }
        if (text.Length == 7 && DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month))
        {
            return (month, month.AddMonths(1).AddDays(-1));
        }
        if (text.Length == 4 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year is >= 1 and <= 9999)
        {
            return (new DateOnly(year, 1, 1), new DateOnly(year, 12, 31));
        }
        return null;
    }

    private static bool HasOffset(string text) =>
        text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');

    private static string? NotInFuture(string field, DateTime start, DateTimeOffset now, string normalized, out string? problem)
    {
        problem = start > now.UtcDateTime ? $"{field} '{normalized}' is in the future." : null;
        return problem is null ? normalized : null;
    }
}
