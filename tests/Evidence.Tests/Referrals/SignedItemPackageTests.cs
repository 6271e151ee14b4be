using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Evidence.Domain;
using Evidence.Ingest;
using Evidence.Referrals;
using Evidence.Requests;
using Evidence.Tagging;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Referrals;

/// <summary>
/// A detached OpenPGP signature that came with an item travels in its package (issue 17, items 3 and 6): items.json holds
/// the signature and the key that checked it, armored, so the recipient checks them again with gpg, a tool we did not
/// write, against the file in the package; items.csv, the load file and the cover report give the verdict in words.
/// </summary>
public sealed class SignedItemPackageTests
{
    [Fact]
    public async Task SignedItem_ItsSignatureAndKeyTravel_AndGpgChecksThemAgainstThePackagedFile()
    {
        await using var signer = await GpgSigner.CreateAsync("ed25519");
        await using var slice = await Slice.StartAsync();
        var @case = await ReferralCase.CreateAsync(slice);
        var photo = slice.File("field/photo.jpg", File.ReadAllBytes(Path.Combine(Repo.Root, "tests/Evidence.Tests/TestData/provenance/P1000827.jpg")));
        await signer.SignAsync(photo, photo + ".asc");
        var key = slice.File("field/pubkey.asc", await signer.ArmoredPublicKeyAsync());
        var item = await slice.SendAsync(new IngestEvidence(photo, "Olena K.") { Signatures = [photo + ".asc"], SignerKeys = [key] });
        await slice.SendAsync(new TagEvidence(item.Id, @case.Incident));

        var package = await slice.SendAsync(new BuildReferralPackage(@case.Incident, RecipientKind.Icc, Path.Combine(slice.Home, "p.zip")), Role.Prosecutor, "prosecutor");

        using var zip = ZipFile.OpenRead(package.Path);
        string Entry(string suffix) => new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(suffix, StringComparison.Ordinal)).Open()).ReadToEnd();
        var packaged = JsonDocument.Parse(Entry("data/metadata/items.json")).RootElement.EnumerateArray().Single(i => i.GetProperty("evidenceId").GetGuid() == item.Id);
        var signature = Assert.Single(packaged.GetProperty("signatures").EnumerateArray());
        Assert.Equal(("openpgp", "valid", false), (signature.GetProperty("kind").GetString(), signature.GetProperty("state").GetString(), signature.GetProperty("trusted").GetBoolean()));

        // The recipient's check: a keyring holding only the key from the package, the signature from the package, the file from the package.
        using var recipient = new TestHome();
        var file = recipient.File("photo.jpg", ReadAll(zip.Entries.Single(e => e.FullName.EndsWith(packaged.GetProperty("file").GetString()!, StringComparison.Ordinal))));
        var asc = recipient.File("photo.jpg.asc", Encoding.ASCII.GetBytes(signature.GetProperty("armored").GetString()!));
        var pub = recipient.File("key.asc", Encoding.ASCII.GetBytes(signature.GetProperty("publicKey").GetString()!));
        var ring = recipient.File("gnupg/.keep", []);
        var gnupg = Path.GetDirectoryName(ring)!;
        File.SetUnixFileMode(gnupg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var import = await Run.ProcessAsync("gpg", "--homedir", gnupg, "--batch", "--import", pub);
        Assert.True(import.Exit == 0, import.Err);
        var verified = await Run.ProcessAsync("gpg", "--homedir", gnupg, "--batch", "--verify", asc, file);
        await Run.ProcessAsync("gpgconf", "--homedir", gnupg, "--kill", "gpg-agent");
        Assert.True(verified.Exit == 0, verified.Err);
        Assert.Contains("Good signature", verified.Err, StringComparison.Ordinal);

        Assert.Contains("openpgp valid, key ", Entry("data/metadata/items.csv"), StringComparison.Ordinal);
        Assert.Contains("(untrusted key)", Entry("data/metadata/loadfile.dat"), StringComparison.Ordinal);
        Assert.Contains("signature openpgp valid", Entry("data/README.html"), StringComparison.Ordinal);
    }

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var bytes = new MemoryStream();
        entry.Open().CopyTo(bytes);
        return bytes.ToArray();
    }
}
