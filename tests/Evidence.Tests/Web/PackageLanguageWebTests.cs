using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Web;

/// <summary>
/// The cover report's language over the web (issue 18, item 1): the API's <c>language</c> field, and the incident page's
/// form, which offers the prosecutor's own page language first.
/// </summary>
public sealed partial class PackageLanguageWebTests
{
    [Fact]
    public async Task PostPackage_LanguageUk_UkrainianCoverReport_UnknownLanguageRefusedWithNothingBuilt()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var prosecutor = scenario.Server.Client(scenario.IccProsecutor);
        var before = (await prosecutor.GetFromJsonAsync<JsonElement[]>("/api/packages"))!.Length;

        var package = await WebScenario.IdOf(await prosecutor.PostAsJsonAsync("/api/packages", new { incidentId = scenario.Incident, recipient = "Icc", language = "uk" }));
        using var refused = await prosecutor.PostAsJsonAsync("/api/packages", new { incidentId = scenario.Incident, recipient = "Icc", language = "de" });

        var cover = CoverReport(await prosecutor.GetByteArrayAsync($"/api/packages/{package}/download"));
        Assert.Contains("<html lang=\"uk\">", cover, StringComparison.Ordinal);
        Assert.Contains("<h2>Докази</h2>", cover, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("the cover report's language must be en (English) or uk (Ukrainian)", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before + 1, (await prosecutor.GetFromJsonAsync<JsonElement[]>("/api/packages"))!.Length);
        // The scenario's own package, requested without a language, is in English.
        Assert.Contains("<html lang=\"en\">", CoverReport(await prosecutor.GetByteArrayAsync($"/api/packages/{scenario.Package}/download")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("uk")]
    [InlineData("en")]
    public async Task IncidentPage_PackageForm_OffersThePagesLanguageFirst_AndBuildsTheReportInTheChosenOne(string pageLanguage)
    {
        await using var scenario = await WebScenario.StartAsync();
        using var prosecutor = scenario.Server.Client(scenario.IccProsecutor);
        using var get = new HttpRequestMessage(HttpMethod.Get, $"/incidents/{scenario.Incident}");
        get.Headers.Add("Accept-Language", pageLanguage);
        using var response = await prosecutor.SendAsync(get);
        var page = await response.Content.ReadAsStringAsync();

        var select = LanguageSelect().Match(page);
        Assert.True(select.Success, "the package form has no language field");
        Assert.Matches($"<option value=\"{pageLanguage}\" selected=\"selected\">", select.Value);
        Assert.Single(Regex.Matches(select.Value, "selected=\"selected\""));

        // The other language, chosen by hand, is the one the report is written in.
        var other = pageLanguage == "uk" ? "en" : "uk";
        using var posted = await prosecutor.PostAsync($"/incidents/{scenario.Incident}?handler=Package", new FormUrlEncodedContent(
            [new("Recipient", "Icc"), new("Language", other), new("__RequestVerificationToken", FormToken().Match(page).Groups[1].Value)]));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var built = Regex.Match(posted.Headers.Location!.OriginalString, "built=([0-9a-f-]{36})").Groups[1].Value;
        Assert.Contains($"<html lang=\"{other}\">", CoverReport(await prosecutor.GetByteArrayAsync($"/api/packages/{built}/download")), StringComparison.Ordinal);
    }

    private static string CoverReport(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip));
        using var reader = new StreamReader(archive.Entries.Single(e => e.FullName.EndsWith("/data/README.html", StringComparison.Ordinal)).Open(), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [GeneratedRegex("<select name=\"Language\" id=\"package-language\"[^>]*>.*?</select>", RegexOptions.Singleline)]
    private static partial Regex LanguageSelect();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}
