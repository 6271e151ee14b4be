namespace Evidence.Tests.Fixtures;

/// <summary>
/// How a package's recipient checks a package without our code: Info-ZIP unzip, Python's zipfile, the coreutils
/// BagIt check on what unzip extracted, and OpenSSL's CMS verify.
/// </summary>
public static class StandardTools
{
    public static Task<(int Exit, string Out, string Err)> BagCheckAsync(string bag) =>
        Run.ProcessAsync("bash", Path.Combine(Repo.Root, "tests/Evidence.Tests/TestData/bag-check.sh"), bag);

    /// <summary>The command the cover report gives: the detached CMS over the tag manifest, against the bag's organisation CA.</summary>
    public static Task<(int Exit, string Out, string Err)> CmsVerifyAsync(string bag) =>
        Run.ProcessAsync("openssl", "cms", "-verify", "-binary", "-inform", "DER",
            "-in", Path.Combine(bag, "tagmanifest-sha256.txt.p7s"), "-content", Path.Combine(bag, "tagmanifest-sha256.txt"),
            "-CAfile", Path.Combine(bag, "data/custody/organisation-ca.pem"), "-out", "/dev/null");

    /// <summary>Info-ZIP's own test of every entry (<c>unzip -t</c>): exit 0 when it finds nothing wrong.</summary>
    public static Task<(int Exit, string Out, string Err)> UnzipTestAsync(string zip) =>
        Run.ProcessAsync("unzip", "-t", "-q", zip);

    /// <summary>Python's zipfile reads every entry (<c>ZipFile.testzip</c>, which checks each CRC-32): exit 0 when all read cleanly.</summary>
    public static Task<(int Exit, string Out, string Err)> PythonZipTestAsync(string zip) =>
        Run.ProcessAsync("python3", "-c", "import sys, zipfile\nbad = zipfile.ZipFile(sys.argv[1]).testzip()\nsys.exit(f'bad entry: {bad}' if bad else 0)", zip);

    /// <summary>Extracts the zip with Info-ZIP unzip (never asking, never overwriting) and runs the BagIt check on the bag it produced.</summary>
    public static async Task<(int Exit, string Out, string Err)> UnzipAndBagCheckAsync(string zip, string folder)
    {
        Directory.CreateDirectory(folder);
        await Run.ProcessAsync("unzip", "-q", "-n", zip, "-d", folder);
        return Directory.GetDirectories(folder) is [var bag] ? await BagCheckAsync(bag) : (1, "", $"unzip produced {Directory.GetDirectories(folder).Length} folders");
    }
}
