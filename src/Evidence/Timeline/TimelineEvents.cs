using System.Globalization;
using Evidence.Domain;
using Evidence.Referrals;

namespace Evidence.Timeline;

/// <summary>
/// What a timeline shows, as the reader may see it: the incidents by their period and the evidence items with the times
/// that can place them. Which time places an item is decided here, once, for the page, the API and the package
/// (<see cref="TimelineItem.Placement"/>).
/// </summary>
/// <param name="Title">The incident's or the case's title, as recorded.</param>
/// <param name="Incidents">The incidents drawn over their periods: the one incident, or the case's incidents the reader sees.</param>
/// <param name="Items">The evidence items the reader sees, each with its recorded times.</param>
public sealed record TimelineEvents(string Title, IReadOnlyList<TimelineIncident> Incidents, IReadOnlyList<TimelineItem> Items)
{
    /// <summary>An incident's timeline as its referral package holds it: the incident and the items of this package.</summary>
    internal static TimelineEvents For(Incident incident, IEnumerable<PackageItem> items) => new(
        incident.Title,
        [new TimelineIncident(incident.Id, incident.Title, incident.PeriodFrom, incident.PeriodTo)],
        items.Select(i => new TimelineItem(i.EvidenceId, $"{i.Ern} {i.Title}", i.Type, i.Date, i.FileCapturedAt,
            DateTime.Parse(i.IngestedAt, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal))).ToList());
}

/// <summary>An incident over its period: ISO 8601 dates at the precision known ("2022-10", "2022-10-14").</summary>
public sealed record TimelineIncident(Guid Id, string Title, string PeriodFrom, string? PeriodTo)
{
    /// <summary>From the start of <see cref="PeriodFrom"/> to the end of <see cref="PeriodTo"/> (or of the start, when open); null if unreadable.</summary>
    public TimeInterval? Period =>
        TimeInterval.Parse(PeriodFrom) is not { } from ? null
        : TimeInterval.Parse(PeriodTo) is { } to && to.End > from.Start ? new TimeInterval(from.Start, to.End, false) : from;
}

/// <summary>
/// One evidence item with every time that was recorded for it.
/// </summary>
/// <param name="Id">The item's id.</param>
/// <param name="Name">The file's name as recorded (a page shows it through Text.Display).</param>
/// <param name="MediaType">Its kind, detected from its bytes.</param>
/// <param name="CapturedAt">When the investigator stated it was captured (a partial date, or an instant in UTC).</param>
/// <param name="FileCapturedAt">When the file's own EXIF or QuickTime metadata says it was made; without an offset it is the device's local time.</param>
/// <param name="IngestedAtUtc">When Evidence received it: never a capture time, shown apart.</param>
public sealed record TimelineItem(Guid Id, string Name, string MediaType, string? CapturedAt, string? FileCapturedAt, DateTime IngestedAtUtc)
{
    /// <summary>
    /// Where the item goes on the time axis. The investigator's stated capture time first: it is the statement a court
    /// receives and the one the investigator answers for. Then, only when nothing was stated, the time the file itself
    /// gives, drawn as such (a camera's clock can be wrong, and EXIF can be edited). Never the time Evidence received it:
    /// an item with neither is "time unknown", listed apart with its receipt time, never placed on the axis.
    /// </summary>
    public Placement Placement =>
        TimeInterval.Parse(CapturedAt) is { } stated ? new Placement(TimeSource.Stated, CapturedAt!, stated)
        : TimeInterval.Parse(FileCapturedAt) is { } file ? new Placement(TimeSource.File, FileCapturedAt!, file)
        : new Placement(TimeSource.Unknown, null, null);
}

/// <summary>Which recorded time places an item.</summary>
public enum TimeSource
{
    /// <summary>The capture time the investigator stated.</summary>
    Stated,

    /// <summary>The time the file's own metadata gives; nothing was stated.</summary>
    File,

    /// <summary>Neither: listed as "time unknown".</summary>
    Unknown,
}

/// <summary>Where an item goes on the axis, and by which of its times.</summary>
/// <param name="Source">Which time placed it.</param>
/// <param name="Time">The recorded text of the time that places the item, as it was recorded.</param>
/// <param name="Interval">The span it stands for; null when the time is unknown.</param>
public sealed record Placement(TimeSource Source, string? Time, TimeInterval? Interval);

/// <summary>
/// A recorded time as the span it stands for: a year, a month or a day is the whole of it, an instant is a point.
/// </summary>
/// <param name="Start">The span's first instant (UTC).</param>
/// <param name="End">The instant after the span (a point's own instant).</param>
/// <param name="OffsetUnknown">A date and time without an offset (a camera's local clock), read as if UTC: off by up to 14 hours.</param>
public sealed record TimeInterval(DateTime Start, DateTime End, bool OffsetUnknown)
{
    private static readonly string[] Instants = ["yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];
    private static readonly string[] LocalTimes = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF"];

    /// <summary>The middle of the span: where a mark goes, with the span drawn around it.</summary>
    public DateTime Middle => Start + ((End - Start) / 2);

    /// <summary>
    /// The span of a year, month, date or date and time; null for anything else (a stored value is never trusted to parse),
    /// and for years before 1000 or after 8999, which no capture can have and which would overflow the axis's margins.
    /// </summary>
    public static TimeInterval? Parse(string? value) => Read(value) is { } interval && interval.Start.Year is >= 1000 and <= 8999 ? interval : null;

    private static TimeInterval? Read(string? value)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > 40)
        {
            return null;
        }
        var invariant = CultureInfo.InvariantCulture;
        if (text.Length == 4 && int.TryParse(text, NumberStyles.None, invariant, out var year) && year is >= 1 and < 9999)
        {
            var start = new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            return new TimeInterval(start, start.AddYears(1), false);
        }
        if (DateTime.TryParseExact(text, "yyyy-MM", invariant, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var month) && month.Year < 9999)
        {
            return new TimeInterval(month, month.AddMonths(1), false);
        }
        if (DateTime.TryParseExact(text, "yyyy-MM-dd", invariant, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day) && day.Year < 9999)
        {
            return new TimeInterval(day, day.AddDays(1), false);
        }
        if (DateTime.TryParseExact(text, LocalTimes, invariant, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var local))
        {
            return new TimeInterval(local, local, true);
        }
        if (DateTimeOffset.TryParseExact(text, Instants, invariant, DateTimeStyles.AssumeUniversal, out var instant))
        {
            return new TimeInterval(instant.UtcDateTime, instant.UtcDateTime, false);
        }
        return null;
    }
}
