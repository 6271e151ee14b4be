using Evidence.Timeline;
using Evidence.Web.Localization;
using MediatR;
using Microsoft.Extensions.Localization;

namespace Evidence.Web.Api;

/// <summary>
/// The timeline of an incident or a case as an SVG picture (GET /api/incidents/{id}/timeline.svg, /api/cases/{id}/timeline.svg),
/// in the reader's language, for whoever may read the incident or the case (the request decides, as everywhere). The pages
/// draw the same picture inline (Pages/Shared/_Timeline.cshtml).
/// </summary>
internal static class TimelineApi
{
    /// <summary>
    /// Opened on its own, an SVG file is a document that could run script: this one never holds any, and its policy forbids
    /// any all the same (no script, no fetch, no form, sandboxed), whatever a name in it were to contain.
    /// </summary>
    public const string Policy = "default-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/incidents/{id:guid}/timeline.svg", (Guid id, HttpContext http, IMediator mediator, IStringLocalizer<Texts> T, CancellationToken ct) =>
            SvgAsync(new GetTimeline(IncidentId: id), http, mediator, T, ct)).WithTags("Incidents");
        api.MapGet("/cases/{id:guid}/timeline.svg", (Guid id, HttpContext http, IMediator mediator, IStringLocalizer<Texts> T, CancellationToken ct) =>
            SvgAsync(new GetTimeline(CaseId: id), http, mediator, T, ct)).WithTags("Cases");
    }

    private static async Task<IResult> SvgAsync(GetTimeline request, HttpContext http, IMediator mediator, IStringLocalizer<Texts> T, CancellationToken ct)
    {
        var timeline = await mediator.Send(request, ct);
        http.Response.Headers.ContentSecurityPolicy = Policy;
        return TypedResults.Text(TimelineSvg.Draw(timeline, Labels(T)), "image/svg+xml; charset=utf-8");
    }

    /// <summary>The timeline's words in the reader's language, for the API's picture and the pages' alike.</summary>
    public static TimelineLabels Labels(IStringLocalizer<Texts> T) => new(
        T["Timeline: {0}"],
        T["{0} incidents; {1} evidence items placed by their stated capture time, {2} by the time the file itself gives, {3} with no known capture time."],
        T["Incident period"],
        T["Evidence item, by the capture time stated"],
        T["Evidence item, by the time the file itself gives (nothing stated)"],
        T["Several items too close to draw apart: the taller, the more"],
        T["captured {0}, as stated"],
        T["the file itself says {0}; no capture time was stated"],
        T["the file itself says {0}"],
        T["the device's local time, offset unknown"],
        T["{0} items, captured {1} to {2}"],
        T["Time unknown: {0} items"],
        T["received {0}, which is not when it was captured"],
        T["and {0} more"],
        T["No incident period or capture time is known yet."]);
}
