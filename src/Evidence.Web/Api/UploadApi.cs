using Evidence.Ingest;
using MediatR;

namespace Evidence.Web.Api;

/// <summary>
/// Resumable uploads: <c>POST /api/uploads</c> announces the file, <c>PUT /api/uploads/{id}/chunks/{n}</c> sends
/// each chunk (raw bytes, any order, again if unsure), <c>GET /api/uploads/{id}</c> says which chunks arrived,
/// <c>POST /api/uploads/{id}/complete</c> ends in the same record as <c>POST /api/evidence</c>. The chunks live in the blob
/// store (Ingest/UploadStaging), so behind a load balancer any app server may take any of these requests.
/// </summary>
internal static class UploadApi
{
    public static void Map(RouteGroupBuilder uploads)
    {
        uploads.MapPost("", (BeginUpload request, IMediator mediator, CancellationToken ct) => mediator.Send(request, ct));
        // The page checks a metadata sheet against the files chosen before sending any: multipart, a 'sheet' part and a 'name' per file.
        uploads.MapPost("/sheet", async (HttpRequest http, IMediator mediator, CancellationToken ct) =>
        {
            if (!http.HasFormContentType)
            {
                return Results.Problem(statusCode: 400, title: "Send the sheet as multipart/form-data: a 'sheet' part and a 'name' field per file.");
            }
            var form = await http.ReadFormAsync(ct);
            if (form.Files.GetFile("sheet") is not { } part)
            {
                return Results.Problem(statusCode: 400, title: "No 'sheet' part.");
            }
            await using var sheet = part.OpenReadStream();
            return Results.Ok(await mediator.Send(new CheckMetadataSheet(sheet, part.FileName, form["name"].OfType<string>().ToList()), ct));
        });
        uploads.MapGet("/{id:guid}", (Guid id, IMediator mediator, CancellationToken ct) => mediator.Send(new GetUpload(id), ct));
        uploads.MapPut("/{id:guid}/chunks/{index:int}", ChunkAsync);
        uploads.MapPost("/{id:guid}/complete", (Guid id, IMediator mediator, CancellationToken ct) => mediator.Send(new CompleteUpload(id), ct));
        uploads.MapDelete("/{id:guid}", async (Guid id, IMediator mediator, CancellationToken ct) =>
        {
            await mediator.Send(new CancelUpload(id), ct);
            return TypedResults.NoContent();
        });
    }

    /// <summary>
    /// One chunk's raw bytes. Any server behind the balancer may take it: the chunk goes to the blob store's upload area.
    /// An optional <c>Content-Range: bytes START-END/TOTAL</c> is checked against the chunk's place and the announced size.
    /// </summary>
    private static async Task<IResult> ChunkAsync(Guid id, int index, HttpRequest http, IMediator mediator, CancellationToken ct)
    {
        long? offset = null, total = null;
        if (http.Headers.ContentRange.Count > 0)
        {
            if (!Microsoft.Net.Http.Headers.ContentRangeHeaderValue.TryParse(http.Headers.ContentRange.ToString(), out var range)
                || range is not { Unit.Value: "bytes", HasRange: true, HasLength: true })
            {
                return TypedResults.Problem(statusCode: 400, title: $"Content-Range '{http.Headers.ContentRange}' is not 'bytes START-END/TOTAL'; the chunk was not kept.");
            }
            offset = range.From;
            total = range.Length;
        }
        return TypedResults.Ok(await mediator.Send(new ReceiveUploadChunk(id, index, http.Body, offset, total), ct));
    }
}
