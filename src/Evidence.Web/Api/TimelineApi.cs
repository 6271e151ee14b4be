using Evidence.Timeline;
using MediatR;

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
        api.MapGet("/incidents/{id:guid}/timeline.svg", (Guid id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            SvgAsync(new GetTimeline(IncidentId: id), http, mediator, ct)).WithTags("Incidents");
        api.MapGet("/cases/{id:guid}/timeline.svg", (Guid id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            SvgAsync(new GetTimeline(CaseId: id), http, mediator, ct)).WithTags("Cases");
    }

    private static async Task<IResult> SvgAsync(GetTimeline request, HttpContext http, IMediator mediator, CancellationToken ct)
    {
        var timeline = await mediator.Send(request, ct);
        http.Response.Headers.ContentSecurityPolicy = Policy;
        return TypedResults.Text(TimelineSvg.Draw(timeline, Labels()), "image/svg+xml; charset=utf-8");
    }

    /// <summary>The timeline's words in the reader's language, for the API's picture and the pages' alike (Timeline/TimelineLabels).</summary>
    public static TimelineLabels Labels() => TimelineLabels.For(Localization.Languages.Current);
}
