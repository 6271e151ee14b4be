using System.Text.Json;
using Evidence.Provenance;
using Evidence.Requests;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Web;

/// <summary>
/// The web upload takes a file's detached signatures as <c>signature</c> parts and keys that came with it as
/// <c>signerKey</c> parts, as the command line takes them beside the file: checked, kept in the provenance, shown by the API.
/// </summary>
public sealed class SignatureUploadTests : IDisposable
{
    private static readonly byte[] Photo = File.ReadAllBytes(Path.Combine(Repo.Root, "tests/Evidence.Tests/TestData/provenance/P1000827.jpg"));
    private readonly TestHome keys = new();

    public void Dispose() => keys.Dispose();

    [Fact]
    public async Task Upload_WithSignatureParts_RecordsEachWithItsTrust()
    {
        var trusted = keys.File("trusted.asc", BcSigner.Rsa.ArmoredPublicKey());
        await using var server = await WebServer.StartAsync(s => s with { OpenPgpKeys = trusted });
        using var client = server.Client(await server.AddUserAsync("olena", Role.Investigator));
        var form = WebScenario.Multipart("photo.jpg", Photo);
        form.Add(new ByteArrayContent(BcSigner.Rsa.Sign(Photo)), "signature", "photo.jpg.asc");
        form.Add(new ByteArrayContent(BcSigner.Ed25519.Sign(Photo, armored: false)), "signature", "../../photo.jpg.sig");
        form.Add(new ByteArrayContent(BcSigner.Ed25519.ArmoredPublicKey()), "signerKey", "pubkey.asc");

        using var response = await client.PostAsync("/api/evidence", form);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.IsSuccessStatusCode, body);
        var item = JsonDocument.Parse(body).RootElement[0];
        var recorded = item.GetProperty("signatures").EnumerateArray().ToList();
        Assert.Equal(["photo.jpg.asc", "photo.jpg.sig"], recorded.Select(s => s.GetProperty("sidecar").GetString()));
        Assert.All(recorded, s => Assert.Equal(SignatureStates.Valid, s.GetProperty("state").GetString()));
        Assert.Equal([true, false], recorded.Select(s => s.GetProperty("trusted").GetBoolean()));

        var shown = JsonDocument.Parse(await client.GetStringAsync($"/api/evidence/{item.GetProperty("id").GetGuid()}")).RootElement;
        Assert.Equal(2, shown.GetProperty("provenance").GetProperty("signatures").GetArrayLength());
        // The evidence page's provenance panel says the same, key by key.
        var page = await client.GetStringAsync($"/evidence/{item.GetProperty("id").GetGuid()}");
        Assert.Contains("photo.jpg.asc: openpgp valid, key " + BcSigner.Rsa.KeyId, page, StringComparison.Ordinal);
        Assert.Contains("(trusted key)", page, StringComparison.Ordinal);
        Assert.Contains("(untrusted key: it came with the evidence)", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_SignatureWithTwoFiles_IsRefused()
    {
        await using var server = await WebServer.StartAsync();
        using var client = server.Client(await server.AddUserAsync("olena", Role.Investigator));
        var form = WebScenario.Multipart("photo.jpg", Photo);
        form.Add(new ByteArrayContent(Photo[..100]), "file", "other.jpg");
        form.Add(new ByteArrayContent(BcSigner.Rsa.Sign(Photo)), "signature", "photo.jpg.asc");

        using var response = await client.PostAsync("/api/evidence", form);

        Assert.Equal(400, (int)response.StatusCode);
    }
}
