using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using MediatR;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Web;

/// <summary>
/// The auditor's page (issue 18, item 9), over real HTTP: the history of verifications read from the ledger, the latest
/// checkpoint and the verifier key shown in full, and the ledger downloaded and checked offline by tools that share no
/// code with Evidence (tests/Evidence.Tests/TestData/rfc6962_verify.py and openssl), holding no identity and no stated text.
/// </summary>
public sealed partial class AuditPageTests
{
    [SqliteFact]
    public async Task History_AfterACleanRunAndARunOverATamperedRow_ListsBothWithWhoWhenAndFindings()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var auditor = scenario.Server.Client(scenario.Auditor);
        using var admin = scenario.Server.Client(scenario.Admin);

        var clean = await RunVerificationAsync(auditor);
        Assert.Contains("Verification passed", clean, StringComparison.Ordinal);
        // An insider edits a row in the SQLite file (the append-only triggers dropped first): the item's name.
        await TamperAsync(scenario.Server, $"""UPDATE evidence_items SET "OriginalName" = 'harmless.txt' WHERE "Id" = '{scenario.Item.ToString().ToUpperInvariant()}';""");
        var tampered = await RunVerificationAsync(admin);
        Assert.Contains("Verification found 1 problem(s)", tampered, StringComparison.Ordinal);
        Assert.Contains("<td data-kind=\"record\">Database row</td>", tampered, StringComparison.Ordinal);

        var page = await auditor.GetStringAsync("/audit");
        var rows = HistoryRow().Matches(page).Select(m => m.Value).ToList();
        Assert.Equal(2, rows.Count);
        // Newest first: the admin's run with its one finding, by kind; then the auditor's clean run.
        Assert.Contains(">root<", rows[0], StringComparison.Ordinal);
        Assert.Contains(">Admin<", rows[0], StringComparison.Ordinal);
        Assert.Contains("problems found", rows[0], StringComparison.Ordinal);
        Assert.Contains("<li data-kind=\"record\">Database row: 1</li>", rows[0], StringComparison.Ordinal);
        Assert.Contains(">audrey<", rows[1], StringComparison.Ordinal);
        Assert.Contains(">Auditor<", rows[1], StringComparison.Ordinal);
        Assert.Contains("passed", rows[1], StringComparison.Ordinal);
        Assert.DoesNotContain("data-kind", rows[1], StringComparison.Ordinal);
        Assert.All(rows, row => Assert.Matches("<time class=\"utc\" datetime=\"\\d{4}-\\d\\d-\\d\\dT", row));

        // The same from the core, a page at a time: the older run comes on the next page.
        var history = await SendAsync(scenario.Server, new Actor("audrey", Role.Auditor), new ListVerifications(PageSize: 1));
        var newest = Assert.Single(history.Runs);
        Assert.Equal(("root", "Admin", 1, false), (newest.Actor, newest.Role, newest.Findings, newest.Clean));
        Assert.Equal([new FindingCount("record", 1)], newest.FindingKinds);
        var older = await SendAsync(scenario.Server, new Actor("audrey", Role.Auditor), new ListVerifications(history.Older, PageSize: 1));
        Assert.Equal(("audrey", "Auditor", true), (older.Runs[0].Actor, older.Runs[0].Role, older.Runs[0].Clean));
        Assert.Empty(older.Runs[0].FindingKinds!);
        Assert.Null(older.Older);
        Assert.True(newest.AtUtc >= older.Runs[0].AtUtc);

        // The Ukrainian page says the same in Ukrainian.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/audit");
        request.Headers.Add("Accept-Language", "uk");
        using var response = await auditor.SendAsync(request);
        var ukrainian = await response.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"uk\">", ukrainian, StringComparison.Ordinal);
        Assert.Contains("<h2>Історія перевірок</h2>", ukrainian, StringComparison.Ordinal);
        Assert.Contains("Запустити перевірку", ukrainian, StringComparison.Ordinal);
        Assert.Contains("<li data-kind=\"record\">Рядок бази даних: 1</li>", ukrainian, StringComparison.Ordinal);
        Assert.Contains("виявлено проблеми", ukrainian, StringComparison.Ordinal);
        Assert.Contains("Ключ перевірки", ukrainian, StringComparison.Ordinal);
        foreach (var english in new[] { "Verification history", "Run verification", "Latest checkpoint", "Verifier key", "Database row", "Download the ledger" })
        {
            Assert.DoesNotContain(english, ukrainian, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CheckpointAndKey_AreShownInFull_WithCopyButtonsAndTheKeysFingerprint()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var auditor = scenario.Server.Client(scenario.Auditor);

        var page = await auditor.GetStringAsync("/audit");
        var checkpoint = await auditor.GetFromJsonAsync<JsonElement>("/api/log/checkpoint");
        var key = (await auditor.GetFromJsonAsync<JsonElement>("/api/log/key")).GetProperty("key").GetString()!;

        Assert.Equal(checkpoint.GetProperty("text").GetString(), Code(page, "checkpoint"));
        Assert.Contains($"<dd id=\"checkpoint-size\">{checkpoint.GetProperty("size").GetInt64()}</dd>", page, StringComparison.Ordinal);
        Assert.Contains($"<code id=\"checkpoint-root\">{checkpoint.GetProperty("root").GetString()}</code>", page, StringComparison.Ordinal);
        var signatureLine = checkpoint.GetProperty("text").GetString()!.Split('\n')[4];
        Assert.StartsWith("— ", signatureLine, StringComparison.Ordinal);
        Assert.Equal(signatureLine, Code(page, "checkpoint-signature"));
        Assert.Equal(key, Code(page, "verifier-key"));
        // The fingerprint is SHA-256 of the 32 public key bytes at the end of the key's base64 part.
        var publicKey = Convert.FromBase64String(key.Split('+', 3)[2])[1..];
        Assert.Equal(32, publicKey.Length);
        var fingerprint = string.Join(' ', Convert.ToHexStringLower(SHA256.HashData(publicKey)).Chunk(4).Select(c => new string(c)));
        Assert.Contains($"<code id=\"key-fingerprint\">{fingerprint}</code>", page, StringComparison.Ordinal);
        Assert.Equal(fingerprint, NoteVerifier.Parse(key).Fingerprint);
        // Copy buttons, hidden until their script (a file: the CSP forbids inline script) shows them.
        Assert.Contains("data-copy=\"checkpoint\"", page, StringComparison.Ordinal);
        Assert.Contains("data-copy=\"verifier-key\"", page, StringComparison.Ordinal);
        Assert.Contains("<script src=\"/assets/copy.js\"></script>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
        Assert.Contains("navigator.clipboard.writeText", await auditor.GetStringAsync("/assets/copy.js"), StringComparison.Ordinal);
    }

    /// <summary>
    /// The three downloads are what an auditor takes away: the events up to the shown checkpoint re-hash to its root in an
    /// RFC 6962 checker that shares no code with Evidence, its signature verifies with the key in openssl, the events file
    /// is byte for byte what `log events --size N` prints, and nothing in it names a child or repeats a stated text.
    /// </summary>
    [Fact]
    public async Task Downloads_StreamTheLedger_VerifyOffline_AndHoldNoIdentityOrStatedText()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var investigator = scenario.Server.Client(scenario.Investigator);
        // Facts that must never reach an auditor: a child's identity, and stated free text (place, reason, names).
        (await investigator.PostAsJsonAsync("/api/victims", new
        {
            ageAtIncident = 9, origin = "Oleshky", caseId = scenario.Case,
            identity = new { name = "Mariia Kovalenko", bornOn = "2013-04-02", documents = "birth certificate I-KC 123456", familyContacts = "grandmother Halyna, +380501112233" },
        })).EnsureSuccessStatusCode();
        (await investigator.PostAsJsonAsync($"/api/evidence/{scenario.Item}/metadata", new
        {
            changes = new { place = "Hola Prystan orphanage", consent = "given" }, reason = "the caretaker named the orphanage",
        })).EnsureSuccessStatusCode();
        using var auditor = scenario.Server.Client(scenario.Auditor);
        var page = await auditor.GetStringAsync("/audit");
        var size = long.Parse(Regex.Match(page, "<dd id=\"checkpoint-size\">(\\d+)</dd>").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"href=\"/audit?handler=events&amp;size={size}\"", page, StringComparison.Ordinal);
        // Events appended after the page was shown do not change what its links give.
        await RunVerificationAsync(auditor);

        var folder = Directory.CreateDirectory(Path.Combine(scenario.Server.Home.Path, "audit-download")).FullName;
        using var events = await auditor.GetAsync($"/audit?handler=events&size={size}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, events.StatusCode);
        Assert.Equal($"events-{size}.jsonl", events.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        // Streamed as it is read: sent in chunks, with no length known in advance.
        Assert.Null(events.Content.Headers.ContentLength);
        Assert.True(events.Headers.TransferEncodingChunked);
        var eventsFile = Path.Combine(folder, "events.jsonl");
        await using (var file = File.Create(eventsFile))
        {
            await (await events.Content.ReadAsStreamAsync()).CopyToAsync(file);
        }
        var checkpointFile = Path.Combine(folder, "checkpoint.txt");
        await File.WriteAllBytesAsync(checkpointFile, await auditor.GetByteArrayAsync($"/audit?handler=checkpoint&size={size}"));
        var key = (await auditor.GetStringAsync("/audit?handler=key")).TrimEnd('\n');

        var bytes = await File.ReadAllBytesAsync(eventsFile);
        Assert.Equal(size, bytes.Count(b => b == (byte)'\n'));
        Assert.Equal((await Run.CliAsync(scenario.Server.Settings.Home, "log", "events", "--size", size.ToString(System.Globalization.CultureInfo.InvariantCulture))).Out,
            Encoding.UTF8.GetString(bytes));
        Assert.Equal("ok", await IndependentCheckAsync(eventsFile, checkpointFile));
        Assert.True(await OpenSslVerifiesAsync(folder, key, await File.ReadAllTextAsync(checkpointFile)));
        // The checks can fail: one changed character in one event, and the root no longer matches.
        var forged = Path.Combine(folder, "forged.jsonl");
        await File.WriteAllTextAsync(forged, Encoding.UTF8.GetString(bytes).Replace("\"role\":\"Investigator\"", "\"role\":\"Prosecutor\"", StringComparison.Ordinal));
        Assert.Equal("bad", await IndependentCheckAsync(forged, checkpointFile));

        // Nothing an auditor may not see: every string in every event, the keys included.
        var strings = File.ReadLines(eventsFile).SelectMany(line => Strings(JsonDocument.Parse(line).RootElement)).ToList();
        Assert.Contains(strings, s => s == "VictimAdded");
        Assert.Contains(strings, s => s == "MetadataAmended");
        foreach (var secret in new[] { "Mariia", "Kovalenko", "2013-04-02", "I-KC", "Halyna", "380501112233", "Oleshky", "Hola Prystan", "orphanage", "caretaker",
                     "Kherson", "Olena K.", "report.txt", "Witness statement", "15 children", "Transfer of children" })
        {
            Assert.DoesNotContain(strings, s => s.Contains(secret, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Theory]
    [InlineData(Role.Investigator)]
    [InlineData(Role.Prosecutor)]
    public async Task NonAuditor_IsRefusedThePageAndTheEvents(Role role)
    {
        await using var scenario = await WebScenario.StartAsync();
        var user = role == Role.Investigator ? scenario.Investigator : scenario.IccProsecutor;
        using var client = scenario.Server.Client(user);
        var size = (await client.GetFromJsonAsync<JsonElement>("/api/log/checkpoint")).GetProperty("size").GetInt64();

        using var page = await client.GetAsync("/audit");
        using var events = await client.GetAsync($"/audit?handler=events&size={size}");

        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, events.StatusCode);
        Assert.Null(events.Content.Headers.ContentDisposition);
        Assert.DoesNotContain("\"action\"", await events.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // The admin, who may verify, may read the history too (Access: the roles of VerifyCustody).
        using var admin = scenario.Server.Client(scenario.Admin);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/audit")).StatusCode);
    }

    [Fact]
    public async Task EventsDownload_BeyondTheLog_IsRefusedBeforeALineIsSent()
    {
        await using var scenario = await WebScenario.StartAsync();
        using var auditor = scenario.Server.Client(scenario.Auditor);

        using var response = await auditor.GetAsync("/audit?handler=events&size=100000");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("no first 100000 to export", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<string> RunVerificationAsync(HttpClient client)
    {
        var form = await client.GetStringAsync("/audit");
        using var response = await client.PostAsync("/audit", new FormUrlEncodedContent(
            [new("__RequestVerificationToken", FormToken().Match(form).Groups[1].Value)]));
        var page = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {page}");
        Assert.Contains("id=\"verification\"", page, StringComparison.Ordinal);
        return page;
    }

    /// <summary>As the insider with the database file: every trigger dropped, then the row edited.</summary>
    private static async Task TamperAsync(WebServer server, string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={server.Settings.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        var triggers = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'trigger'";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                triggers.Add(reader.GetString(0));
            }
        }
        await using var command = connection.CreateCommand();
        command.CommandText = string.Concat(triggers.Select(t => $"DROP TRIGGER \"{t}\";")) + sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> SendAsync<T>(WebServer server, Actor actor, IRequest<T> request)
    {
        await using var scope = server.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = actor;
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    private static async Task<string> IndependentCheckAsync(string events, string checkpoint)
    {
        var (_, stdout, stderr) = await Run.ProcessAsync("python3", Path.Combine(Repo.Root, "tests", "Evidence.Tests", "TestData", "rfc6962_verify.py"), "events", events, checkpoint);
        return stdout.Trim() + stderr.Trim();
    }

    /// <summary>The checkpoint's Ed25519 signature, checked by openssl with the public key taken from the downloaded key.</summary>
    private static async Task<bool> OpenSslVerifiesAsync(string folder, string key, string checkpoint)
    {
        var publicKey = Convert.FromBase64String(key.Split('+', 3)[2])[1..];
        var body = checkpoint[..(checkpoint.IndexOf("\n\n", StringComparison.Ordinal) + 1)];
        var signature = Convert.FromBase64String(checkpoint.Split('\n')[4].Split(' ')[2])[4..];
        var publicKeyDer = Convert.FromHexString("302a300506032b6570032100").Concat(publicKey).ToArray();
        await File.WriteAllTextAsync(Path.Combine(folder, "pub.pem"), "-----BEGIN PUBLIC KEY-----\n" + Convert.ToBase64String(publicKeyDer) + "\n-----END PUBLIC KEY-----\n");
        await File.WriteAllBytesAsync(Path.Combine(folder, "body"), Encoding.UTF8.GetBytes(body));
        await File.WriteAllBytesAsync(Path.Combine(folder, "sig"), signature);
        var (exit, stdout, _) = await Run.ProcessAsync("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", Path.Combine(folder, "pub.pem"), "-rawin",
            "-in", Path.Combine(folder, "body"), "-sigfile", Path.Combine(folder, "sig"));
        return exit == 0 && stdout.Contains("Signature Verified Successfully", StringComparison.Ordinal);
    }

    /// <summary>The text of the page's &lt;code id="..."&gt;, as the browser shows (and copies) it.</summary>
    private static string Code(string page, string id) =>
        WebUtility.HtmlDecode(Regex.Match(page, $"<code id=\"{id}\">(.*?)</code>", RegexOptions.Singleline).Groups[1].Value);

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        JsonValueKind.String => [element.GetString()!],
        _ => [],
    };

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    [GeneratedRegex("<tr class=\"(?:clean|findings)\" data-event=\"\\d+\">.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex HistoryRow();
}
