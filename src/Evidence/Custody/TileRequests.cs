using Evidence.Access;
using Evidence.Crypto;
using Evidence.Requests;
using MediatR;

namespace Evidence.Custody;

/// <summary>
/// An entry bundle (<c>tile/entries/N[.p/W]</c>) of the latest checkpoint's tree, or null when that tree has no such bundle.
/// Hash tiles and the checkpoint are public (they reveal hashes and a count); leaves name actors and what they did, so a
/// bundle is the auditors' and admins', and anyone else asking is recorded.
/// </summary>
[AllowedRoles(Role.Auditor, Role.Admin)]
public sealed record ReadEntryBundle(TileAddress Address) : IRequest<byte[]?>, IRecordsDenial
{
    public IEnumerable<KeyValuePair<string, string?>> DenialDetails() => [new("bundle", Address.Path)];
}

/// <summary>
/// Writes the log as static files for a mirror (<c>evidence log tiles --out DIR</c>): <c>checkpoint</c>, every hash tile
/// <c>tile/L/N[.p/W]</c> and entry bundle <c>tile/entries/N[.p/W]</c> of the latest checkpoint's tree, in the C2SP tlog-tiles
/// layout, so that any web server can serve the folder as the log. <see cref="Folder"/> must be empty, absent, or an earlier
/// mirror of this same log (its checkpoint signed by this key and a prefix of today's tree); anything else is refused, so a
/// typo never fills a home folder with tiles and a mirror never silently jumps to another history.
/// </summary>
[AllowedRoles(Role.Auditor, Role.Admin)]
public sealed record WriteTileMirror(string Folder) : IRequest<TileMirror>;

/// <summary>What a mirror run wrote: the tree size, and how many tiles and bundles it wrote (an earlier mirror's full ones are kept).</summary>
public sealed record TileMirror(string Folder, long Size, int Tiles, int Bundles);

internal sealed class TileRequestHandlers(Ledger ledger) :
    IRequestHandler<ReadEntryBundle, byte[]?>,
    IRequestHandler<WriteTileMirror, TileMirror>
{
    public async Task<byte[]?> Handle(ReadEntryBundle request, CancellationToken cancellationToken)
    {
        var latest = await ledger.LatestCheckpointAsync(cancellationToken);
        return latest is null ? null : await ledger.Tiles.ReadAsync(request.Address, latest.Size, cancellationToken);
    }

    public async Task<TileMirror> Handle(WriteTileMirror request, CancellationToken cancellationToken)
    {
        var latest = await ledger.LatestCheckpointAsync(cancellationToken)
            ?? throw new NotFoundException("The ledger has no checkpoint yet: there is nothing to mirror.");
        var folder = Path.GetFullPath(request.Folder);
        var keys = await ledger.KeysAsync(cancellationToken);
        RefuseForeignFolder(folder, latest.Size, keys);
        var size = latest.Size;
        int tiles = 0, bundles = 0;
        for (var level = 0; TileAddress.HashesAt(level, size) > 0; level++)
        {
            var count = TileAddress.HashesAt(level, size);
            for (long index = 0; index * TileAddress.FullWidth < count; index++)
            {
                var width = (int)Math.Min(TileAddress.FullWidth, count - index * TileAddress.FullWidth);
                tiles += await WriteAsync(folder, new TileAddress(level, index, width, false), size, cancellationToken);
                if (level == 0)
                {
                    bundles += await WriteAsync(folder, TileAddress.Bundle(index, width), size, cancellationToken);
                }
            }
        }
        // The rotations, for witnesses and readers who pinned an earlier key (/log/key-rotations); before the checkpoint they lead to.
        await ledger.SigningKeyAsync(cancellationToken);
        if (await ledger.RotationProofsAsync(latest, withConsistency: false, cancellationToken) is { Count: > 0 } rotations)
        {
            WriteFile(Path.Combine(folder, "key-rotations"), System.Text.Encoding.UTF8.GetBytes(KeyRotationProof.Lines(rotations)));
        }
        // Last: a mirror never shows a checkpoint whose tiles are not there yet.
        WriteFile(Path.Combine(folder, "checkpoint"), System.Text.Encoding.UTF8.GetBytes(latest.Text + latest.Cosignatures)); // as /log/checkpoint serves it
        return new TileMirror(folder, size, tiles, bundles);
    }

    private void RefuseForeignFolder(string folder, long size, List<NoteVerifier> keys)
    {
        if (!Directory.Exists(folder) || !Directory.EnumerateFileSystemEntries(folder).Any())
        {
            return;
        }
        var checkpointFile = Path.Combine(folder, "checkpoint");
        if (!File.Exists(checkpointFile))
        {
            throw new InvalidRequestException($"{folder} is not empty and holds no checkpoint, so it is not a mirror of this log; nothing was written. " +
                                              "Give an empty or new folder.");
        }
        var text = File.ReadAllText(checkpointFile);
        Checkpoint earlier;
        var body = "";
        try
        {
            // Signed by any key this log has had: a mirror written before a rotation is still this log's.
            earlier = keys.Any(k => k.Verify(text, out body)) ? Checkpoint.Parse(body) : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new InvalidRequestException($"{checkpointFile} is not a checkpoint signed by this log's key ({keys[^1].VerifierKey}), so {folder} " +
                                              "is not a mirror of this log; nothing was written.");
        }
        if (earlier.Origin != keys[^1].Name || earlier.Size > size || !ledger.Root(earlier.Size).AsSpan().SequenceEqual(earlier.Root))
        {
            throw new InvalidRequestException($"The mirror in {folder} shows a tree of {earlier.Size} events that this log's tree of {size} does not extend " +
                                              "(a different history under the same key); nothing was written. Keep that folder: it is evidence of the fork.");
        }
    }

    // Full tiles and bundles never change once written, so an earlier mirror's are kept; partial ones are written for each
    // size, and kept too, for clients of older checkpoints (the spec asks a log to serve them).
    private async Task<int> WriteAsync(string folder, TileAddress address, long size, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, address.Path.Replace('/', Path.DirectorySeparatorChar));
        if (File.Exists(path))
        {
            return 0;
        }
        var bytes = await ledger.Tiles.ReadAsync(address, size, cancellationToken)
            ?? throw new UnavailableException($"The ledger has no {address.Path} for its tree of {size} events; run `evidence verify`.");
        WriteFile(path, bytes);
        return 1;
    }

    private static void WriteFile(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = path + ".partial";
        File.WriteAllBytes(partial, bytes);
        File.Move(partial, path, overwrite: true);
    }
}
