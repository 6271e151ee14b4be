using System.Reflection;
using System.Text;
using System.Text.Json;
using Evidence.Cases;
using Evidence.Custody;
using Evidence.Domain;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Tests.Referrals;

/// <summary>
/// The cover report (data/README.html) in English or Ukrainian (issue 18, item 1): chosen per package, stated in
/// case.json, verified as any package is, and every recorded value still encoded in both languages.
/// </summary>
public sealed class CoverReportLanguageTests : IAsyncLifetime
{
    private const string Rlo = "\u202E";

    private Slice slice = null!;
    private ReferralCase @case = null!;

    public async Task InitializeAsync()
    {
        slice = await Slice.StartAsync();
        @case = await ReferralCase.CreateAsync(slice);
    }

    public async Task DisposeAsync() => await slice.DisposeAsync();

    private string Out(string name = "package.zip") => Path.Combine(slice.Home, name);

    private Task<PackageRecord> BuildAsync(string? language, string name = "package.zip", Guid? incident = null) =>
        slice.SendAsync(new BuildReferralPackage(incident ?? @case.Incident, RecipientKind.National, Out(name), RecipientReference: "REF-1",
            Language: language), Role.Prosecutor, "test-prosecutor");

    private static string Entry(PackageRecord package, string path) =>
        Encoding.UTF8.GetString(PackageZip.Read(package.Path).Single(e => e.Key.EndsWith("/" + path, StringComparison.Ordinal)).Value);

    private static string CoverLanguage(PackageRecord package) =>
        JsonDocument.Parse(Entry(package, "data/metadata/case.json")).RootElement.GetProperty("package").GetProperty("coverReportLanguage").GetString()!;

    private async Task<PackageReport> VerifyAsync(PackageRecord package) => PackageVerifier.Verify(package.Path, await slice.SendAsync(new GetVerifierKey(), Role.Auditor));

    [Fact]
    public async Task Build_Ukrainian_ReadmeInUkrainianStatedInCaseJsonAndVerifiesClean()
    {
        var package = await BuildAsync("uk");

        var cover = Entry(package, "data/README.html");
        Assert.Contains("<html lang=\"uk\">", cover, StringComparison.Ordinal);
        Assert.Contains("<h1>Пакет доказів для передачі</h1>", cover, StringComparison.Ordinal);
        Assert.Contains("<h2>Інцидент</h2>", cover, StringComparison.Ordinal);
        Assert.Contains("<h2>Докази</h2>", cover, StringComparison.Ordinal);
        Assert.Contains("<h2>За ймовірними виконавцями</h2>", cover, StringComparison.Ordinal);
        Assert.Contains("<h2>Як перевірити цей пакет</h2>", cover, StringComparison.Ordinal);
        Assert.Contains("(підрозділ)", cover, StringComparison.Ordinal); // "Unit 0000"'s kind, in Ukrainian
        // The elements keep the ICC's English wording, and the page says so in Ukrainian.
        Assert.Contains("дослівно за документом МКС «Елементи злочинів»", cover, StringComparison.Ordinal);
        Assert.Contains("<h3>Стаття 8(2)(a)(vii)-1: War crime of unlawful deportation and transfer</h3>", cover, StringComparison.Ordinal);
        Assert.DoesNotContain("How to verify", cover, StringComparison.Ordinal);
        Assert.DoesNotContain("Referral package", cover, StringComparison.Ordinal);
        // The commands and the time stay what they are in any language: yyyy-MM-dd HH:mm UTC.
        Assert.Contains("sha256sum -c manifest-sha256.txt", cover, StringComparison.Ordinal);
        Assert.Matches(@"<tr><th>Сформовано</th><td>\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC</td></tr>", cover);
        Assert.Equal("uk", CoverLanguage(package));
        var report = await VerifyAsync(package);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
    }

    [Fact]
    public async Task Build_NoLanguage_EnglishReadmeStatedInCaseJsonAndVerifiesClean()
    {
        var unstated = await BuildAsync(null);
        var english = await BuildAsync("en", "english.zip");

        foreach (var package in new[] { unstated, english })
        {
            var cover = Entry(package, "data/README.html");
            Assert.Contains("<html lang=\"en\">", cover, StringComparison.Ordinal);
            Assert.Contains("<h1>Referral package</h1>", cover, StringComparison.Ordinal);
            Assert.Contains("<h2>How to verify this package</h2>", cover, StringComparison.Ordinal);
            Assert.Contains("(unit)", cover, StringComparison.Ordinal);
            Assert.DoesNotContain("Докази", cover, StringComparison.Ordinal);
            Assert.Equal("en", CoverLanguage(package));
            var report = await VerifyAsync(package);
            Assert.True(report.Clean, string.Join("\n", report.Findings));
        }
    }

    [Fact]
    public async Task Build_Ukrainian_TheChildrensProtectionIsStatedInUkrainian()
    {
        var pseudonyms = Entry(await BuildAsync("uk"), "data/README.html");
        var recipient = await RecipientKey.CreateAsync(Path.Combine(slice.Home, "recipient"), "national");
        var encrypted = await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.National, Out("identities.zip"), IncludeIdentities: true,
            RecipientReference: "REF-1", Language: "uk", EncryptTo: recipient.Certificate), Role.Prosecutor, "test-prosecutor");
        var identities = Entry(encrypted with { Path = await recipient.OpenAsync(encrypted.Path) }, "data/README.html");

        // A Ukrainian reader is told, in Ukrainian, that children appear by code only, or that this package names them.
        Assert.Contains("<p>Діти-потерпілі зазначені лише псевдонімними кодами (V-0001, ...).", pseudonyms, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"warning\"", pseudonyms, StringComparison.Ordinal);
        Assert.Contains("<p class=\"warning\">Цей пакет містить відомості про особи дітей-потерпілих (<code>metadata/identities.json</code>)", identities, StringComparison.Ordinal);
        Assert.Contains("статті 68(1) Римського статуту", identities, StringComparison.Ordinal);
        Assert.DoesNotContain(ReferralCase.ChildName, identities, StringComparison.Ordinal); // the names are in identities.json, never on the cover
    }

    [Theory]
    [InlineData("fr")]
    [InlineData("")]
    [InlineData("UK")]
    [InlineData("uk-UA")]
    [InlineData("uk\u202E")]
    [InlineData("<script>alert(1)</script>")]
    public async Task Build_UnknownLanguage_RefusedClearlyNothingRecorded(string language)
    {
        var before = await slice.CountCustodyEventsAsync();

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => BuildAsync(language));

        Assert.Contains("the cover report's language must be en (English) or uk (Ukrainian)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(language == "" ? "\0" : language, error.Message, StringComparison.Ordinal); // what a client sent is not echoed
        Assert.Equal(before, await slice.CountCustodyEventsAsync());
        Assert.Empty(await slice.QueryAsync(db => db.ReferralPackages.ToListAsync()));
        Assert.Empty(await slice.QueryAsync(db => db.RegistrationNumbers.ToListAsync()));
        Assert.Empty(Directory.GetFiles(slice.Home, "*.zip*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Build_HostileNames_EncodedInBothLanguages()
    {
        const string script = "<script>alert(1)</script>";
        var incident = await slice.SendAsync(new CreateIncident(script + "Kherson" + Rlo + "txt.exe", IncidentKind.Deportation, "2022-10-14",
            "Kherson" + Rlo + "<b>", [ReferralCase.Deportation], Description: "a <img src=x onerror=alert(1)>\nsecond line"));
        var perpetrator = (await slice.SendAsync(new AddPerpetrator(script + "Official" + Rlo + "K", PerpetratorKind.Person, Position: "<iframe>"))).Id;
        await slice.SendAsync(new TagEvidence(@case.Items[1].Id, incident, perpetrator, null, [$"{ReferralCase.Deportation}:1"]));

        foreach (var language in new[] { "en", "uk" })
        {
            var cover = Entry(await BuildAsync(language, $"{language}.zip", incident), "data/README.html");

            Assert.Contains($"<html lang=\"{language}\">", cover, StringComparison.Ordinal);
            foreach (var raw in new[] { "<script", "<img", "<iframe", "<b>", Rlo })
            {
                Assert.DoesNotContain(raw, cover, StringComparison.Ordinal);
            }
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;Kherson\\u202Etxt.exe", cover, StringComparison.Ordinal); // the title, in the description and the incident
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;Official\\u202EK", cover, StringComparison.Ordinal);
            Assert.Contains("\\u202Egpj.exe", cover, StringComparison.Ordinal); // the file name with a direction override
            Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", cover, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Every text of the report has its translation: the compiler sees that none is missing (each member is required),
    /// and this sees that none was left in English. Codes, names of standards and column names that read the same in
    /// both languages are the only texts allowed to agree.
    /// </summary>
    [Fact]
    public void UkrainianTexts_AreEachTranslated()
    {
        string[] same = ["ERN", "SHA-256", "#"];
        var untranslated = new List<string>();
        foreach (var property in typeof(CoverTexts).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var english = Sample(property.GetValue(CoverTexts.English));
            var ukrainian = Sample(property.GetValue(CoverTexts.Ukrainian));
            for (var i = 0; i < english.Count; i++)
            {
                if (english[i] == ukrainian[i] && !same.Contains(english[i]))
                {
                    untranslated.Add($"{property.Name}: {english[i]}");
                }
            }
        }
        Assert.Empty(untranslated);
        Assert.All(CoverTexts.Ukrainian.EvidenceColumns.Concat(CoverTexts.Ukrainian.ElementColumns), c => Assert.DoesNotContain('<', c));
        Assert.Equal("1\u00A0234\u00A0567", CoverTexts.Ukrainian.Number(1_234_567)); // a comma is the decimal sign in Ukrainian
        Assert.Equal("1,234,567", CoverTexts.English.Number(1_234_567));
    }

    // Each text a member gives, with fixed sample values for the texts that take values.
    private static List<string> Sample(object? value) => value switch
    {
        string text => [text],
        IReadOnlyList<string> texts => [.. texts],
        Func<long, bool, string> proofs => [proofs(42, false), proofs(42, true)],
        Func<int, string, string> items => [items(3, "1")],
        Func<string, string> withValue => [withValue("x")],
        _ => [],
    };
}
