using Evidence.Custody;
using Evidence.Requests;
using MediatR;

namespace Evidence.Web.Api;

/// <summary>Verification and the ledger's proofs, in the same JSON as `verify --json` and `log ... --json`.</summary>
internal static class LedgerApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/verify", async (IMediator mediator, CancellationToken ct) => TypedResults.Ok(await mediator.Send(new VerifyCustody(), ct)))
            .WithTags("Ledger");
        var log = api.MapGroup("/log").WithTags("Ledger");
        log.MapGet("/checkpoint", (IMediator mediator, CancellationToken ct) => mediator.Send(new GetLatestCheckpoint(), ct));
        log.MapGet("/key", async (IMediator mediator, CancellationToken ct) => new VerifierKeyView(await mediator.Send(new GetVerifierKey(), ct)));
        log.MapGet("/inclusion", (long index, long? size, IMediator mediator, CancellationToken ct) => mediator.Send(new GetInclusionProof(index, size), ct));
        log.MapGet("/consistency", (long from, long to, IMediator mediator, CancellationToken ct) => mediator.Send(new GetConsistencyProof(from, to), ct));
    }
}
