using System.Text;
using Evidence.Crypto;
using Evidence.Custody;
using Evidence.Requests;
using MediatR;
using Microsoft.AspNetCore.Mvc;

namespace Evidence.Web.Pages;

/// <summary>
/// The auditor's dashboard: run verification and see its findings, the history of every run (from the ledger's
/// <c>Verified</c> events), the latest checkpoint and the verifier key to copy, and the ledger to download for checking
/// offline with any RFC 6962 tool: the events up to the checkpoint's size (the same lines as `log events --size N`),
/// that checkpoint and the key. Nothing here is evidence content or an identity: the leaves hold hashes and pseudonyms.
/// </summary>
public sealed class AuditModel(IMediator mediator) : EvidencePage(mediator)
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public VerificationReport? Report { get; private set; }
    public VerificationHistory History { get; private set; } = new([], null);
    public CheckpointView? Checkpoint { get; private set; }
    public string? VerifierKey { get; private set; }
    public string? Fingerprint { get; private set; }

    /// <summary>The history page starts before this event (older runs); the newest when absent.</summary>
    [BindProperty(SupportsGet = true)] public long? Before { get; set; }

    public Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        Report = await TrySendAsync(new VerifyCustody(), cancellationToken);
        Before = null; // the run just recorded heads the history
        return await LoadAsync(cancellationToken);
    }

    /// <summary>The first <paramref name="size"/> custody events, one leaf a line (events.jsonl), streamed as they are read.</summary>
    public async Task<IActionResult> OnGetEventsAsync(long size, CancellationToken cancellationToken)
    {
        Response.ContentType = "application/jsonl; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"events-{size}.jsonl\"";
        // Not disposed on a refusal: disposing flushes, which would send the headers (200) before the refusal could.
        // The request is refused before its handler writes a byte, so nothing has been sent then.
        var output = new StreamWriter(Response.Body, Utf8, 1 << 16, leaveOpen: true);
        try
        {
            await Mediator.Send(new ExportEvents(output, size), cancellationToken);
        }
        catch (ForbiddenException)
        {
            Response.Clear();
            return Forbid();
        }
        await output.DisposeAsync();
        return new EmptyResult();
    }

    /// <summary>The signed checkpoint of <paramref name="size"/> events, as its note text (checkpoint.txt).</summary>
    public async Task<IActionResult> OnGetCheckpointAsync(long size, CancellationToken cancellationToken)
    {
        var checkpoint = await Mediator.Send(new GetCheckpoint(size), cancellationToken);
        return File(Utf8.GetBytes(checkpoint.Text), "text/plain; charset=utf-8", $"checkpoint-{size}.txt");
    }

    /// <summary>The checkpoint's RFC 3161 timestamp token (DER), for <c>openssl ts -verify</c>.</summary>
    public async Task<IActionResult> OnGetTimestampAsync(long size, CancellationToken cancellationToken)
    {
        var checkpoint = await Mediator.Send(new GetCheckpoint(size), cancellationToken);
        return checkpoint.TimestampToken is { } token
            ? File(Convert.FromBase64String(token), "application/timestamp-reply", $"checkpoint-{size}.tst")
            : NotFound();
    }

    /// <summary>The verifier key (key.txt), one line.</summary>
    public async Task<IActionResult> OnGetKeyAsync(CancellationToken cancellationToken) =>
        File(Utf8.GetBytes(await Mediator.Send(new GetVerifierKey(), cancellationToken) + "\n"), "text/plain; charset=utf-8", "verifier-key.txt");

    private async Task<IActionResult> LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Sent even for a role that may not read it, so that the refusal is answered (and logged) as on the API.
            History = await Mediator.Send(new ListVerifications(Before), cancellationToken);
        }
        catch (ForbiddenException)
        {
            return Forbid();
        }
        var error = Error;
        Checkpoint = await TrySendAsync(new GetLatestCheckpoint(), cancellationToken);
        VerifierKey = await TrySendAsync(new GetVerifierKey(), cancellationToken);
        Fingerprint = VerifierKey is null ? null : NoteVerifier.Parse(VerifierKey).Fingerprint;
        // An empty ledger has no checkpoint yet: not an error worth showing.
        Error = error;
        return Page();
    }
}
