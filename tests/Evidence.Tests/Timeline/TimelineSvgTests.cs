using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Evidence.Timeline;

namespace Evidence.Tests.Timeline;

/// <summary>
/// The timeline drawing (Timeline/TimelineSvg), read back as the XML it is: marks in time order along the axis, each item
/// by the time that places it, items of unknown time listed and never placed, incidents over their periods, hostile names
/// inert, the same bytes for the same input and a bounded drawing for ten thousand items.
/// </summary>
public sealed class TimelineSvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly DateTime Received = new(2026, 11, 30, 9, 0, 0, DateTimeKind.Utc);

    private static TimelineItem Item(string name, string? stated = null, string? file = null, int n = 0) =>
        new(new Guid(n, 0, 0, new byte[8]), name, "image/jpeg", stated, file, Received.AddMinutes(n));

    private static TimelineEvents Events(IReadOnlyList<TimelineItem> items, params TimelineIncident[] incidents) =>
        new("Transfer from Kherson", incidents, items);

    private static XDocument Draw(TimelineEvents events) => XDocument.Parse(TimelineSvg.Draw(events, TimelineLabels.English));

    private static IEnumerable<XElement> Marks(XDocument svg, string kind) =>
        svg.Descendants(Svg + "g").Where(g => ((string?)g.Attribute("class"))?.Split(' ').Contains(kind) == true);

    private static string Hover(XElement mark) => mark.Element(Svg + "title")!.Value;

    private static double Cx(XElement mark) => double.Parse(mark.Element(Svg + "circle")!.Attribute("cx")!.Value, CultureInfo.InvariantCulture);

    [Fact]
    public void Marks_FollowTimeOrder_AlongTheAxis()
    {
        // Given out of order, in three precisions and two sources.
        var svg = Draw(Events([
            Item("c.jpg", stated: "2022-12-01T10:00:00Z", n: 1),
            Item("a.jpg", stated: "2022-10", n: 2),
            Item("b.jpg", file: "2022-11-05T08:30:00", n: 3),
            Item("d.jpg", stated: "2023-02-14", n: 4),
        ]));

        var items = Marks(svg, "item").Select(m => (Name: Hover(m).Split(' ')[0], X: Cx(m))).ToList();
        Assert.Equal(["a.jpg", "b.jpg", "c.jpg", "d.jpg"], items.OrderBy(i => i.X).Select(i => i.Name));
        // The file's own time is drawn as such, and said to be the device's local time when it has no offset.
        var b = Marks(svg, "file").Single();
        Assert.Contains("the file itself says 2022-11-05T08:30:00; no capture time was stated (the device's local time, offset unknown)", Hover(b), StringComparison.Ordinal);
        Assert.Equal(3, Marks(svg, "stated").Count());
        // Month-precise: a line spans the month it stands for.
        Assert.NotNull(Marks(svg, "item").Single(m => Hover(m).StartsWith("a.jpg", StringComparison.Ordinal)).Element(Svg + "line"));
        Assert.Equal("img", (string?)svg.Root!.Attribute("role"));
        Assert.Equal("Timeline: Transfer from Kherson", (string?)svg.Root.Attribute("aria-label"));
        Assert.Contains("3 evidence items placed by their stated capture time, 1 by the time the file itself gives, 0 with", svg.Root.Element(Svg + "desc")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void StatedTime_PlacesTheItem_BeforeTheFilesOwn()
    {
        var svg = Draw(Events([Item("bus.jpg", stated: "2022-10-14", file: "2019-06-07T14:56:19+03:00"), Item("later.jpg", stated: "2022-10-20", n: 1)]));

        var bus = Marks(svg, "stated").Single(m => Hover(m).StartsWith("bus.jpg", StringComparison.Ordinal));
        Assert.Contains("captured 2022-10-14, as stated; the file itself says 2019-06-07T14:56:19+03:00", Hover(bus), StringComparison.Ordinal);
        Assert.Empty(Marks(svg, "file"));
        // The axis runs over October 2022 only: 2019 placed nothing.
        Assert.All(svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "tick"), t => Assert.StartsWith("2022-10", t.Value, StringComparison.Ordinal));
    }

    [Fact]
    public void ItemsWithoutTime_AreListedAsUnknown_NeverPlacedByWhenTheyWereReceived()
    {
        var svg = Draw(Events([Item("dated.jpg", stated: "2022-10-14"), Item("undated.txt", n: 1), Item("bad-exif.jpg", file: "0000-00-00T00:00:00", n: 2)]));

        Assert.Single(Marks(svg, "item"));
        var listed = svg.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "unknown").Select(t => t.Value).ToList();
        Assert.Equal(2, listed.Count);
        Assert.StartsWith("undated.txt (image/jpeg), received 2026-11-30 09:01 UTC, which is not when it was captured", listed[0], StringComparison.Ordinal);
        Assert.StartsWith("bad-exif.jpg", listed[1], StringComparison.Ordinal);
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "Time unknown: 2 items");
        // Received in 2026, but the axis stays in 2022.
        Assert.DoesNotContain(svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "tick"), t => t.Value.StartsWith("2026", StringComparison.Ordinal));
    }

    [Fact]
    public void Incident_IsDrawnOverItsPeriod()
    {
        var svg = Draw(Events([
                Item("before.jpg", stated: "2022-08-20"),
                Item("inside.jpg", stated: "2022-11-15", n: 1),
                Item("after.jpg", stated: "2023-03-02", n: 2),
            ],
            new TimelineIncident(Guid.Empty, "Transfer from Kherson", "2022-10", "2022-12")));

        var bar = Marks(svg, "incident").Single().Element(Svg + "rect")!;
        var from = double.Parse(bar.Attribute("x")!.Value, CultureInfo.InvariantCulture);
        var to = from + double.Parse(bar.Attribute("width")!.Value, CultureInfo.InvariantCulture);
        double X(string name) => Cx(Marks(svg, "item").Single(m => Hover(m).StartsWith(name, StringComparison.Ordinal)));
        Assert.True(X("before.jpg") < from && from < X("inside.jpg") && X("inside.jpg") < to && to < X("after.jpg"),
            $"before {X("before.jpg")}, bar {from}..{to}, inside {X("inside.jpg")}, after {X("after.jpg")}");
        // October to the end of December: three months of an axis that runs from August to March.
        var months = svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "tick").Select(t => t.Value).ToList();
        Assert.Contains("2022-10", months);
        Assert.Contains("2023-01", months);
        Assert.Contains("Transfer from Kherson (2022-10 – 2022-12)", Marks(svg, "incident").Single().Value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2022-10-14T08:00:00Z", "2022-10-14T20:00:00Z", "10-14 08:00")] // hours
    [InlineData("2022-10-01", "2022-10-25", "2022-10-15")] // days
    [InlineData("2022-03", "2023-09", "2023-01")] // months
    [InlineData("2014", "2023", "2018")] // years
    public void Ticks_FollowTheSpan(string first, string last, string expectedTick)
    {
        var svg = Draw(Events([Item("first.jpg", stated: first), Item("last.jpg", stated: last, n: 1)]));

        var ticks = svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "tick").Select(t => t.Value).ToList();
        Assert.Contains(expectedTick, ticks);
        Assert.InRange(ticks.Count, 2, 14);
    }

    [Fact]
    public void HostileNames_AreInertAndBounded()
    {
        var script = "<script>alert(1)</script>\"'&";
        var reversed = "photo\u202Egpj.exe";
        var huge = new string('Ж', 10_000);
        var events = new TimelineEvents(script, [new TimelineIncident(Guid.Empty, "]]><svg onload=alert(1)>" + huge, "2022-10", null)],
            [Item(script, stated: "2022-10-14"), Item(reversed, stated: "2022-10-20", n: 1), Item(huge, n: 2), Item("\u0007\u001b[2J\uFFFF", stated: "2022-10-25", n: 3)]);

        var text = TimelineSvg.Draw(events, TimelineLabels.English);

        var svg = XDocument.Parse(text); // well-formed: every name was encoded
        Assert.DoesNotContain(svg.Descendants(), e => e.Name.LocalName is "script" or "foreignObject");
        Assert.DoesNotContain(svg.Descendants().Attributes(), a => a.Name.LocalName.StartsWith("on", StringComparison.Ordinal));
        Assert.DoesNotContain("<script", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202E', text);
        Assert.DoesNotContain('\u001b', text);
        Assert.Contains("photo\\u202Egpj.exe", text, StringComparison.Ordinal);
        Assert.Contains(svg.Descendants(Svg + "title"), t => t.Value.StartsWith(script, StringComparison.Ordinal));
        Assert.True(text.Length < 8_000, $"{text.Length} characters for three names");
        Assert.All(svg.Descendants(Svg + "text"), t => Assert.InRange(t.Value.Length, 0, 300));
    }

    [Fact]
    public void SameInput_SameBytes_WhateverTheOrderAndCulture()
    {
        var items = Enumerable.Range(0, 300).Select(n => Item($"item-{n}.jpg", stated: n % 5 == 0 ? null : $"2022-{1 + (n % 12):00}-{1 + (n % 28):00}", n: n)).ToList();
        var incidents = new[] { new TimelineIncident(Guid.Empty, "Transfer", "2022-03", "2022-09") };

        var first = Encoding.UTF8.GetBytes(TimelineSvg.Draw(Events(items, incidents), TimelineLabels.English));
        var culture = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("uk-UA"); // a decimal comma, were numbers written by culture
            var again = Encoding.UTF8.GetBytes(TimelineSvg.Draw(Events([.. Enumerable.Reverse(items)], incidents), TimelineLabels.English));
            Assert.Equal(first, again);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void TenThousandItems_AreBinned_IntoABoundedDrawing()
    {
        var start = new DateTime(2022, 2, 24, 0, 0, 0, DateTimeKind.Utc);
        var items = Enumerable.Range(0, 10_000).Select(n => Item($"photo-{n:00000}-{new string('x', 150)}.jpg",
            stated: n % 10 == 9 ? null : start.AddMinutes(n * 97).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            file: n % 10 == 3 ? start.AddMinutes(n * 89).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) : null, n: n)).ToList();
        var incidents = Enumerable.Range(0, 100).Select(n => new TimelineIncident(new Guid(n, 0, 0, new byte[8]), $"Incident {n}", "2022-03", "2023-06")).ToArray();

        var text = TimelineSvg.Draw(Events(items, incidents), TimelineLabels.English);

        var svg = XDocument.Parse(text);
        Assert.True(text.Length < 400_000, $"{text.Length} characters");
        var marks = Marks(svg, "item").Count() + Marks(svg, "group").Count();
        Assert.InRange(marks, 10, 2 * ((int)(TimelineSvg.Width / TimelineSvg.ColumnWidth) + 1));
        // Every placed item is counted in some mark's hover text; none is lost in the binning.
        var counted = Marks(svg, "item").Count() + Marks(svg, "group").Sum(g => int.Parse(Hover(g).Split(' ')[0], CultureInfo.InvariantCulture));
        Assert.Equal(9_000, counted);
        Assert.Equal(TimelineSvg.MaxIncidents, Marks(svg, "incident").Count());
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "and 60 more");
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "Time unknown: 1000 items");
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == $"and {1000 - TimelineSvg.MaxUnknown} more");
    }

    [Fact]
    public void NothingDated_SaysSo_AndStillListsTheItems()
    {
        var svg = Draw(Events([Item("undated.txt")]));

        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "No incident period or capture time is known yet.");
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value.StartsWith("undated.txt", StringComparison.Ordinal));
    }
}
