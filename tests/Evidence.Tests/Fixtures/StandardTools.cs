namespace Evidence.Tests.Fixtures;

/// <summary>How a package's recipient checks an unzipped bag without our code: the coreutils BagIt check and OpenSSL's CMS verify.</summary>
public static class StandardTools
{
    public static Task<(int Exit, string Out, string Err)> BagCheckAsync(string bag) =>
        Run.ProcessAsync("bash", Path.Combine(Repo.Root, "tests/Evidence.Tests/TestData/bag-check.sh"), bag);

    /// <summary>The command the cover report gives: the detached CMS over the tag manifest, against the bag's organisation CA.</summary>
    public static Task<(int Exit, string Out, string Err)> CmsVerifyAsync(string bag) =>
        Run.ProcessAsync("openssl", "cms", "-verify", "-binary", "-inform", "DER",
            "-in", Path.Combine(bag, "tagmanifest-sha256.txt.p7s"), "-content", Path.Combine(bag, "tagmanifest-sha256.txt"),
            "-CAfile", Path.Combine(bag, "data/custody/organisation-ca.pem"), "-out", "/dev/null");
}
