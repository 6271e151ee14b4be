using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Evidence.Referrals;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Web;

/// <summary>
/// Issue 20, item 3, over the web: the package form uses the certificate the recipient office registered (at the server's
/// console, `evidence recipient certificate`), nobody uploads one; without it, identities are refused and nothing is built.
/// The download is the CMS envelope, which the office's key opens (openssl, a real process) to the zip verify-package accepts.
/// </summary>
public sealed partial class EncryptedPackageWebTests
{
    [Fact]
    public async Task PackageForm_EncryptsToTheOfficesRegisteredCertificate_AndRefusesIdentitiesWithoutOne()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var prosecutor = scenario.Server.Client(scenario.IccProsecutor);
        var path = $"/incidents/{scenario.Incident}";
        var home = scenario.Server.Settings.Home;
        var packages = (await prosecutor.GetFromJsonAsync<JsonElement[]>("/api/packages"))!.Length;

        // No certificate yet: the form says so, and a package with identities is refused, nothing built or recorded.
        var page = await prosecutor.GetStringAsync(path);
        Assert.Contains("Office of the Prosecutor, International Criminal Court has registered no certificate: its packages are not encrypted, and cannot include identities.",
            WebUtility.HtmlDecode(page), StringComparison.Ordinal);
        var before = await FormRefusalTests.CustodyEventsAsync(scenario);
        using var refused = await prosecutor.PostAsync(path + "?handler=Package", Form(page, ("Recipient", "Icc"), ("IncludeIdentities", "true")));
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("Identities travel only in a package encrypted to its recipient, and Office of the Prosecutor, International Criminal Court has no certificate registered.",
            WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(before, await FormRefusalTests.CustodyEventsAsync(scenario));
        Assert.Equal(packages, (await prosecutor.GetFromJsonAsync<JsonElement[]>("/api/packages"))!.Length);

        // The ICC's administrator registers its certificate at the server's console.
        var office = await RecipientKey.CreateAsync(Path.Combine(scenario.Server.Home.Path, "icc-keys"), "icc", "P-384", "keyAgreement");
        var fingerprint = await office.FingerprintAsync();
        var registered = await Run.CliAsync(home, "recipient", "certificate", "icc", office.Certificate);
        Assert.True(registered.Exit == 0, registered.Err);

        page = await prosecutor.GetStringAsync(path);
        Assert.Contains($"are encrypted to the certificate it registered (SHA-256 {fingerprint})", page, StringComparison.Ordinal);
        using var posted = await prosecutor.PostAsync(path + "?handler=Package", Form(page, ("Recipient", "Icc"), ("IncludeIdentities", "true")));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var built = Guid.Parse(Regex.Match(posted.Headers.Location!.OriginalString, "built=([0-9a-f-]{36})").Groups[1].Value);
        var done = WebUtility.HtmlDecode(await prosecutor.GetStringAsync(posted.Headers.Location.OriginalString));
        Assert.Contains($"Package {built} built and encrypted to the recipient's certificate", done, StringComparison.Ordinal);
        Assert.Contains("encrypted: .zip.p7m", done, StringComparison.Ordinal);

        using var download = await prosecutor.GetAsync($"/api/packages/{built}/download");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/pkcs7-mime", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"referral-{built}.zip.p7m", download.Content.Headers.ContentDisposition?.FileName);
        var envelope = await download.Content.ReadAsByteArrayAsync();
        Assert.Equal($"sha-256=:{Convert.ToBase64String(SHA256.HashData(envelope))}:", download.Headers.GetValues("Repr-Digest").Single());
        var p7m = Path.Combine(scenario.Server.Home.Path, $"referral-{built}.zip.p7m");
        await File.WriteAllBytesAsync(p7m, envelope);
        var zip = await office.OpenAsync(p7m);
        var key = (await Run.CliAsync(home, "log", "key")).Out.Trim();
        var report = PackageVerifier.Verify(zip, key);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
        Assert.Equal(built.ToString(), report.PackageId);

        var listed = (await prosecutor.GetFromJsonAsync<JsonElement[]>("/api/packages"))!.Single(p => p.GetProperty("id").GetGuid() == built);
        Assert.True(listed.GetProperty("encrypted").GetBoolean());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(zip))), listed.GetProperty("sha256").GetString());
        var events = (await Run.CliAsync(home, "log", "events")).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var builtEvent = events.Last(e => e.GetProperty("action").GetString() == "PackageBuilt").GetProperty("details");
        Assert.Equal(fingerprint, builtEvent.GetProperty("encryptedTo").GetString());
        var transferred = events.Last(e => e.GetProperty("action").GetString() == "Transferred").GetProperty("details");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(envelope)), transferred.GetProperty("encryptedSha256").GetString());

        // The API request is encrypted the same way; the other office, without a certificate, still gets a plain zip.
        var api = await (await prosecutor.PostAsJsonAsync("/api/packages", new { incidentId = scenario.Incident, recipient = "Icc" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(fingerprint, api.GetProperty("encrypted").GetProperty("certificate").GetString());
        using var investigator = scenario.Server.Client(scenario.Investigator);
        var national = await (await investigator.PostAsJsonAsync("/api/packages", new { incidentId = scenario.Incident, recipient = "National" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, national.GetProperty("encrypted").ValueKind);
        using var plain = await investigator.GetAsync($"/api/packages/{national.GetProperty("id").GetGuid()}/download");
        Assert.Equal("application/zip", plain.Content.Headers.ContentType?.MediaType);
    }

    private static FormUrlEncodedContent Form(string page, params (string Name, string Value)[] fields) =>
        new([.. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)), new("__RequestVerificationToken", FormToken().Match(page).Groups[1].Value)]);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}
