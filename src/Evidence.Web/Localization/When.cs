using System.Globalization;
using Microsoft.AspNetCore.Html;

namespace Evidence.Web.Localization;

/// <summary>
/// A moment as the record states it, in UTC, for every reader alike; the page's script (assets/local-time.js) adds the
/// same moment in the reader's own language and time zone beside it, which only the browser knows.
/// </summary>
public static class When
{
    public static IHtmlContent Utc(DateTime utc)
    {
        var moment = DateTime.SpecifyKind(utc, DateTimeKind.Utc);
        var machine = moment.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var shown = moment.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
        return new HtmlString($"<time class=\"utc\" datetime=\"{machine}\">{shown}</time>");
    }

    public static IHtmlContent Utc(DateTimeOffset utc) => Utc(utc.UtcDateTime);
}
