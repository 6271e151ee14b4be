using Evidence.Custody;
using MediatR;

namespace Evidence.Web.Api;

/// <summary>
/// The ledger as a C2SP tlog-tiles log (https://c2sp.org/tlog-tiles) under <c>/log</c>: the latest signed checkpoint and
/// the hash tiles for anyone (they reveal hashes and a count, and let anyone watch the log for forks); entry bundles only
/// for the Auditor and Admin roles, since leaves name actors. Outside <c>/api</c>: these are the spec's paths and formats,
/// not JSON.
/// </summary>
internal static class TransparencyLogApi
{
    // Full tiles never change: a year, and "immutable" so that caches do not even revalidate. Partial tiles and the
    // checkpoint keep the site-wide no-store (SecurityHeaders): the checkpoint changes with every commit.
    private const string Immutable = "max-age=31536000, immutable";

    public static void Map(RouteGroupBuilder log)
    {
        log.AllowAnonymous().WithTags("Transparency log");
        log.MapGet("/checkpoint", async (Ledger ledger, CancellationToken ct) =>
            await ledger.LatestCheckpointAsync(ct) is { } latest
                ? Results.Text(latest.Text + latest.Cosignatures, "text/plain; charset=utf-8") // witnesses' lines after the log's
                : Results.NotFound());
        // The key rotations, for a witness or reader who pinned an earlier key (KeyRotationProof; docs/ledger.md, "Key rotation"):
        // one JSON line each, oldest first, the KeyRotated leaves they carry public like the checkpoint; 404 before any rotation.
        log.MapGet("/key-rotations", async (Ledger ledger, CancellationToken ct) =>
        {
            if (await ledger.LatestCheckpointAsync(ct) is not { } latest)
            {
                return Results.NotFound();
            }
            await ledger.SigningKeyAsync(ct); // a rotation recorded by another process: its key proves the leaves
            var rotations = await ledger.RotationProofsAsync(latest, withConsistency: false, ct);
            return rotations.Count == 0 ? Results.NotFound() : Results.Text(KeyRotationProof.Lines(rotations), "text/plain; charset=utf-8");
        });
        log.MapGet("/tile/{**path}", async (string path, HttpContext context, Ledger ledger, IMediator mediator, ILogger<Ledger> logger, CancellationToken ct) =>
        {
            if (TileAddress.Parse(path) is not { } address)
            {
                return Results.BadRequest();
            }
            byte[]? bytes;
            if (address.Entries)
            {
                if (context.User.Identity?.IsAuthenticated != true)
                {
                    logger.LogWarning("Refused anonymous {Method} {Path} from {Address}", context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress);
                    return Results.Unauthorized();
                }
                bytes = await mediator.Send(new ReadEntryBundle(address), ct); // 403 and an AccessDenied event for other roles
            }
            else
            {
                bytes = await ledger.LatestCheckpointAsync(ct) is { } latest ? await ledger.Tiles.ReadAsync(address, latest.Size, ct) : null;
            }
            if (bytes is null)
            {
                return Results.NotFound();
            }
            if (!address.Partial)
            {
                // A bundle is for signed-in roles only: a shared cache must not keep it.
                context.Response.Headers.CacheControl = (address.Entries ? "private, " : "public, ") + Immutable;
            }
            return Results.Bytes(bytes, "application/octet-stream");
        });
        // A witness's cosignature (tlog-cosignature): the checkpoint as served, with the witness's line after it. No account
        // needed: it is accepted only from a witness in keys/witnesses.txt whose signature verifies (Custody/Witnessing.cs).
        log.MapPost("/cosign", async (HttpContext context, Requests.CurrentActor actor, IMediator mediator, CancellationToken ct) =>
        {
            var buffer = new char[64 * 1024 + 1];
            using var reader = new StreamReader(context.Request.Body, System.Text.Encoding.UTF8);
            var read = await reader.ReadBlockAsync(buffer, ct);
            if (context.User.Identity?.IsAuthenticated != true)
            {
                actor.Value = new Requests.Actor("witness", Requests.Role.Auditor); // records nothing; the signature decides
            }
            return Results.Ok(await mediator.Send(new AddCosignature(new string(buffer, 0, read)), ct));
        });
    }
}
