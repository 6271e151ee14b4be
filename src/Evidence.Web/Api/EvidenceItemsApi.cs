using Evidence.Access;
using Evidence.Ingest;
using Evidence.Metadata;
using Evidence.Requests;
using Evidence.Text;
using Evidence.Search;
using Evidence.Storage;
using Evidence.Tagging;
using Evidence.Viewing;
using Evidence.Web.Http;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Evidence.Web.Api;

/// <summary>Evidence items (ARCHITECTURE §8): ingest, search, one item's record and content, tags.</summary>
internal static class EvidenceItemsApi
{
    public static void Map(RouteGroupBuilder evidence)
    {
        evidence.MapPost("", IngestAsync).DisableAntiforgery();
        evidence.MapGet("", SearchAsync);
        evidence.MapGet("/{id:guid}", (Guid id, IMediator mediator, CancellationToken ct) => mediator.Send(new GetEvidence(id), ct));
        evidence.MapGet("/{id:guid}/content", ContentAsync);
        evidence.MapGet("/{id:guid}/preview", PreviewAsync);
        evidence.MapGet("/{id:guid}/thumbnail", ThumbnailAsync);
        evidence.MapPost("/{id:guid}/tags", async (Guid id, Tag tag, IMediator mediator, CancellationToken ct) =>
            TypedResults.Created($"/api/evidence/{id}", new Recorded(await mediator.Send(new TagEvidence(id, tag.IncidentId, tag.PerpetratorId, tag.VictimCode, tag.Elements, tag.Note), ct))));
        // Many items, one tag each, in one request and one commit (all or nothing): the search page's "tag the selected".
        evidence.MapPost("/tags", async (TagMany body, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new TagManyEvidence(body.EvidenceIds ?? [], body.IncidentId, body.PerpetratorId, body.VictimCode, body.Elements, body.Note), ct)));
        // A new statement of the item's court metadata, with its reason; the answer is the version recorded (as `amend --json`).
        evidence.MapPost("/{id:guid}/metadata", (Guid id, MetadataAmendment amendment, IMediator mediator, CancellationToken ct) =>
            mediator.Send(new AmendMetadata(id, amendment.Changes, amendment.Reason), ct));
        evidence.MapPost("/{id:guid}/tags/{tagId:guid}/removal", async (Guid id, Guid tagId, TagRemoval removal, IMediator mediator, CancellationToken ct) =>
        {
            await mediator.Send(new UntagEvidence(tagId, removal.Reason), ct);
            return TypedResults.NoContent();
        });
    }

    /// <summary>The body of a tag: <see cref="TagEvidence"/> without the item, which the path names.</summary>
    public sealed record Tag(Guid? IncidentId = null, Guid? PerpetratorId = null, string? VictimCode = null, IReadOnlyList<string>? Elements = null, string? Note = null);

    public sealed record TagRemoval(string Reason);

    /// <summary>The body of a tag for many items at once.</summary>
    public sealed record TagMany(IReadOnlyList<Guid>? EvidenceIds, Guid? IncidentId = null, Guid? PerpetratorId = null, string? VictimCode = null,
        IReadOnlyList<string>? Elements = null, string? Note = null);

    /// <summary>The body of an amendment: the fields to state anew (absent ones keep their value, empty ones are cleared) and why.</summary>
    public sealed record MetadataAmendment(StatedMetadata Changes, string Reason);

    /// <summary>
    /// One or more <c>file</c> parts and the ingest fields (collector, caseId, source, capturedAt), the court metadata
    /// fields named as a sheet's columns (place, coordinates, language, generation, copyOf, derivedFrom, kind, sourceUrl,
    /// retrievedAt, device, consent, consentScope, willingToTestify, confidentiality), and optionally a <c>sheet</c> part:
    /// a CSV with one row per file, by the file's name, whose values override the fields (docs/case-model.md). A file
    /// whose row is refused is not recorded. Each file is its own request: if one is refused, those before it stay
    /// recorded and the problem lists them. With exactly one file, <c>signature</c> parts are its detached OpenPGP
    /// signatures and <c>signerKey</c> parts keys that came with it (never trusted); they are recorded in its provenance,
    /// not as items.
    /// </summary>
    private static async Task<IResult> IngestAsync(HttpRequest http, IMediator mediator, CurrentActor actor, IBlobStore blobs, CancellationToken ct)
    {
        if (!http.HasFormContentType)
        {
            return TypedResults.Problem(statusCode: 400, title: "Send the files as multipart/form-data, one or more 'file' parts.");
        }
        if (!actor.Value.May<IngestUpload>())
        {
            // Refused by the pipeline, as any request is (logged, ProblemDetails 403), before a byte of the body is staged.
            await mediator.Send(new IngestUpload(Stream.Null, "-", "-"), ct);
        }
        if (!StreamedForm.IsMultipart(http))
        {
            return TypedResults.Problem(statusCode: 400, title: "No 'file' part: nothing was recorded.");
        }
        // The files are staged in the blob store as they arrive (no temporary file on this server); whatever is not
        // recorded is discarded when the form is disposed.
        await using var form = await StreamedForm.ReadAsync(http, blobs, ct);
        var fields = form.Fields;
        var files = form.Files;
        if (files.Count == 0)
        {
            return TypedResults.Problem(statusCode: 400, title: "No 'file' part: nothing was recorded.");
        }
        if ((form.Signatures.Count > 0 || form.SignerKeys.Count > 0) && files.Count != 1)
        {
            return TypedResults.Problem(statusCode: 400, title: "'signature' and 'signerKey' parts go with exactly one 'file' part: nothing was recorded.");
        }
        var signatures = form.Signatures.Select(part => new DetachedSignature(part.FileName, part.Size, part.Bytes)).ToList();
        var keys = form.SignerKeys.Where(k => k.Bytes is not null).Select(k => k.Bytes!).ToList();
        Guid? caseId = null;
        if (Fields.Trimmed(fields["caseId"]) is { } caseText)
        {
            // A mistyped case id must not quietly file the evidence as unfiled.
            if (!Guid.TryParse(caseText, out var parsed))
            {
                return TypedResults.Problem(statusCode: 400, title: $"'{caseText}' is not a case id: nothing was recorded.");
            }
            caseId = parsed;
        }
        var problems = new List<string>();
        var metadata = MetadataSheet.Statement(field => field == "language" ? Fields.Trimmed(string.Join(' ', fields[field].ToArray())) : Fields.Trimmed(fields[field]), problems);
        if (problems.Count > 0)
        {
            return TypedResults.Problem(statusCode: 400, title: $"The metadata was not read: {string.Join("; ", problems)}. Nothing was recorded.");
        }
        var rows = new Dictionary<string, MetadataSheet.Row>(StringComparer.Ordinal);
        if (form.Sheet is { } sheetPart)
        {
            await using var sheet = new MemoryStream(sheetPart.Bytes ?? [], writable: false);
            var check = await mediator.Send(new CheckMetadataSheet(sheet, sheetPart.FileName, files.Select(f => f.FileName).ToList()), ct);
            if (check.Refusals.Count > 0)
            {
                // All or nothing for one request: the sender fixes the sheet and sends again, rather than learning which got in.
                return TypedResults.Problem(statusCode: 400, title: $"The sheet refused {check.Refusals.Count} row(s); nothing was recorded.",
                    detail: string.Join(Environment.NewLine, check.Refusals));
            }
            rows = check.Rows.ToDictionary(r => r.File, StringComparer.Ordinal);
        }
        var recorded = new List<IngestedEvidence>();
        foreach (var (fileName, staged) in files)
        {
            var row = rows.GetValueOrDefault(IngestUpload.KeptName(fileName));
            try
            {
                recorded.Add(await mediator.Send(new IngestUpload(Stream.Null, fileName, row?.Collector ?? fields["collector"].ToString(), caseId,
                    row?.Source ?? Fields.Trimmed(fields["source"]), row?.CapturedAt ?? Fields.Trimmed(fields["capturedAt"]), ExpectedSize: staged.Copied.Size,
                    Metadata: row is null ? metadata : row.Metadata.Over(metadata)) { Signatures = signatures, SignerKeys = keys, Staged = staged }, ct));
            }
            catch (Requests.EvidenceException e) when (recorded.Count > 0)
            {
                // The caller must learn which files did get in before it retries the rest.
                return TypedResults.Problem(statusCode: EvidenceProblems.StatusOf(e), title: $"{recorded.Count} file(s) were recorded before this one was refused; the rest were not.",
                    detail: e.Message, extensions: new Dictionary<string, object?> { ["recorded"] = recorded });
            }
        }
        return TypedResults.Ok(recorded);
    }

    private static async Task<IReadOnlyList<EvidenceRecord>> SearchAsync(
        IMediator mediator, CancellationToken ct,
        string? text = null, Guid? incident = null, Guid? perpetrator = null, string? victim = null, string? mediaType = null,
        string? capturedFrom = null, string? capturedTo = null, string? collector = null, string? sha256 = null, int limit = 200,
        string? language = null, string? generation = null, string? consent = null, string? confidentiality = null, string? c2pa = null, bool? hasGps = null, string? place = null,
        string? sort = null, int offset = 0) =>
        await mediator.Send(new SearchEvidence(text, incident, perpetrator, victim, mediaType, capturedFrom, capturedTo, collector, sha256, limit,
            language, generation, consent, confidentiality, c2pa, hasGps, place, sort, offset), ct);

    /// <summary>
    /// The bytes, after the <c>Viewed</c> event is committed. Only images are shown inline (for the preview); everything
    /// else is a download, sandboxed, so an uploaded HTML or SVG page can never run as this site. Checked against the recorded
    /// SHA-256 as they are sent (<see cref="CheckedContent"/>): other bytes are cut off before their last block
    /// (<see cref="CutOffWhenDamaged"/>), so the download never completes, with its declared length unmet.
    /// </summary>
    private static async Task<IResult> ContentAsync(Guid id, IMediator mediator, HttpResponse response, CancellationToken ct)
    {
        var content = await mediator.Send(new OpenEvidenceContent(id), ct);
        var inline = content.MediaType is "image/jpeg" or "image/png" or "image/gif" or "image/webp";
        response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
        response.Headers["Repr-Digest"] = ReprDigest(content.Sha256);
        response.ContentLength = content.Size;
        return new CutOffWhenDamaged(content.Id, TypedResults.Stream(content.Content, inline ? content.MediaType : "application/octet-stream",
            fileDownloadName: inline ? null : Referrals.BagNames.Safe(content.OriginalName)));
    }

    /// <summary>
    /// The bytes to look at in the page (Viewing/OpenEvidencePreview: one <c>Viewed</c> event per preview, committed before
    /// the first byte), inline, in byte ranges so that a video can be sought. HTML, SVG and XML come as text/plain; every
    /// response is sandboxed (no script, no forms, no same origin) and may be framed by this site only. A PDF's
    /// policy also allows the browser's own viewer to be embedded in it (object-src 'self'); Chromium shows a PDF in the
    /// page's frame under this policy, sandbox included (checked in headless Chromium, 2026-12).
    /// <para>
    /// Whole, the bytes are checked against the recorded SHA-256 as they are sent, as downloads are. A range cannot be hashed
    /// against the whole: ranges are served only from a blob whose every chunk is authenticated as the item's (a version 2
    /// envelope, sealed for its address, on the folder store: <see cref="EncryptedBlobStore.OpenCheckedAsync"/>); from any
    /// other blob a range request is answered with the whole, checked.
    /// </para>
    /// </summary>
    private static async Task<IResult> PreviewAsync(Guid id, IMediator mediator, HttpRequest request, HttpResponse response, CancellationToken ct)
    {
        var preview = await mediator.Send(new OpenEvidencePreview(id), ct);
        response.Headers.ContentSecurityPolicy = preview.Kind == PreviewKind.Pdf
            ? "sandbox; default-src 'none'; object-src 'self'; frame-ancestors 'self'"
            : "sandbox; default-src 'none'; frame-ancestors 'self'";
        response.Headers.XFrameOptions = "SAMEORIGIN";
        response.Headers.ContentDisposition = "inline";
        response.Headers["Repr-Digest"] = ReprDigest(preview.Sha256);
        var ranged = preview.Content.CanSeek && request.Headers.Range.Count > 0;
        var body = ranged || !preview.Content.CanSeek ? preview.Content : new CheckedContent(preview.Content, preview.Sha256, preview.Size);
        if (!ranged)
        {
            response.ContentLength = preview.Size;
        }
        if (preview.Content.CanSeek)
        {
            response.Headers.AcceptRanges = "bytes";
        }
        // The content hash is the entity tag: the bytes under an item never change, so If-Range can resume safely.
        return new CutOffWhenDamaged(preview.Id, TypedResults.Stream(body, preview.ServedAs, enableRangeProcessing: ranged,
            entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{preview.Sha256}\"")));
    }

    /// <summary>
    /// Sends evidence bytes; when they turn out not to be the recorded ones once the response has begun (a blob replaced in
    /// storage: <see cref="CheckedContent"/>, or a chunk that does not authenticate), the connection is aborted, so the client
    /// sees a failed transfer rather than a complete file, and the refusal is logged as an error naming the item and blob.
    /// </summary>
    private sealed class CutOffWhenDamaged(Guid id, IResult inner) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            try
            {
                await inner.ExecuteAsync(httpContext);
            }
            catch (Crypto.DamagedBlobException e) when (httpContext.Response.HasStarted)
            {
                httpContext.RequestServices.GetRequiredService<ILogger<CutOffWhenDamaged>>()
                    .LogError("Evidence item {Id} was cut off mid-response: {Refusal} Run `evidence verify`.", id, e.Message);
                httpContext.Abort();
            }
        }
    }

    /// <summary>An image's thumbnail (Viewing/GetThumbnail: a <c>Viewed</c> event each time); 404 with the reason for items without one.</summary>
    private static async Task<IResult> ThumbnailAsync(Guid id, IMediator mediator, HttpResponse response, CancellationToken ct)
    {
        var thumbnail = await mediator.Send(new GetThumbnail(id), ct);
        response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
        response.Headers.ContentDisposition = "inline";
        return TypedResults.File(thumbnail.Jpeg, Thumbnail.MediaType);
    }

    /// <summary>RFC 9530 <c>Repr-Digest</c>: the recorded SHA-256, so a client can check what it received against the custody record.</summary>
    public static string ReprDigest(string sha256Hex) => $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(sha256Hex))}:";

}
