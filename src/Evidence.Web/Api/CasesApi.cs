using Evidence.Cases;
using Evidence.Domain;
using Evidence.Requests;
using MediatR;

namespace Evidence.Web.Api;

/// <summary>Cases, incidents, perpetrators and victims (ARCHITECTURE §8): the request records are the JSON bodies.</summary>
internal static class CasesApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/cases", (IMediator mediator, CancellationToken ct) => mediator.Send(new ListCases(), ct)).WithTags("Cases");
        api.MapGet("/cases/{id:guid}", (Guid id, IMediator mediator, CancellationToken ct, int events = GetCaseOverview.DefaultRecentEvents) =>
            mediator.Send(new GetCaseOverview(id, events), ct)).WithTags("Cases");
        api.MapPost("/cases", async (CreateCase request, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(new Recorded(await mediator.Send(request, ct)))).WithTags("Cases");
        api.MapPost("/cases/{id:guid}/members", async (Guid id, CaseMembership membership, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(new CaseMemberAdded(await mediator.Send(new AddCaseMember(id, membership.Member), ct)))).WithTags("Cases");

        var incidents = api.MapGroup("/incidents").WithTags("Incidents");
        // The filters as typed: the request refuses a malformed one by name (400), as the incidents page does beside its field.
        incidents.MapGet("", (IMediator mediator, CancellationToken ct, string? region = null, string? kind = null, string? from = null, string? to = null, string? article = null) =>
            mediator.Send(new ListIncidents(region, kind, from, to, article), ct));
        incidents.MapPost("", async (CreateIncident request, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(new Recorded(await mediator.Send(request, ct))));
        incidents.MapGet("/{id:guid}/matrix", (Guid id, IMediator mediator, CancellationToken ct) => mediator.Send(new GetElementsMatrix(id), ct));
        incidents.MapPost("/{id:guid}/referrals", async (Guid id, Referral referral, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(new Recorded(await mediator.Send(new ReferIncident(id, referral.Office), ct))));

        api.MapPost("/perpetrators", (AddPerpetrator request, IMediator mediator, CancellationToken ct) => mediator.Send(request, ct)).WithTags("Perpetrators");
        api.MapPost("/victims", async (AddVictim request, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(new VictimAdded(await mediator.Send(request, ct)))).WithTags("Victims");
    }

    public sealed record Referral(RecipientKind Office);

    public sealed record CaseMembership(string Member);
}
