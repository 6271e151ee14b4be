using Evidence.Ingest;
using Evidence.Tests.Fixtures;

namespace Evidence.Tests.Ingest;

/// <summary>Which files of an ingest are another file's detached signature, and which stay items (none is ever dropped).</summary>
public sealed class SignatureSidecarsTests : IDisposable
{
    private readonly TestHome home = new();

    public void Dispose() => home.Dispose();

    private string File(string name, string text = "x") => home.File(name, System.Text.Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Pair_SidecarBesideItsFile_IsConsumed_InAnyCaseOfItsExtension()
    {
        var photo = File("a/photo.jpg");
        var upper = File("a/photo.jpg.ASC");
        var binary = File("a/photo.jpg.sig");

        var pairing = SignatureSidecars.Pair([photo, upper, binary]);

        Assert.Equal([photo], pairing.Files);
        Assert.Equal([upper, binary], pairing.Signatures(photo));
        Assert.Equal([upper, binary], pairing.Consumed);
    }

    [Fact]
    public void Pair_SidecarInAnotherFolder_OrAlone_StaysAnItem()
    {
        var photo = File("a/photo.jpg");
        var elsewhere = File("b/photo.jpg.asc");
        var lone = File("a/lone.jpg.asc");

        var pairing = SignatureSidecars.Pair([photo, elsewhere, lone]);

        Assert.Equal([photo, elsewhere, lone], pairing.Files);
        Assert.Empty(pairing.Signatures(photo));
    }

    [Fact]
    public void Pair_FileTheSheetNames_StaysAnItem()
    {
        var photo = File("a/photo.jpg");
        var named = File("a/photo.jpg.asc");

        var pairing = SignatureSidecars.Pair([photo, named], keepAsItem: f => f == named);

        Assert.Equal([photo, named], pairing.Files);
    }

    [Fact]
    public void Pair_PublicKeyBesideSignedFiles_IsAnItemAndAKeyForThem()
    {
        var photo = File("a/photo.jpg");
        var signature = File("a/photo.jpg.asc");
        var key = home.File("a/pubkey.asc", BcSigner.Ed25519.ArmoredPublicKey());
        var document = File("a/doc.pdf");
        var keyNamedLikeASidecar = home.File("a/doc.pdf.asc", BcSigner.Rsa.ArmoredPublicKey()); // a key, not doc.pdf's signature

        var pairing = SignatureSidecars.Pair([photo, signature, key, document, keyNamedLikeASidecar]);

        Assert.Equal([photo, key, document, keyNamedLikeASidecar], pairing.Files);
        Assert.Empty(pairing.Signatures(document));
        Assert.Equal([key, keyNamedLikeASidecar], pairing.Keys(photo));
    }

    [Fact]
    public void Pair_OversizedSidecar_StaysAnItemButIsNamedToItsFile()
    {
        var photo = File("a/photo.jpg");
        var huge = home.File("a/photo.jpg.asc", new byte[Evidence.Provenance.OpenPgpVerifier.MaxSidecarBytes + 1]);

        var pairing = SignatureSidecars.Pair([photo, huge]);

        Assert.Equal([photo, huge], pairing.Files);
        Assert.Equal([huge], pairing.Signatures(photo));
    }
}
