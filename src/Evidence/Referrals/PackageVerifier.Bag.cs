using System.Globalization;
using Evidence.Custody;

namespace Evidence.Referrals;

// The bag check (RFC 8493): the bag declaration and bag-info, Payload-Oxum, both payload manifests against the
// hashes of the files themselves, and the tag manifest against the tag files.
public static partial class PackageVerifier
{
    private static readonly HashSet<string> UnlistedTagFiles = ["tagmanifest-sha256.txt", BagWriter.CmsSignatureFile, BagWriter.NoteSignatureFile];

    // BagIt percent-encodes CR, LF and '%' in manifest paths (RFC 8493 §2.1.3).
    private static string DecodePath(string path) =>
        path.Replace("%0D", "\r", StringComparison.OrdinalIgnoreCase).Replace("%0A", "\n", StringComparison.OrdinalIgnoreCase).Replace("%25", "%", StringComparison.Ordinal);

    private sealed partial class Check
    {
        private Dictionary<string, string> CheckBagDeclaration()
        {
            var bagIt = Text("bagit.txt");
            if (bagIt is null)
            {
                findings.Add(new Finding("bag", "bagit.txt", "the bag declaration", "missing"));
            }
            else if (bagIt != BagWriter.BagItText)
            {
                findings.Add(new Finding("bag", "bagit.txt", BagWriter.BagItText.ReplaceLineEndings(" "), Shown(bagIt.ReplaceLineEndings(" "))));
            }
            var info = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in (Text("bag-info.txt") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var colon = line.IndexOf(':');
                if (colon > 0)
                {
                    info.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
                }
            }
            foreach (var field in new[] { "Source-Organization", "Contact-Name", "External-Identifier", "Bagging-Date", "Payload-Oxum", "Bag-Count", "Internal-Sender-Description" })
            {
                if (!info.ContainsKey(field))
                {
                    findings.Add(new Finding("bag", "bag-info.txt", $"a {field} field", "none"));
                }
            }
            var payload = hashes.Where(h => h.Key.StartsWith("data/", StringComparison.Ordinal)).ToList();
            var oxum = string.Create(CultureInfo.InvariantCulture, $"{payload.Sum(p => p.Value.Size)}.{payload.Count}");
            if (info.TryGetValue("Payload-Oxum", out var declared) && declared != oxum)
            {
                findings.Add(new Finding("bag", "Payload-Oxum", Shown(declared), oxum));
            }
            return info;
        }

        /// <summary>Both payload manifests list exactly the files under data/, each with its right hash. Returns the SHA-256 manifest.</summary>
        private Dictionary<string, string> CheckManifests()
        {
            var sha256 = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, length, pick) in new (string, int, Func<(string, string, long), string>)[]
                     {
                         ("manifest-sha256.txt", 64, h => h.Item1),
                         ("manifest-sha512.txt", 128, h => h.Item2),
                     })
            {
                if (!Exists(name, "a manifest"))
                {
                    continue;
                }
                // Only paths that are files in the zip are remembered, so a manifest of millions of lines costs no memory.
                var listed = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (path, expected) in ManifestLines(name, length))
                {
                    if (!path.StartsWith("data/", StringComparison.Ordinal))
                    {
                        findings.Add(new Finding("manifest", $"{name}: {Shown(path)}", "a payload file under data/", "a path outside it"));
                    }
                    else if (!hashes.TryGetValue(path, out var found))
                    {
                        findings.Add(new Finding("missing", Shown(path), $"a file listed in {name}", "no such file in the bag"));
                    }
                    else if (!listed.Add(path))
                    {
                        findings.Add(new Finding("manifest", $"{name}: {Shown(path)}", "one line per file", "two lines"));
                    }
                    else if (pick(found) != expected)
                    {
                        findings.Add(new Finding("hash", Shown(path), $"{name}: {expected}", pick(found)));
                    }
                    if (length == 64)
                    {
                        sha256.TryAdd(path, expected);
                    }
                }
                foreach (var path in hashes.Keys.Where(p => p.StartsWith("data/", StringComparison.Ordinal) && !listed.Contains(p)))
                {
                    findings.Add(new Finding("extra", Shown(path), $"only files listed in {name}", "a file the manifest does not list"));
                }
            }
            return sha256;
        }

        /// <summary>The tag manifest lists the tag files with their right hashes; nothing else sits beside them.</summary>
        private void CheckTagManifest()
        {
            var listed = new HashSet<string>(StringComparer.Ordinal);
            if (Exists("tagmanifest-sha256.txt", "a manifest"))
            {
                foreach (var (path, expected) in ManifestLines("tagmanifest-sha256.txt", 64))
                {
                    if (!hashes.TryGetValue(path, out var found))
                    {
                        findings.Add(new Finding("missing", Shown(path), "a tag file listed in tagmanifest-sha256.txt", "no such file in the bag"));
                    }
                    else if (!listed.Add(path))
                    {
                        findings.Add(new Finding("manifest", $"tagmanifest-sha256.txt: {Shown(path)}", "one line per file", "two lines"));
                    }
                    else if (found.Sha256 != expected)
                    {
                        findings.Add(new Finding("hash", Shown(path), $"tagmanifest-sha256.txt: {expected}", found.Sha256));
                    }
                }
            }
            foreach (var required in new[] { "bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt" })
            {
                if (!listed.Contains(required))
                {
                    findings.Add(new Finding("manifest", "tagmanifest-sha256.txt", $"a line for {required}", "none"));
                }
            }
            foreach (var path in hashes.Keys.Where(p => !p.StartsWith("data/", StringComparison.Ordinal) && !listed.Contains(p) && !UnlistedTagFiles.Contains(p)))
            {
                findings.Add(new Finding("extra", Shown(path), "only the tag files the tag manifest lists, and its two signatures", "a file nothing lists"));
            }
        }

        /// <summary>Each "hash  path" line of a manifest, read a line at a time; malformed and unsafe lines are findings and skipped.</summary>
        private IEnumerable<(string Path, string Hash)> ManifestLines(string name, int hashLength)
        {
            foreach (var line in Lines(name))
            {
                if (line is null)
                {
                    continue;
                }
                var space = line.IndexOf(' ');
                var hash = space > 0 ? line[..space] : line;
                var path = space > 0 ? DecodePath(line[(space + 1)..].TrimStart(' ', '\t')) : "";
                if (hash.Length != hashLength || !hash.All(Uri.IsHexDigit) || path.Length == 0)
                {
                    findings.Add(new Finding("manifest", name, "lines of 'hash  path'", Shown(line)));
                }
                else if (!IsSafeEntryName(path))
                {
                    findings.Add(new Finding("manifest", $"{name}: {Shown(path)}", "a relative path inside the bag", "an unsafe path"));
                }
                else
                {
                    yield return (path, hash.ToLowerInvariant());
                }
            }
        }
    }
}
