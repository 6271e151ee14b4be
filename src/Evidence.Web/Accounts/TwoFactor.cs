using Evidence.Requests;
using QRCoder;

namespace Evidence.Web.Accounts;

/// <summary>
/// Two-factor sign-in with an authenticator app (README.md beside this file): who must use it, and how the enrolment page
/// shows the key to the app.
/// </summary>
public static class TwoFactor
{
    /// <summary>The claim of a cookie whose user must enrol before any page (<see cref="Http.ActorFromUser"/>).</summary>
    public const string MustEnrol = "evidence:must-enrol-two-factor";

    /// <summary>How many recovery codes an enrolment gives; each works once.</summary>
    public const int RecoveryCodes = 10;

    /// <summary>
    /// Admins (who manage accounts) and prosecutors (who take packages with children's identities out of the system) must
    /// sign in with a second factor; investigators and auditors may.
    /// </summary>
    public static bool RequiredFor(Role role) => role is Role.Admin or Role.Prosecutor;

    /// <summary>The key in groups of four, lower case, as people type it into an app by hand.</summary>
    public static string Grouped(string key) =>
        string.Join(' ', key.ToLowerInvariant().Chunk(4).Select(group => new string(group)));

    /// <summary>The Key URI Format authenticator apps read from a QR code (the app shows "Evidence (name)").</summary>
    public static string OtpAuthUri(string userName, string key) =>
        $"otpauth://totp/{Uri.EscapeDataString("Evidence:" + userName)}?secret={key}&issuer=Evidence&digits=6&period=30";

    /// <summary>The QR code of <paramref name="uri"/> as a PNG data: URI, which the page's policy allows (img-src data:).</summary>
    public static string QrCodeDataUri(string uri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(5);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }

    /// <summary>A code as people type it: spaces and dashes (some apps show "123 456") left out.</summary>
    public static string Normalized(string? code) => new((code ?? "").Where(c => c is not (' ' or '-')).ToArray());
}
