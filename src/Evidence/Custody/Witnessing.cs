using System.Text.Json;
using Evidence.Crypto;
using Evidence.Data;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Custody;

/// <summary>
/// Accepts witnesses' cosignatures (<c>POST /log/cosign</c>, <c>evidence log cosign</c>): <see cref="CosignedCheckpoint"/> is a
/// checkpoint note this log signed, with one or more tlog-cosignature lines after its signature. A line is kept when it
/// names a witness in <c>keys/witnesses.txt</c>, verifies over exactly that checkpoint's body, and is not dated in the future;
/// a witness's first cosignature of a checkpoint is kept, later ones by the same witness are not added. Any role may send it:
/// the witness's signature is the credential, and storing it records no custody event (that would need a checkpoint of its own).
/// </summary>
public sealed record AddCosignature(string CosignedCheckpoint) : IRequest<CosignatureAccepted>;

/// <summary>Which checkpoint was cosigned, by which witnesses, and how many lines were new.</summary>
public sealed record CosignatureAccepted(long Size, string Root, IReadOnlyList<string> Witnesses, int Added);

internal sealed class AddCosignatureHandler(EvidenceDbContext db, Ledger ledger, EvidenceSettings settings, TimeProvider clock)
    : IRequestHandler<AddCosignature, CosignatureAccepted>
{
    // A checkpoint with a few dozen signature lines is a few kilobytes.
    private const int MaxNoteCharacters = 64 * 1024;

    public async Task<CosignatureAccepted> Handle(AddCosignature request, CancellationToken cancellationToken)
    {
        var note = request.CosignedCheckpoint.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (note.Length > MaxNoteCharacters)
        {
            throw new InvalidRequestException($"A cosigned checkpoint is a few lines, not {note.Length} characters; nothing was stored.");
        }
        if (!note.EndsWith('\n'))
        {
            note += "\n";
        }
        // Any key this log has signed with: a witness may cosign a checkpoint signed before the key was rotated.
        var keys = await ledger.KeysAsync(cancellationToken);
        var body = "";
        if (!keys.Any(k => k.Verify(note, out body)))
        {
            throw new InvalidRequestException($"That is not a checkpoint signed by this log ({keys[^1].VerifierKey}): send the checkpoint as " +
                                              "/log/checkpoint serves it, with the witness's cosignature line after it; nothing was stored.");
        }
        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Parse(body);
        }
        catch (FormatException e)
        {
            throw new InvalidRequestException($"The cosigned note is not a checkpoint: {e.Message}");
        }
        // The same text this log stored and signed, not merely a note with a valid signature on it.
        var candidates = await db.Checkpoints.Where(c => c.Size == checkpoint.Size).OrderByDescending(c => c.Id).ToListAsync(cancellationToken);
        var record = candidates.FirstOrDefault(c => keys.Any(k => k.Verify(c.Text, out var stored) && stored == body))
            ?? throw new InvalidRequestException($"This log holds no checkpoint of size {checkpoint.Size} with that root; nothing was stored.");

        var witnesses = Cosignatures.Configured(settings.KeyFolder);
        var latest = clock.GetUtcNow().AddMinutes(10); // clocks differ; a cosignature dated later than this is refused
        var valid = new List<(CosignatureVerifier Witness, string Line)>();
        var problems = new List<string>();
        foreach (var line in Cosignatures.Lines(note[(body.Length + 1)..]).Where(l => !keys.Any(k => l.StartsWith($"\u2014 {k.Name} ", StringComparison.Ordinal))))
        {
            var witness = witnesses.FirstOrDefault(w => w.Names(line));
            var time = witness?.Verify(line, body);
            if (witness is null)
            {
                problems.Add($"'{Finding.Cut(line.TrimEnd('\n'))}' is by no witness in keys/witnesses.txt");
            }
            else if (time is null)
            {
                problems.Add($"the cosignature by {witness.Name} does not verify over this checkpoint");
            }
            else if (time > latest)
            {
                problems.Add($"the cosignature by {witness.Name} is dated {time:u}, in the future");
            }
            else
            {
                valid.Add((witness, line));
            }
        }
        if (valid.Count == 0)
        {
            var why = problems.Count == 0 ? "it carries no cosignature line" : string.Join("; ", problems);
            if (problems.Count > 0 && problems.All(p => p.Contains("by no witness", StringComparison.Ordinal)))
            {
                throw new ForbiddenException($"Cosignatures are accepted from configured witnesses only: {why}. Nothing was stored.");
            }
            throw new InvalidRequestException($"No cosignature was accepted: {why}. Nothing was stored.");
        }

        var added = 0;
        for (var attempt = 1; ; attempt++)
        {
            var present = Cosignatures.Lines(record.Cosignatures).ToList();
            var fresh = valid.Where(v => !present.Any(v.Witness.Names)).Select(v => v.Line).Distinct().ToList();
            added = fresh.Count;
            if (added == 0)
            {
                break;
            }
            record.Cosignatures = (record.Cosignatures ?? "") + string.Concat(fresh);
            try
            {
                // Its own statement, checked against the value read (a concurrency token): nothing else in this request writes.
                await db.SaveChangesAsync(cancellationToken);
                break;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                db.ChangeTracker.Clear();
                record = await db.Checkpoints.SingleAsync(c => c.Id == record.Id, cancellationToken);
            }
        }
        return new CosignatureAccepted(checkpoint.Size, Convert.ToHexStringLower(checkpoint.Root), valid.Select(v => v.Witness.VerifierKey).Distinct().ToList(), added);
    }
}

/// <summary>
/// A small witness (<c>evidence witness</c>), run by an auditor or a partner on their own machine: fetches the log's
/// checkpoint, checks the log's signature with the key it pinned, checks that the new tree extends the last one it cosigned
/// (a consistency proof computed from the public hash tiles only), cosigns, and posts the cosignature to the log. It
/// refuses, and says why, when the log shows a different history (a fork), a smaller tree, another origin or another key.
/// Its state (the last checkpoint it cosigned) is a file beside its key; its key is created on first use, owner-only.
/// </summary>
public sealed class Witness(HttpClient http, NoteVerifier logKey, WitnessSigner signer, string statePath, TimeProvider clock)
{
    /// <summary>What the witness saw and did.</summary>
    public sealed record Outcome(bool Cosigned, long Size, string Root, long? PreviousSize, string Message, string? Cosignature, string WitnessKey);

    /// <summary>The last checkpoint the witness cosigned for a log, as its state file keeps it.</summary>
    public sealed record State(string LogKey, string Origin, long Size, string Root, string Checkpoint, string WitnessName);

    public async Task<Outcome> RunAsync(Uri log, CancellationToken cancellationToken)
    {
        var prefix = log.ToString().TrimEnd('/') + "/";
        var text = await GetTextAsync(new Uri(prefix + "checkpoint"), cancellationToken);
        if (!logKey.Verify(text, out var body))
        {
            // Perhaps the log rotated its key since: follow the rotations it publishes from the pinned key.
            var followed = await FollowRotationsAsync(prefix, text, cancellationToken);
            if (followed is null || !followed.Current.Verify(text, out body))
            {
                return Refuse(0, "", null, $"the checkpoint at {prefix}checkpoint carries no valid signature by the pinned log key {logKey.VerifierKey}" +
                                           (followed is null ? "" : $" or a key it was rotated to{(followed.Problem is { } why ? $" ({why})" : "")}"));
            }
        }
        var checkpoint = Checkpoint.Parse(body);
        var root = Convert.ToHexStringLower(checkpoint.Root);
        if (checkpoint.Origin != logKey.Name)
        {
            return Refuse(checkpoint.Size, root, null, $"the checkpoint's origin is '{checkpoint.Origin}', not the pinned log '{logKey.Name}'");
        }
        var state = ReadState();
        if (state is not null && (state.LogKey != logKey.VerifierKey || state.Origin != checkpoint.Origin))
        {
            return Refuse(checkpoint.Size, root, state.Size, $"this witness key already witnesses {state.Origin} ({state.LogKey}); use one witness key per log");
        }
        var tiles = new HttpTiles(http, prefix, checkpoint.Size);
        var fromTiles = MerkleTree.Root(checkpoint.Size, LedgerTiles.Subtrees(tiles.Read));
        if (!fromTiles.AsSpan().SequenceEqual(checkpoint.Root))
        {
            return Refuse(checkpoint.Size, root, state?.Size, $"the log's hash tiles do not give the root its checkpoint of size {checkpoint.Size} signs");
        }
        if (state is not null)
        {
            var oldRoot = Convert.FromHexString(state.Root);
            if (checkpoint.Size < state.Size)
            {
                return Refuse(checkpoint.Size, root, state.Size, $"fork: the log now shows {checkpoint.Size} entries, fewer than the {state.Size} this witness cosigned");
            }
            if (checkpoint.Size == state.Size && !checkpoint.Root.AsSpan().SequenceEqual(oldRoot))
            {
                return Refuse(checkpoint.Size, root, state.Size, $"fork: the log shows a different root ({root}) for the same size {state.Size} that this witness cosigned with root {state.Root}");
            }
            if (checkpoint.Size > state.Size && state.Size > 0)
            {
                var proof = MerkleTree.ConsistencyProof(state.Size, checkpoint.Size, LedgerTiles.Subtrees(tiles.Read));
                if (!MerkleTree.VerifyConsistency(state.Size, checkpoint.Size, oldRoot, checkpoint.Root, proof))
                {
                    return Refuse(checkpoint.Size, root, state.Size, $"fork: the log's tree of {checkpoint.Size} does not extend the tree of {state.Size} " +
                                                                     $"(root {state.Root}) that this witness cosigned; its history was rewritten");
                }
            }
        }
        var line = signer.Cosign(body, clock.GetUtcNow());
        // Saved before it is sent: the witness signed it, so it must never sign a conflicting one, whether the post arrives or not.
        WriteState(new State(logKey.VerifierKey, checkpoint.Origin, checkpoint.Size, root, text, signer.Verifier.Name));
        using var content = new StringContent(text + line, System.Text.Encoding.UTF8, "text/plain");
        using var response = await http.PostAsync(new Uri(prefix + "cosign"), content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var answer = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new UnavailableException($"Cosigned size {checkpoint.Size}, but the log refused the cosignature ({(int)response.StatusCode}): {Finding.Cut(answer)}");
        }
        var message = state is null
            ? $"cosigned {checkpoint.Origin} at size {checkpoint.Size}: the first checkpoint this witness has seen of it"
            : $"cosigned {checkpoint.Origin} at size {checkpoint.Size}, consistent with size {state.Size} cosigned before";
        return new Outcome(true, checkpoint.Size, root, state?.Size, message, line.TrimEnd('\n'), signer.Verifier.VerifierKey);
    }

    /// <summary>
    /// The chain of keys from the pinned one through the rotations the log publishes at <c>key-rotations</c>, each rotation's
    /// checkpoint proven, from the public hash tiles, to be one the served checkpoint extends; null when the log publishes
    /// none (or the served text is not a checkpoint), so that the plain refusal stands.
    /// </summary>
    private async Task<KeyRotationProof.Followed?> FollowRotationsAsync(string prefix, string text, CancellationToken cancellationToken)
    {
        Checkpoint target;
        List<KeyRotationProof> rotations;
        try
        {
            var split = text.IndexOf("\n\n", StringComparison.Ordinal);
            target = Checkpoint.Parse(split < 0 ? text : text[..(split + 1)]);
            using var response = await http.GetAsync(new Uri(prefix + "key-rotations"), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }
            rotations = KeyRotationProof.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (FormatException)
        {
            return null;
        }
        if (rotations.Count == 0)
        {
            return null;
        }
        var tiles = new HttpTiles(http, prefix, target.Size);
        return KeyRotationProof.Follow(logKey, rotations, target, (_, rotated) => rotated.Size == target.Size
            ? rotated.Root.AsSpan().SequenceEqual(target.Root)
            : MerkleTree.VerifyConsistency(rotated.Size, target.Size, rotated.Root, target.Root,
                MerkleTree.ConsistencyProof(rotated.Size, target.Size, LedgerTiles.Subtrees(tiles.Read))));
    }

    private Outcome Refuse(long size, string root, long? previous, string why) =>
        new(false, size, root, previous, "refused: " + why, null, signer.Verifier.VerifierKey);

    private State? ReadState()
    {
        if (!File.Exists(statePath))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<State>(File.ReadAllText(statePath)) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new InvalidRequestException($"The witness state {statePath} is unreadable ({e.Message}); restore it from a backup. " +
                                              "Removing it makes the witness trust the next checkpoint it sees, whatever came before.");
        }
    }

    private void WriteState(State state)
    {
        var partial = statePath + ".partial";
        File.WriteAllText(partial, JsonSerializer.Serialize(state));
        File.Move(partial, statePath, overwrite: true);
    }

    private async Task<string> GetTextAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(uri, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new UnavailableException($"{uri} answered {(int)response.StatusCode}; nothing was cosigned.");
        }
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>Hash tiles of one tree size, fetched over HTTP as the spec lays them out, each once.</summary>
    private sealed class HttpTiles(HttpClient http, string prefix, long size)
    {
        public IReadOnlyList<byte[]> Read(int level, long index)
        {
            var address = new TileAddress(level, index, TileAddress.FullWidth, false);
            var width = address.Available(size);
            address = address with { Width = width };
            if (width == 0)
            {
                return [];
            }
            using var response = http.GetAsync(new Uri(prefix + address.Path)).GetAwaiter().GetResult();
            var bytes = response.IsSuccessStatusCode ? response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult() : [];
            if (bytes.Length != 32 * width)
            {
                throw new UnavailableException($"{prefix}{address.Path} answered {(int)response.StatusCode} with {bytes.Length} bytes, not {32 * width}; nothing was cosigned.");
            }
            return bytes.Chunk(32).ToList();
        }
    }
}
