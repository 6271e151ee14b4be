using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using Evidence.Custody;

namespace Evidence.Referrals;

// Reading the zip: which entries are read at all (safe, unique names under one bag folder), each hashed once as a
// standard unzip would produce it, and every later read bounded so that hostile input cannot take unbounded memory.
public static partial class PackageVerifier
{
    /// <summary>A relative path of named segments: no '..', no absolute path, no drive, no backslash, no control characters.</summary>
    internal static bool IsSafeEntryName(string name)
    {
        if (name.Length == 0 || name.StartsWith('/') || name.Contains('\\') || name.Contains(':') || name.Any(char.IsControl))
        {
            return false;
        }
        var segments = name.TrimEnd('/').Split('/');
        return segments.All(s => s.Length > 0 && s != "." && s != "..");
    }

    private sealed partial class Check
    {
        /// <summary>Every entry has a safe, unique name under one root folder; anything else is reported and skipped.</summary>
        private bool ReadEntries()
        {
            var roots = new HashSet<string>(StringComparer.Ordinal);
            // Two names that differ only in case become one file when unzipped on Windows or macOS: the second overwrites the first.
            var folded = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var folders = new List<string>();
            foreach (var entry in zip.Entries)
            {
                var name = entry.Name;
                if (!IsSafeEntryName(name))
                {
                    findings.Add(new Finding("zip", Shown(name), "an entry name inside the bag's folder", "an unsafe entry name (absolute, '..', backslash or control characters); not read"));
                    continue;
                }
                if (name.EndsWith('/'))
                {
                    if (entry.Size != 0)
                    {
                        findings.Add(new Finding("zip", Shown(name), "a folder entry without content", $"{entry.Size} bytes"));
                    }
                    folders.Add(name);
                    continue;
                }
                var slash = name.IndexOf('/');
                if (slash < 0)
                {
                    findings.Add(new Finding("zip", Shown(name), "every file inside the bag's folder", "a file at the top of the zip"));
                    continue;
                }
                roots.Add(name[..slash]);
                var path = name[(slash + 1)..];
                if (!files.TryAdd(path, entry))
                {
                    // Unzip tools disagree on which of two same-named entries wins: the package is ambiguous.
                    findings.Add(new Finding("zip", Shown(name), "one entry per name", "two entries with this name"));
                }
                else if (!folded.Add(name))
                {
                    findings.Add(new Finding("zip", Shown(name), "names that stay distinct on a file system that ignores case", "two entries whose names differ only in case"));
                }
            }
            if (roots.Count != 1)
            {
                findings.Add(new Finding("zip", "layout", "one bag folder at the top of the zip", roots.Count == 0 ? "no files" : $"{roots.Count} folders: {Shown(string.Join(", ", roots))}"));
                return roots.Count == 1;
            }
            root = roots.Single();
            // A folder entry is harmless only inside the bag and where no file is: a folder named like a file makes unzip
            // create the folder and never write the file (a testimony that is "verified" but never reaches the disk).
            foreach (var folder in folders)
            {
                var inside = folder.StartsWith(root + "/", StringComparison.Ordinal) ? folder[(root.Length + 1)..].TrimEnd('/') : null;
                if (inside is null || files.Keys.Any(f => inside.Length > 0 && (f == inside || inside.StartsWith(f + "/", StringComparison.Ordinal))))
                {
                    findings.Add(new Finding("zip", Shown(folder), "folder entries only inside the bag's folder and never in a file's place",
                        inside is null ? "a folder outside the bag" : "a folder where a file of the bag is"));
                }
            }
            return true;
        }

        /// <summary>
        /// Streams every entry once through SHA-256, SHA-512 and CRC-32, and checks the CRC-32 and size its headers
        /// declare, so that the bytes hashed are exactly the bytes any standard unzip produces. An entry that fails is
        /// refused like any other malformed entry: the manifests then report it missing.
        /// </summary>
        private void HashPayload()
        {
            foreach (var (path, entry) in files.ToList())
            {
                try
                {
                    using var stream = zip.Open(entry);
                    using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    using var sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
                    var crc = new Crc32();
                    long size = 0;
                    var next = 0;
                    var read = stream.ReadAtLeast(buffers[next], buffers[next].Length, throwOnEndOfStream: false);
                    while (read > 0)
                    {
                        var piece = buffers[next].AsMemory(0, read);
                        // SHA-512 is the slowest: it runs on the other core while this one does SHA-256 and the CRC-32 and
                        // reads the next piece into the other buffer, so that checking both manifests costs about one hash.
                        var sha512Done = Task.Run(() => sha512.AppendData(piece.Span));
                        try
                        {
                            sha256.AppendData(piece.Span);
                            crc.Append(piece.Span);
                            size += read;
                            next = 1 - next;
                            read = stream.ReadAtLeast(buffers[next], buffers[next].Length, throwOnEndOfStream: false);
                        }
                        finally
                        {
                            // Never leave it hashing a buffer about to be reused or a hash about to be disposed.
                            sha512Done.GetAwaiter().GetResult();
                        }
                    }
                    // The stream stops one byte past the declared size: that is enough to know the headers understate
                    // the entry, and a zip bomb stops there.
                    if (size == entry.Size && crc.GetCurrentHashAsUInt32() == entry.Crc32)
                    {
                        hashes[path] = (Convert.ToHexStringLower(sha256.GetHashAndReset()), Convert.ToHexStringLower(sha512.GetHashAndReset()), size);
                        continue;
                    }
                    findings.Add(new Finding("zip", Shown($"{root}/{path}"), $"{entry.Size} bytes with CRC-32 {entry.Crc32:x8}, as its headers declare",
                        (size > entry.Size ? "more bytes than that" : $"{size} bytes with CRC-32 {crc.GetCurrentHashAsUInt32():x8}") + "; not read"));
                }
                catch (InvalidDataException e)
                {
                    findings.Add(new Finding("zip", Shown($"{root}/{path}"), "an entry that decompresses", $"{Shown(e.Message)}; not read"));
                }
                files.Remove(path);
            }
        }

        private bool Exists(string path, string what)
        {
            if (files.ContainsKey(path))
            {
                return true;
            }
            findings.Add(new Finding("missing", path, what, "no such file in the bag"));
            return false;
        }

        /// <summary>A file's bytes, if the zip has it and it is at most <paramref name="max"/> bytes (a larger one is a finding, and not read).</summary>
        private byte[]? Bytes(string path, int max)
        {
            if (!files.TryGetValue(path, out var entry))
            {
                return null;
            }
            if (entry.Size > max)
            {
                findings.Add(new Finding("bag", Shown(path), $"a file of at most {max:N0} bytes", $"{entry.Size:N0} bytes; not read"));
                return null;
            }
            try
            {
                using var stream = zip.Open(entry);
                using var bytes = new MemoryStream((int)entry.Size);
                // The stream gives at most the declared size plus one byte; a CRC-32 or size mismatch was reported by HashPayload.
                stream.CopyTo(bytes);
                return bytes.ToArray();
            }
            catch (InvalidDataException)
            {
                return null; // reported by HashPayload
            }
        }

        /// <summary>A small tag file as UTF-8 text.</summary>
        private string? Text(string path)
        {
            try
            {
                return Bytes(path, MaxTagFileBytes) is { } bytes ? new UTF8Encoding(false, true).GetString(bytes) : null;
            }
            catch (DecoderFallbackException)
            {
                findings.Add(new Finding("bag", Shown(path), "UTF-8 text", "bytes that are not UTF-8"));
                return null;
            }
        }

        /// <summary>
        /// The file's non-empty lines, streamed: a line over <see cref="MaxLineBytes"/> or not UTF-8 is a finding that
        /// shows only its start, and comes back as null so that callers can count it without reading it.
        /// </summary>
        private IEnumerable<string?> Lines(string path)
        {
            if (!files.TryGetValue(path, out var entry))
            {
                yield break;
            }
            using var stream = zip.Open(entry);
            var line = new byte[MaxLineBytes];
            var chunk = new byte[64 << 10];
            int kept = 0, number = 0, read;
            long length = 0;
            while ((read = ReadOrStop(stream, chunk)) > 0)
            {
                var at = 0;
                while (at < read)
                {
                    var newline = Array.IndexOf(chunk, (byte)'\n', at, read - at);
                    var end = newline < 0 ? read : newline;
                    var keep = Math.Min(end - at, MaxLineBytes - kept);
                    Array.Copy(chunk, at, line, kept, keep);
                    kept += keep;
                    length += end - at;
                    if (newline < 0)
                    {
                        break;
                    }
                    at = newline + 1;
                    number++;
                    if (length > 0)
                    {
                        yield return Line(path, number, line.AsSpan(0, kept), length);
                    }
                    kept = 0;
                    length = 0;
                }
            }
            if (length > 0)
            {
                yield return Line(path, number + 1, line.AsSpan(0, kept), length);
            }
        }

        private string? Line(string path, int number, ReadOnlySpan<byte> kept, long length)
        {
            if (length > MaxLineBytes)
            {
                findings.Add(new Finding("bag", $"{Shown(path)} line {number}", $"lines of at most {MaxLineBytes:N0} bytes",
                    $"{length:N0} bytes, starting {Shown(Encoding.UTF8.GetString(kept[..Math.Min(kept.Length, MaxShownCharacters)]))}…"));
                return null;
            }
            try
            {
                return new UTF8Encoding(false, true).GetString(kept);
            }
            catch (DecoderFallbackException)
            {
                findings.Add(new Finding("bag", $"{Shown(path)} line {number}", "UTF-8 text", "bytes that are not UTF-8"));
                return null;
            }
        }

        // A corrupt deflate stream was reported by HashPayload; here it just ends the file.
        private static int ReadOrStop(Stream stream, byte[] chunk)
        {
            try
            {
                return stream.Read(chunk);
            }
            catch (InvalidDataException)
            {
                return 0;
            }
        }
    }
}
