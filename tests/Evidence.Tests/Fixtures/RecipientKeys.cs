namespace Evidence.Tests.Fixtures;

/// <summary>
/// A recipient office's key and certificate, made by OpenSSL as the office would make its own, and the office's way of
/// opening what was encrypted to it: <c>openssl cms -decrypt</c>, a real process that shares no code with Evidence.
/// </summary>
public sealed record RecipientKey(string Certificate, string Key)
{
    /// <summary>
    /// A self-signed certificate for a new key: "rsa" (2048 bits, or <paramref name="bits"/>) or an EC curve ("P-256",
    /// "P-384", "P-521"); <paramref name="keyUsage"/> as openssl's keyUsage extension, or null for none.
    /// </summary>
    public static async Task<RecipientKey> CreateAsync(string folder, string name, string algorithm = "rsa", string? keyUsage = "keyEncipherment", int bits = 2048)
    {
        Directory.CreateDirectory(folder);
        var (certificate, key) = (Path.Combine(folder, $"{name}.pem"), Path.Combine(folder, $"{name}-key.pem"));
        string[] newKey = algorithm == "rsa" ? ["-newkey", $"rsa:{bits}"] : ["-newkey", "ec", "-pkeyopt", $"ec_paramgen_curve:{algorithm}"];
        string[] usage = keyUsage is null ? [] : ["-addext", $"keyUsage={keyUsage}"];
        await OpenSslAsync(["req", "-x509", .. newKey, "-nodes", "-keyout", key, "-out", certificate, "-days", "365", "-subj", $"/CN={name}", .. usage]);
        return new RecipientKey(certificate, key);
    }

    /// <summary>
    /// A certificate valid only from <paramref name="from"/> to <paramref name="to"/> (openssl's YYYYMMDDHHMMSSZ), made with
    /// <c>openssl ca -selfsign</c>, which (unlike <c>req -x509</c>) takes any dates: an expired or a not yet valid certificate.
    /// The file is what <c>openssl ca</c> writes: the certificate as text, then as PEM.
    /// </summary>
    public static async Task<RecipientKey> CreateDatedAsync(string folder, string name, string from, string to)
    {
        var ca = Path.Combine(folder, $"{name}-ca");
        Directory.CreateDirectory(ca);
        await File.WriteAllTextAsync(Path.Combine(ca, "ca.cnf"),
            $"[ca]\ndefault_ca = d\n[d]\ndatabase = {ca}/index.txt\nnew_certs_dir = {ca}\nserial = {ca}/serial\ndefault_md = sha256\npolicy = p\n" +
            "unique_subject = no\nx509_extensions = e\n[p]\ncommonName = supplied\n[e]\nkeyUsage = keyEncipherment\n");
        await File.WriteAllTextAsync(Path.Combine(ca, "index.txt"), "");
        await File.WriteAllTextAsync(Path.Combine(ca, "serial"), "01\n");
        var (certificate, key, request) = (Path.Combine(folder, $"{name}.pem"), Path.Combine(folder, $"{name}-key.pem"), Path.Combine(ca, "request.csr"));
        await OpenSslAsync(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", request, "-subj", $"/CN={name}"]);
        await OpenSslAsync(["ca", "-batch", "-config", Path.Combine(ca, "ca.cnf"), "-selfsign", "-keyfile", key, "-in", request, "-startdate", from, "-enddate", to,
            "-out", certificate]);
        return new RecipientKey(certificate, key);
    }

    /// <summary>Opens <paramref name="p7m"/> with this key as the recipient would; the zip is written beside it, without <c>.p7m</c>.</summary>
    public Task<(int Exit, string Out, string Err)> DecryptAsync(string p7m, string output) =>
        Run.ProcessAsync("openssl", "cms", "-decrypt", "-inform", "DER", "-in", p7m, "-recip", Certificate, "-inkey", Key, "-out", output);

    /// <summary>Opens <paramref name="p7m"/> and returns the zip's path; fails the test if openssl cannot.</summary>
    public async Task<string> OpenAsync(string p7m)
    {
        var zip = p7m.EndsWith(".p7m", StringComparison.Ordinal) ? p7m[..^4] : p7m + ".zip";
        var (exit, _, err) = await DecryptAsync(p7m, zip);
        Assert.True(exit == 0, $"openssl cms -decrypt {p7m}: exit {exit}: {err}");
        return zip;
    }

    /// <summary>The certificate's SHA-256 fingerprint as OpenSSL computes it, in lower-case hex without colons.</summary>
    public async Task<string> FingerprintAsync()
    {
        var (_, stdout, _) = await OpenSslAsync(["x509", "-in", Certificate, "-noout", "-fingerprint", "-sha256"]);
        return stdout.Trim().Split('=')[1].Replace(":", "", StringComparison.Ordinal).ToLowerInvariant();
    }

    private static async Task<(int Exit, string Out, string Err)> OpenSslAsync(string[] args)
    {
        var result = await Run.ProcessAsync("openssl", args);
        Assert.True(result.Exit == 0, $"openssl {string.Join(" ", args)}: exit {result.Exit}: {result.Err}");
        return result;
    }
}
