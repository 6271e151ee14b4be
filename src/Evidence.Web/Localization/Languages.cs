using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Localization;

namespace Evidence.Web.Localization;

/// <summary>
/// The languages of the web app: Ukrainian, which most of the people uploading read first, and English, the working
/// language of the ICC. Texts are written in English in the pages and translated in Resources/*.uk.resx (ASP.NET Core
/// localization); a text without a translation shows in English rather than not at all.
/// </summary>
public static class Languages
{
    public const string English = "en";
    public const string Ukrainian = "uk";

    /// <summary>The claim that carries a signed-in user's chosen language, from their account.</summary>
    public const string Claim = "evidence:language";

    /// <summary>Remembers the choice of someone not signed in (the sign-in page), for one browser.</summary>
    public const string Cookie = "evidence.language";

    /// <summary>Each language with its name in its own language, as a switcher shows it.</summary>
    public static readonly IReadOnlyList<(string Code, string Name)> All = [(Ukrainian, "Українська"), (English, "English")];

    public static bool IsSupported(string? code) => All.Any(l => l.Code == code);

    /// <summary>The code of the language the current request is served in.</summary>
    public static string Current => CultureInfo.CurrentUICulture.Name.StartsWith(Ukrainian, StringComparison.Ordinal) ? Ukrainian : English;

    /// <summary>
    /// The language the request is served in, as request localization chose it, for code that runs outside the request's
    /// own flow (the exception handler and the status-code pages run after the request has unwound, with the server's
    /// culture); English when localization never saw the request.
    /// </summary>
    public static string Of(HttpContext context) =>
        context.Features.Get<IRequestCultureFeature>()?.RequestCulture.UICulture.Name.StartsWith(Ukrainian, StringComparison.Ordinal) == true ? Ukrainian : English;

    /// <summary>
    /// The user's own choice first (it follows them to any browser), then this browser's cookie, then Accept-Language.
    /// Dates and numbers keep the invariant format (the server runs with invariant globalization); the page's script
    /// shows each time in the reader's own locale beside its UTC value.
    /// </summary>
    public static void Configure(RequestLocalizationOptions options)
    {
        string[] codes = [English, Ukrainian];
        options.SetDefaultCulture(English).AddSupportedCultures(codes).AddSupportedUICultures(codes);
        options.FallBackToParentUICultures = true;
        options.RequestCultureProviders =
        [
            new CustomRequestCultureProvider(context => Task.FromResult(
                context.User.FindFirstValue(Claim) is { } chosen && IsSupported(chosen) ? new ProviderCultureResult(chosen) : null)),
            new CustomRequestCultureProvider(context => Task.FromResult(
                context.Request.Cookies[Cookie] is { } chosen && IsSupported(chosen) ? new ProviderCultureResult(chosen) : null)),
            new AcceptLanguageHeaderRequestCultureProvider(),
        ];
    }
}
