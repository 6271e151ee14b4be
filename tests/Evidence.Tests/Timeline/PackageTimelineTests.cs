using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using Evidence.Tests.Referrals;

namespace Evidence.Tests.Timeline;

/// <summary>
/// The package's cover report (data/README.html) carries the incident's timeline inline, of the package's items by their
/// ERN, with the hostile name of the fixture inert, and the package still verifies.
/// </summary>
public sealed partial class PackageTimelineTests : IAsyncLifetime
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private Slice slice = null!;

    public async Task InitializeAsync() => slice = await Slice.StartAsync();

    public async Task DisposeAsync() => await slice.DisposeAsync();

    [Fact]
    public async Task CoverReport_CarriesTheIncidentsTimeline_AndThePackageVerifies()
    {
        var @case = await ReferralCase.CreateAsync(slice);
        var package = (await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(slice.Home, "a.zip")), Role.Prosecutor)).Path;

        var cover = Encoding.UTF8.GetString(PackageZip.Read(package).Single(e => e.Key.EndsWith("/data/README.html", StringComparison.Ordinal)).Value);
        var svg = XDocument.Parse(SvgElement().Match(cover).Value).Root!;
        Assert.Equal("Timeline: Transfer from a children's home", (string?)svg.Attribute("aria-label"));
        // The one item with a stated capture time is placed on the incident's day; the two without are listed as time unknown.
        var placed = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "item stated");
        Assert.StartsWith("UKR-EVD-0001-0001 звіт свідка.txt", placed.Element(Svg + "title")!.Value, StringComparison.Ordinal);
        Assert.Contains("Time unknown: 2 items", svg.Value, StringComparison.Ordinal);
        Assert.Contains("\\u202Egpj.exe", svg.Value, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202E', SvgElement().Match(cover).Value);
        Assert.Single(svg.Descendants(Svg + "g"), g => (string?)g.Attribute("class") == "incident");

        var key = await slice.SendAsync(new GetVerifierKey(), Role.Auditor);
        var report = PackageVerifier.Verify(package, key);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
    }

    [GeneratedRegex("<svg .*?</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgElement();
}
