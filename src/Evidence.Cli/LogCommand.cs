using System.Globalization;
using Evidence.Custody;
using Evidence.Requests;

namespace Evidence.Cli;

/// <summary>
/// `evidence log key|checkpoint|inclusion|consistency|timestamp|events|tiles|cosign`: the ledger as auditors' scripts read it
/// (ARCHITECTURE §6); and `log rotate-key`, the admin's replacement of the ledger's signing key.
/// </summary>
internal static class LogCommand
{
    public static async Task<int> RunAsync(CliApp app, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var line = CommandLine.Parse(args, ["--index", "--size", "--from", "--to", "--out", "--witness-key", "--signature"], []);
        var json = line.Has("--json");
        var verb = line.Positionals.Count > 1 ? line.Positionals[1] : throw new UsageException("usage: evidence log key|checkpoint|inclusion|consistency|timestamp|events|tiles|cosign|rotate-key");
        // Rotating the key is the admin's (ARCHITECTURE §7: Admin holds the keys); reading the log is the auditor's.
        await using var session = await Session.OpenAsync(app, line, verb == "rotate-key" ? Role.Admin : Role.Auditor, cancellationToken);
        switch (verb)
        {
            case "key":
                var key = await session.SendAsync(new GetVerifierKey(), cancellationToken);
                if (json)
                {
                    app.WriteJson(new VerifierKeyView(key));
                }
                else
                {
                    await app.Out.WriteLineAsync(key);
                }
                break;
            case "checkpoint":
                var checkpoint = await session.SendAsync(new GetLatestCheckpoint(), cancellationToken);
                if (json)
                {
                    app.WriteJson(checkpoint);
                }
                else
                {
                    await app.Out.WriteAsync(checkpoint.Text);
                }
                break;
            case "inclusion":
                var size = line.Value("--size") is { } s ? Number(s, "--size") : (long?)null;
                var inclusion = await session.SendAsync(new GetInclusionProof(Number(line.Required("--index"), "--index"), size), cancellationToken);
                app.WriteJson(inclusion);
                break;
            case "consistency":
                var consistency = await session.SendAsync(new GetConsistencyProof(Number(line.Required("--from"), "--from"), Number(line.Required("--to"), "--to")), cancellationToken);
                app.WriteJson(consistency);
                break;
            case "timestamp":
                var stamped = await session.SendAsync(new StampCheckpoints(), cancellationToken);
                if (json)
                {
                    app.WriteJson(stamped);
                }
                else
                {
                    await app.Out.WriteLineAsync($"Stamped {stamped.Stamped} checkpoints; all {stamped.Checkpoints} now carry a timestamp token.");
                }
                break;
            case "events":
                // The leaves as they are, one a line: what a third party re-derives the tables from (docs/ledger.md).
                // With --size, the first N: exactly what the checkpoint of that size signs.
                var upTo = line.Value("--size") is { } n ? Number(n, "--size") : (long?)null;
                await session.SendAsync(new ExportEvents(app.Out, upTo), cancellationToken);
                break;
            case "tiles":
                // The log as static C2SP tlog-tiles files, for any web server to serve as a mirror (docs/ledger.md).
                var mirror = await session.SendAsync(new WriteTileMirror(line.Required("--out")), cancellationToken);
                if (json)
                {
                    app.WriteJson(mirror);
                }
                else
                {
                    await app.Out.WriteLineAsync($"Wrote the log of {mirror.Size} events to {mirror.Folder}: {mirror.Tiles} tiles and {mirror.Bundles} entry bundles new, checkpoint last.");
                }
                break;
            case "cosign":
                var accepted = await session.SendAsync(new AddCosignature(await CosignedAsync(session, line, cancellationToken)), cancellationToken);
                if (json)
                {
                    app.WriteJson(accepted);
                }
                else
                {
                    await app.Out.WriteLineAsync(accepted.Added > 0 ? $"Stored the cosignature on the checkpoint of size {accepted.Size}." : $"The checkpoint of size {accepted.Size} already carries this witness's cosignature.");
                }
                break;
            case "rotate-key":
                var rotated = await session.SendAsync(new RotateLedgerKey(), cancellationToken);
                if (json)
                {
                    app.WriteJson(rotated);
                }
                else
                {
                    await app.Out.WriteLineAsync($"Rotated the ledger key. Old key (destroyed): {rotated.OldKey}");
                    await app.Out.WriteLineAsync($"New key: {rotated.NewKey}");
                    await app.Out.WriteLineAsync($"New key's fingerprint: {rotated.NewFingerprint}");
                    await app.Out.WriteLineAsync("The KeyRotated event's checkpoint is signed by both keys; auditors who pinned the old key follow it. " +
                                                 "Publish the new key beside the old one.");
                }
                break;
            default:
                throw new UsageException($"Unknown log command '{verb}'; use key, checkpoint, inclusion, consistency, timestamp, events, tiles, cosign or rotate-key.");
        }
        return CliApp.Ok;
    }

    /// <summary>
    /// The checkpoint of --size (default the latest) with the witness's line after it. --signature is the whole line
    /// (<c>— name base64</c>) or its base64 alone, which --witness-key (the witness's verifier key) names.
    /// </summary>
    private static async Task<string> CosignedAsync(Session session, CommandLine line, CancellationToken cancellationToken)
    {
        Evidence.Crypto.CosignatureVerifier witness;
        try
        {
            witness = Evidence.Crypto.CosignatureVerifier.Parse(line.Required("--witness-key"));
        }
        catch (FormatException e)
        {
            throw new UsageException($"--witness-key takes the witness's verifier key (name+keyid+base64): {e.Message}");
        }
        var signature = line.Required("--signature").Trim();
        var cosignature = signature.StartsWith('\u2014') ? signature : $"\u2014 {witness.Name} {signature}";
        if (!witness.Names(cosignature))
        {
            throw new UsageException($"--signature is not a cosignature line by {witness.Name} with that key's id.");
        }
        var checkpoint = line.Value("--size") is { } s
            ? await session.SendAsync(new GetCheckpoint(Number(s, "--size")), cancellationToken)
            : await session.SendAsync(new GetLatestCheckpoint(), cancellationToken);
        return checkpoint.Text + cosignature + "\n";
    }

    private static long Number(string text, string option) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : throw new UsageException($"{option} takes a whole number, not '{text}'.");
}
