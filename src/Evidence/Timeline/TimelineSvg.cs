using System.Globalization;
using System.Xml.Linq;
using Evidence.Text;

namespace Evidence.Timeline;

/// <summary>
/// The words a timeline is drawn with, so that the web app (Ukrainian or English) and the package's cover report (English)
/// each pass their own. Each <c>{0}</c>, <c>{1}</c>... is filled in as the comment on its parameter says.
/// </summary>
/// <param name="Title">The picture's title; {0} is the incident's or case's title.</param>
/// <param name="Summary">What a screen reader says of it: {0} incidents, {1} items by stated time, {2} by the file's time, {3} with time unknown.</param>
/// <param name="IncidentPeriod">The legend of an incident's bar.</param>
/// <param name="StatedMark">The legend of an item placed by its stated capture time.</param>
/// <param name="FileMark">The legend of an item placed by the time its file gives.</param>
/// <param name="GroupMark">The legend of a bar standing for several items too close to draw apart.</param>
/// <param name="Stated">{0} is the stated capture time.</param>
/// <param name="File">{0} is the time the file gives, when nothing was stated.</param>
/// <param name="FileAlso">{0} is the time the file gives, beside a stated one.</param>
/// <param name="OffsetUnknown">Said of a file's time without an offset.</param>
/// <param name="Group">{0} items, captured from {1} to {2}.</param>
/// <param name="Unknown">{0} items whose capture time is unknown.</param>
/// <param name="Received">{0} is when Evidence received an item.</param>
/// <param name="More">{0} more, not drawn or listed.</param>
/// <param name="Nothing">Nothing has a known time.</param>
public sealed record TimelineLabels(
    string Title,
    string Summary,
    string IncidentPeriod,
    string StatedMark,
    string FileMark,
    string GroupMark,
    string Stated,
    string File,
    string FileAlso,
    string OffsetUnknown,
    string Group,
    string Unknown,
    string Received,
    string More,
    string Nothing)
{
    public static TimelineLabels English { get; } = new(
        "Timeline: {0}",
        "{0} incidents; {1} evidence items placed by their stated capture time, {2} by the time the file itself gives, {3} with no known capture time.",
        "Incident period",
        "Evidence item, by the capture time stated",
        "Evidence item, by the time the file itself gives (nothing stated)",
        "Several items too close to draw apart: the taller, the more",
        "captured {0}, as stated",
        "the file itself says {0}; no capture time was stated",
        "the file itself says {0}",
        "the device's local time, offset unknown",
        "{0} items, captured {1} to {2}",
        "Time unknown: {0} items",
        "received {0}, which is not when it was captured",
        "and {0} more",
        "No incident period or capture time is known yet.");

    /// <summary>The same words in Ukrainian, for the Ukrainian pages and cover reports.</summary>
    public static TimelineLabels Ukrainian { get; } = new(
        "Хронологія: {0}",
        "Інцидентів: {0}; доказів, розміщених за вказаним часом фіксації: {1}, за часом, який зазначає сам файл: {2}, без відомого часу фіксації: {3}.",
        "Період інциденту",
        "Доказ — за вказаним часом фіксації",
        "Доказ — за часом, який зазначає сам файл (час фіксації не вказано)",
        "Кілька доказів, надто близьких, щоб показати їх окремо: що вищий стовпчик, то їх більше",
        "зафіксовано {0}, як вказано",
        "сам файл зазначає {0}; час фіксації не вказано",
        "сам файл зазначає {0}",
        "місцевий час пристрою, часовий пояс невідомий",
        "Доказів: {0}, зафіксовано з {1} по {2}",
        "Час невідомий, доказів: {0}",
        "отримано {0} — це не час фіксації",
        "і ще {0}",
        "Ще не відомо ні періоду інциденту, ні часу фіксації жодного доказу.");

    /// <summary>The words for a language code ("uk", "en"); English for any other.</summary>
    public static TimelineLabels For(string language) => language == "uk" ? Ukrainian : English;
}

/// <summary>
/// Draws a timeline as SVG, server-side, for a page, the API and a package's cover report alike: one time axis whose
/// ticks follow the span (hours, days, months or years), each incident as a bar over its period, each evidence item as a
/// mark at the time that places it (<see cref="TimelineItem.Placement"/>): filled when stated, hollow when the file gives
/// it, with a line across a time known only to the day, month or year. Items with no known time are listed below, with
/// when they were received, never drawn on the axis.
/// <para>
/// Bounded whatever the input: the axis is cut into columns <see cref="ColumnWidth"/> wide, and the items of one column are
/// one mark (a single item's circle, or a bar for several whose height grows with their number and whose hover text
/// counts them and names the first few), so at most a few hundred marks are drawn for ten thousand items; at most
/// <see cref="MaxIncidents"/> incidents and <see cref="MaxUnknown"/> items of unknown time are named, then "and N more";
/// names are cut. Recorded names go through <see cref="Display"/> (a direction override shows as \u202E) and are
/// XML-encoded by the writer. The same input gives the same bytes: every list is ordered, numbers are invariant.
/// </para>
/// </summary>
public static class TimelineSvg
{
    public const double Width = 960;
    public const double ColumnWidth = 6;
    public const int MaxIncidents = 40;
    public const int MaxUnknown = 20;
    private const double Left = 20;
    private const double Right = Width - 20;
    private const int ShownName = 70;
    private const int HoverName = 200;
    private const int NamesPerGroup = 5;
    private const string Ink = "#222222";
    private const string Mark = "#1d4f91";
    private const string Bar = "#f6d7a7";
    private const string BarEdge = "#9a5b00";
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>The timeline as one &lt;svg&gt; element (UTF-8 text, no XML declaration), to put inline in HTML or serve as image/svg+xml.</summary>
    public static string Draw(TimelineEvents events, TimelineLabels labels)
    {
        var items = events.Items.Select(i => (Item: i, Placement: i.Placement)).ToList();
        var dated = items.Where(i => i.Placement.Interval is not null)
            .OrderBy(i => i.Placement.Interval!.Middle).ThenBy(i => i.Item.Id).ToList();
        var unknown = items.Where(i => i.Placement.Interval is null).Select(i => i.Item)
            .OrderBy(i => i.IngestedAtUtc).ThenBy(i => i.Id).ToList();
        var incidents = events.Incidents.Select(i => (Incident: i, Period: i.Period)).ToList();
        var spans = dated.Select(d => d.Placement.Interval!).Concat(incidents.Select(i => i.Period).OfType<TimeInterval>()).ToList();
        var axis = spans.Count == 0 ? null : Axis.Over(spans.Min(s => s.Start), spans.Max(s => s.End));

        var body = new List<XElement>();
        var y = 8.0;
        foreach (var (incident, period) in incidents.Take(MaxIncidents))
        {
            body.Add(IncidentRow(incident, period, axis, y));
            y += 22;
        }
        if (incidents.Count > MaxIncidents)
        {
            body.Add(Text(Left, y + 12, Format(labels.More, incidents.Count - MaxIncidents)));
            y += 20;
        }
        if (axis is null)
        {
            body.Add(Text(Left, y + 14, labels.Nothing));
            y += 26;
        }
        else
        {
            y += 6;
            foreach (var source in new[] { TimeSource.Stated, TimeSource.File })
            {
                body.AddRange(Lane(dated.Where(d => d.Placement.Source == source).ToList(), source, axis, y + 22, labels));
                y += 34;
            }
            body.AddRange(AxisLine(axis, y + 4));
            y += 32;
            body.AddRange(Legend(labels, y));
            y += 4 * 18;
        }
        if (unknown.Count > 0)
        {
            y += 8;
            body.Add(Text(Left, y + 12, Format(labels.Unknown, unknown.Count), bold: true));
            y += 18;
            foreach (var item in unknown.Take(MaxUnknown))
            {
                body.Add(Text(Left + 10, y + 12, $"{Shown(item.Name, ShownName)} ({Shown(item.MediaType, 60)}), {Format(labels.Received, Day(item.IngestedAtUtc))}", cssClass: "unknown"));
                y += 16;
            }
            if (unknown.Count > MaxUnknown)
            {
                body.Add(Text(Left + 10, y + 12, Format(labels.More, unknown.Count - MaxUnknown)));
                y += 16;
            }
        }
        var height = y + 8;
        var title = Format(labels.Title, Shown(events.Title, HoverName));
        var summary = Format(labels.Summary, incidents.Count, dated.Count(d => d.Placement.Source == TimeSource.Stated),
            dated.Count(d => d.Placement.Source == TimeSource.File), unknown.Count);
        var svg = new XElement(Svg + "svg",
            new XAttribute("viewBox", $"0 0 {N(Width)} {N(height)}"),
            new XAttribute("width", "100%"),
            new XAttribute("role", "img"),
            new XAttribute("aria-label", title),
            new XAttribute("class", "timeline"),
            new XAttribute("font-family", "sans-serif"),
            new XAttribute("font-size", "12"),
            new XElement(Svg + "title", title),
            new XElement(Svg + "desc", summary),
            new XElement(Svg + "rect", new XAttribute("width", N(Width)), new XAttribute("height", N(height)), new XAttribute("fill", "#ffffff")),
            body);
        return svg.ToString(SaveOptions.DisableFormatting);
    }

    private static XElement IncidentRow(TimelineIncident incident, TimeInterval? period, Axis? axis, double y)
    {
        var name = Shown(incident.Title, ShownName);
        var when = Shown(incident.PeriodFrom, 40) + (incident.PeriodTo is { } to ? " – " + Shown(to, 40) : "");
        var row = new XElement(Svg + "g", new XAttribute("class", "incident"),
            new XElement(Svg + "title", $"{Shown(incident.Title, HoverName)}\n{when}"));
        if (axis is null || period is null)
        {
            row.Add(Text(Left, y + 14, $"{name} ({when})"));
            return row;
        }
        var from = axis.X(period.Start);
        var width = Math.Max(2, axis.X(period.End) - from);
        row.Add(new XElement(Svg + "rect", new XAttribute("x", N(from)), new XAttribute("y", N(y + 3)), new XAttribute("width", N(width)),
            new XAttribute("height", "16"), new XAttribute("fill", Bar), new XAttribute("stroke", BarEdge)));
        // The label reads from the bar's start, or ends at its end when the bar lies in the right half.
        row.Add(from + (width / 2) < Width / 2
            ? Text(from + 4, y + 15, $"{name} ({when})")
            : Text(from + width - 4, y + 15, $"{name} ({when})", anchor: "end"));
        return row;
    }

    private static IEnumerable<XElement> Lane(IReadOnlyList<(TimelineItem Item, Placement Placement)> placed, TimeSource source, Axis axis, double y, TimelineLabels labels)
    {
        var filled = source == TimeSource.Stated;
        yield return new XElement(Svg + "line", new XAttribute("x1", N(Left)), new XAttribute("x2", N(Right)), new XAttribute("y1", N(y)), new XAttribute("y2", N(y)),
            new XAttribute("stroke", "#dddddd"));
        var columns = placed.GroupBy(p => (int)Math.Floor((axis.X(p.Placement.Interval!.Middle) - Left) / ColumnWidth)).OrderBy(g => g.Key);
        foreach (var column in columns)
        {
            var members = column.ToList();
            if (members.Count == 1)
            {
                var (item, placement) = members[0];
                var interval = placement.Interval!;
                var mark = new XElement(Svg + "g", new XAttribute("class", filled ? "item stated" : "item file"),
                    new XElement(Svg + "title", $"{Shown(item.Name, HoverName)} ({Shown(item.MediaType, 60)})\n{When(item, placement, labels)}"));
                var start = axis.X(interval.Start);
                var end = axis.X(interval.End);
                if (end - start >= 2)
                {
                    // Known only to the day, month or year: the line spans what the mark stands for.
                    mark.Add(new XElement(Svg + "line", new XAttribute("x1", N(start)), new XAttribute("x2", N(end)), new XAttribute("y1", N(y)), new XAttribute("y2", N(y)),
                        new XAttribute("stroke", Mark), new XAttribute("stroke-width", "2"), new XAttribute("stroke-opacity", "0.5")));
                }
                mark.Add(new XElement(Svg + "circle", new XAttribute("cx", N(axis.X(interval.Middle))), new XAttribute("cy", N(y)), new XAttribute("r", "4.5"),
                    new XAttribute("fill", filled ? Mark : "#ffffff"), new XAttribute("stroke", Mark), new XAttribute("stroke-width", "2")));
                yield return mark;
            }
            else
            {
                var tall = 9 + Math.Min(18, 3 * Math.Log2(members.Count));
                var names = members.Take(NamesPerGroup).Select(m => Shown(m.Item.Name, 80)).ToList();
                if (members.Count > NamesPerGroup)
                {
                    names.Add(Format(labels.More, members.Count - NamesPerGroup));
                }
                var first = Shown(members[0].Placement.Time, 40);
                var last = Shown(members[^1].Placement.Time, 40);
                yield return new XElement(Svg + "g", new XAttribute("class", filled ? "group stated" : "group file"),
                    new XElement(Svg + "title", Format(labels.Group, members.Count, first, last) + "\n" + string.Join("\n", names)),
                    new XElement(Svg + "rect", new XAttribute("x", N(Left + (column.Key * ColumnWidth) + 0.5)), new XAttribute("y", N(y + 5 - tall)),
                        new XAttribute("width", N(ColumnWidth - 1)), new XAttribute("height", N(tall)),
                        new XAttribute("fill", filled ? Mark : "#ffffff"), new XAttribute("stroke", Mark), new XAttribute("stroke-width", "1.5")));
            }
        }
    }

    private static string When(TimelineItem item, Placement placement, TimelineLabels labels)
    {
        var time = Shown(placement.Time, 40);
        if (placement.Source == TimeSource.File)
        {
            return Format(labels.File, time) + (placement.Interval!.OffsetUnknown ? $" ({labels.OffsetUnknown})" : "");
        }
        var also = item.FileCapturedAt is { } file && TimeInterval.Parse(file) is { } fileTime
            ? "; " + Format(labels.FileAlso, Shown(file, 40)) + (fileTime.OffsetUnknown ? $" ({labels.OffsetUnknown})" : "")
            : "";
        return Format(labels.Stated, time) + also;
    }

    private static IEnumerable<XElement> AxisLine(Axis axis, double y)
    {
        yield return new XElement(Svg + "line", new XAttribute("x1", N(Left)), new XAttribute("x2", N(Right)), new XAttribute("y1", N(y)), new XAttribute("y2", N(y)),
            new XAttribute("stroke", Ink));
        foreach (var (at, label) in axis.Ticks())
        {
            var x = axis.X(at);
            yield return new XElement(Svg + "g", new XAttribute("class", "tick"),
                new XElement(Svg + "line", new XAttribute("x1", N(x)), new XAttribute("x2", N(x)), new XAttribute("y1", N(y)), new XAttribute("y2", N(y + 5)),
                    new XAttribute("stroke", Ink)),
                Text(x, y + 18, label, anchor: "middle", size: 11));
        }
    }

    private static IEnumerable<XElement> Legend(TimelineLabels labels, double y)
    {
        yield return new XElement(Svg + "rect", new XAttribute("x", N(Left)), new XAttribute("y", N(y + 3)), new XAttribute("width", "16"), new XAttribute("height", "10"),
            new XAttribute("fill", Bar), new XAttribute("stroke", BarEdge));
        yield return Text(Left + 24, y + 12, labels.IncidentPeriod);
        yield return new XElement(Svg + "circle", new XAttribute("cx", N(Left + 8)), new XAttribute("cy", N(y + 26)), new XAttribute("r", "4.5"),
            new XAttribute("fill", Mark), new XAttribute("stroke", Mark), new XAttribute("stroke-width", "2"));
        yield return Text(Left + 24, y + 30, labels.StatedMark);
        yield return new XElement(Svg + "circle", new XAttribute("cx", N(Left + 8)), new XAttribute("cy", N(y + 44)), new XAttribute("r", "4.5"),
            new XAttribute("fill", "#ffffff"), new XAttribute("stroke", Mark), new XAttribute("stroke-width", "2"));
        yield return Text(Left + 24, y + 48, labels.FileMark);
        yield return new XElement(Svg + "rect", new XAttribute("x", N(Left + 5)), new XAttribute("y", N(y + 55)), new XAttribute("width", "5"), new XAttribute("height", "14"),
            new XAttribute("fill", Mark));
        yield return Text(Left + 24, y + 66, labels.GroupMark);
    }

    private static XElement Text(double x, double y, string text, string? anchor = null, double size = 12, bool bold = false, string? cssClass = null)
    {
        var element = new XElement(Svg + "text", new XAttribute("x", N(x)), new XAttribute("y", N(y)), new XAttribute("fill", Ink), text);
        if (anchor is not null)
        {
            element.Add(new XAttribute("text-anchor", anchor));
        }
        if (size != 12)
        {
            element.Add(new XAttribute("font-size", N(size)));
        }
        if (bold)
        {
            element.Add(new XAttribute("font-weight", "bold"));
        }
        if (cssClass is not null)
        {
            element.Add(new XAttribute("class", cssClass));
        }
        return element;
    }

    /// <summary>A recorded text as shown: acting characters written out (<see cref="Display"/>), then cut to <paramref name="max"/> characters.</summary>
    private static string Shown(string? value, int max)
    {
        var text = Display.Text(value);
        if (text.Length <= max)
        {
            return text;
        }
        var cut = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return text[..cut] + "…";
    }

    private static string Format(string label, params object[] values) => string.Format(CultureInfo.InvariantCulture, label, values);

    private static string Day(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    // One decimal is finer than any screen needs; invariant, so the bytes do not depend on the server's culture.
    private static string N(double value) => Math.Round(value, 1).ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>The time axis: from a little before the first time to a little after the last, mapped onto the drawing's width.</summary>
    private sealed record Axis(DateTime Start, DateTime End)
    {
        public static Axis Over(DateTime first, DateTime last)
        {
            // A single instant is shown within the day around it.
            if (last - first < TimeSpan.FromHours(1))
            {
                var middle = first + ((last - first) / 2);
                (first, last) = (middle.AddHours(-12), middle.AddHours(12));
            }
            var margin = (last - first) / 40;
            return new Axis(first - margin, last + margin);
        }

        public double X(DateTime at) => Left + ((at - Start).Ticks / (double)(End - Start).Ticks * (Right - Left));

        /// <summary>
        /// Ticks at whole hours, days, months or years, whichever the span calls for, at the smallest step whose labels fit
        /// side by side.
        /// </summary>
        public IEnumerable<(DateTime At, string Label)> Ticks()
        {
            var span = End - Start;
            var (unit, steps, format) = span.TotalDays switch
            {
                <= 3 => ("hour", new[] { 1, 2, 3, 6, 12 }, "MM-dd HH:mm"),
                <= 120 => ("day", [1, 2, 7, 14], "yyyy-MM-dd"),
                <= 366 * 8 => ("month", [1, 2, 3, 6, 12], "yyyy-MM"),
                _ => ("year", [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], "yyyy"),
            };
            var fits = (int)((Right - Left) / ((format.Length * 7) + 16));
            var all = new List<DateTime>();
            var at = unit switch
            {
                "hour" => new DateTime(Start.Year, Start.Month, Start.Day, Start.Hour, 0, 0, DateTimeKind.Utc),
                "day" => Start.Date,
                "month" => new DateTime(Start.Year, Start.Month, 1, 0, 0, 0, DateTimeKind.Utc),
                _ => new DateTime(Start.Year, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            };
            for (; at <= End; at = unit switch { "hour" => at.AddHours(1), "day" => at.AddDays(1), "month" => at.AddMonths(1), _ => at.AddYears(1) })
            {
                if (at >= Start)
                {
                    all.Add(at);
                }
            }
            foreach (var step in steps)
            {
                var chosen = all.Where(t => unit switch
                {
                    "hour" => t.Hour % step == 0,
                    // Within each month, so that the 29th and the next 1st are never both labelled side by side.
                    "day" => (t.Day - 1) % step == 0 && t.Day + step <= 32,
                    "month" => (t.Month - 1) % step == 0,
                    _ => t.Year % step == 0,
                }).ToList();
                if (chosen.Count <= fits || step == steps[^1])
                {
                    return chosen.Select(t => (t, t.ToString(format, CultureInfo.InvariantCulture)));
                }
            }
            return [];
        }
    }
}
