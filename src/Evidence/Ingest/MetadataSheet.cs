using Evidence.Metadata;
using Evidence.Requests;
using Evidence.Text;
using nietras.SeparatedValues;

namespace Evidence.Ingest;

/// <summary>
/// A spreadsheet sidecar for bulk intake (`ingest FOLDER --metadata sheet.csv`): one row per file, <c>file</c> relative to
/// the folder, then any of the court metadata fields plus <c>capturedAt</c>, <c>source</c> and <c>collector</c>. A row's
/// values override the command line's. Rows are checked here, before any byte is read: a row naming a file outside the
/// folder, a file that is not there, or a bad value refuses that file with the sheet's line number.
/// </summary>
public sealed class MetadataSheet
{
    /// <summary>The columns a sheet may have, as spreadsheet users write them (case does not matter).</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "file", "collector", "source", "capturedAt", "place", "coordinates", "language", "generation", "copyOf", "derivedFrom", "kind", "sourceUrl",
        "retrievedAt", "device", "consent", "consentScope", "willingToTestify", "confidentiality",
    ];

    /// <summary>What one row says about one file, and the line it is on.</summary>
    public sealed record Row(int Line, string File, string? Collector, string? Source, string? CapturedAt, StatedMetadata Metadata);

    private readonly Dictionary<string, Row> rows;
    private readonly HashSet<string> refused;
    private readonly string root;

    private MetadataSheet(string root, Dictionary<string, Row> rows, HashSet<string> refused, IReadOnlyList<string> refusals)
    {
        this.root = root;
        this.rows = rows;
        this.refused = refused;
        Refusals = refusals;
    }

    /// <summary>Whether a row about this file was refused: the file is then not ingested at all, not even with the command line's values.</summary>
    public bool Refuses(string folder, string file) => refused.Contains(Key(root, file));

    /// <summary>Rows refused as a whole, each with its line number, in words for the person who made the sheet.</summary>
    public IReadOnlyList<string> Refusals { get; }

    /// <summary>The row for a file (its full path), or null when the sheet says nothing about it.</summary>
    public Row? For(string folder, string file) =>
        rows.GetValueOrDefault(Key(root, file));

    // The folder as EvidenceFiles walks it: its full path, without a trailing separator, through a symbolic link to it.
    private static string Root(string folder)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        return Path.TrimEndingDirectorySeparator(new DirectoryInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full);
    }

    // A file's one name in the sheet: relative to the folder, '/'-separated, without "./", "//" or "x/..".
    private static string Key(string root, string file) =>
        Path.GetRelativePath(root, Path.GetFullPath(file, root)).Replace('\\', '/');

    /// <summary>
    /// Rows about files the walk of the folder did not give (a symbolic link leading out of it, which is never followed):
    /// nothing is recorded for them, and the person who made the sheet must hear it, with the line.
    /// </summary>
    public IEnumerable<string> RowsNotWalked(IEnumerable<string> walkedFiles)
    {
        var walked = walkedFiles.Select(f => Key(root, f)).ToHashSet(StringComparer.Ordinal);
        return rows.Values.Where(r => !walked.Contains(r.File)).OrderBy(r => r.Line)
            .Select(r => $"line {r.Line}: {Display.Text(r.File)} was not ingested (the folder's walk skipped it, as said above); nothing was recorded for it.");
    }

    /// <summary>The files the sheet names, by their path relative to the folder.</summary>
    public IEnumerable<string> Files => rows.Keys;

    /// <summary>
    /// Reads the sheet for a folder. An unknown or repeated column refuses the whole sheet (every row would be read
    /// wrongly); everything else refuses only its row.
    /// </summary>
    public static MetadataSheet Read(string sheetPath, string folder, DateTimeOffset now)
    {
        if (!System.IO.File.Exists(sheetPath))
        {
            throw new InvalidRequestException($"There is no sheet {Display.Path(sheetPath)}. Nothing was ingested.");
        }
        var full = Root(folder);
        using var sheet = System.IO.File.OpenRead(sheetPath);
        return Read(sheet, Display.Path(sheetPath), full, file =>
            Path.IsPathRooted(file) || !Path.GetFullPath(Path.Combine(full, file)).StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                ? $"{Display.Text(file)} is not inside the folder"
                : !System.IO.File.Exists(Path.Combine(full, file))
                    ? $"{Display.Text(file)} is not in the folder"
                    : null, now);
    }

    /// <summary>
    /// Reads a sheet that came with uploaded files (the web upload): a row's <c>file</c> is one of the names uploaded.
    /// </summary>
    public static MetadataSheet Read(Stream sheet, string sheetName, IReadOnlyCollection<string> fileNames, DateTimeOffset now)
    {
        var names = fileNames.ToHashSet(StringComparer.Ordinal);
        // A sheet sent over the web is bounded before it is read row by row: each row refused costs a sentence in memory and
        // in the answer, so an unbounded sheet of one-letter rows (or one endless line) would hold the server's memory.
        using var bounded = new BoundedStream(sheet, MaxUploadedSheetBytes, Display.Text(sheetName));
        return Read(bounded, Display.Text(sheetName), UploadRoot, file =>
            names.Contains(file) ? null : $"{Display.Text(file)} is not among the files uploaded", now, MaxUploadedSheetRows);
    }

    /// <summary>The most rows a sheet sent with an upload may have: one per file an upload may check (a bigger intake is a folder for the command line).</summary>
    public const int MaxUploadedSheetRows = CheckMetadataSheet.MaxFiles;

    /// <summary>The most bytes a sheet sent with an upload may have: 10,000 rows of long places and scopes fit well inside.</summary>
    public const long MaxUploadedSheetBytes = 16L << 20;

    // Reads at most `limit` bytes of a sheet; more is refused as a whole, before Sep buffers a line without end.
    private sealed class BoundedStream(Stream inner, long limit, string sheetName) : Stream
    {
        private long read;

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int n)
        {
            if ((read += n) > limit)
            {
                throw new InvalidRequestException($"The sheet {sheetName} was not used: it is larger than {limit >> 20} MiB, more than an upload's " +
                                                  $"{MaxUploadedSheetRows} rows need. Nothing was ingested.");
            }
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    // Uploaded files have no folder: their names are keyed as if they sat in this one (never touched on disk).
    private static readonly string UploadRoot = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "evidence-upload-sheet"));

    private static MetadataSheet Read(Stream sheet, string sheetName, string root, Func<string, string?> fileProblem, DateTimeOffset now, int maxRows = int.MaxValue)
    {
        var rowCount = 0;
        var byFile = new Dictionary<string, Row>(StringComparer.Ordinal);
        var refusals = new List<string>();
        var refused = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var reader = Sep.New(',').Reader(o => o with { Unescape = true, ColNameComparer = StringComparer.OrdinalIgnoreCase }).From(sheet);
            var names = reader.Header.ColNames;
            var unknown = names.Where(n => !Columns.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
            if (unknown.Count > 0 || names.Count != names.Distinct(StringComparer.OrdinalIgnoreCase).Count() || !names.Contains("file", StringComparer.OrdinalIgnoreCase))
            {
                throw new InvalidRequestException($"The sheet {sheetName} was not used: its first line must name a 'file' column and only these, once each: " +
                                                  $"{string.Join(", ", Columns)}{(unknown.Count > 0 ? $" (not: {string.Join(", ", unknown.Select(Display.Text))})" : "")}. Nothing was ingested.");
            }
            foreach (var row in reader)
            {
                if (++rowCount > maxRows)
                {
                    throw new InvalidRequestException($"The sheet {sheetName} was not used: it has more than {maxRows} rows, more than one upload carries. " +
                                                      "Nothing was ingested; send a bigger intake as a folder with `ingest FOLDER --metadata`.");
                }
                var line = row.LineNumberFrom;
                var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var name in names)
                {
                    if (row[name].ToString() is { Length: > 0 } value)
                    {
                        values[name] = value;
                    }
                }
                string? Get(string column) => values.GetValueOrDefault(column);
                var file = Get("file")?.Replace('\\', '/');
                // The same file however it is written ("./a.jpg", "sub//b.jpg"): rows are found, refused and checked for
                // duplicates by this name, as the folder's files are looked up.
                if (file is not null && !Path.IsPathRooted(file))
                {
                    file = Key(root, file);
                }
                var problems = new List<string>();
                if (file is null)
                {
                    problems.Add("no file named");
                }
                else if (fileProblem(file) is { } problem)
                {
                    problems.Add(problem);
                }
                else if (byFile.ContainsKey(file))
                {
                    problems.Add($"{Display.Text(file)} has another row above");
                }
                var metadata = Statement(Get, problems);
                problems.AddRange(metadata.Problems(now));
                if (Get("capturedAt") is { } captured && PartialDate.Normalize("capturedAt", captured, now, out var dateProblem) is null)
                {
                    problems.Add(dateProblem!);
                }
                if (problems.Count > 0)
                {
                    refusals.Add($"line {line}: {string.Join("; ", problems.Select(p => p.TrimEnd('.')))}; nothing was recorded for it.");
                    if (file is not null)
                    {
                        refused.Add(file);
                        byFile.Remove(file);
                    }
                    continue;
                }
                byFile[file!] = new Row(line, file!, Get("collector"), Get("source"), Get("capturedAt"), metadata);
            }
        }
        catch (ArgumentException e) when (e is not ArgumentNullException)
        {
            // Sep refuses a header that names a column twice before we see it.
            throw new InvalidRequestException($"The sheet {sheetName} was not used: its first line must name each column once each ({e.Message}). Nothing was ingested.");
        }
        catch (NotSupportedException e)
        {
            // Sep's own bound: a row (an unterminated quote, a line without end) longer than it buffers. Bad input, not a server fault.
            throw new InvalidRequestException($"The sheet {sheetName} was not used: a row is longer than a sheet's row can be ({e.Message}). Nothing was ingested.");
        }
        catch (InvalidDataException e)
        {
            throw new InvalidRequestException($"The sheet {sheetName} could not be read as CSV ({e.Message}). Nothing was ingested.");
        }
        return new MetadataSheet(root, byFile, refused, refusals);
    }

    /// <summary>
    /// The statement that named fields make, by the sheet's column names (the web upload's form fields have the same
    /// names): <paramref name="get"/> gives a field's value, null when absent or empty. A value that cannot be read is
    /// added to <paramref name="problems"/>; the rest are checked by <see cref="StatedMetadata.Problems"/>.
    /// </summary>
    public static StatedMetadata Statement(Func<string, string?> get, List<string> problems)
    {
        var copyOf = get("copyOf");
        var derivedFrom = get("derivedFrom");
        Guid? derived = null;
        if (derivedFrom is not null)
        {
            if (Guid.TryParse(derivedFrom, out var id))
            {
                derived = id;
            }
            else
            {
                problems.Add("derivedFrom must be an evidence ID");
            }
        }
        bool? willing = get("willingToTestify") switch
        {
            null => null,
            "yes" => true,
            "no" => false,
            _ => Problem(problems, "willingToTestify must be yes or no"),
        };
        return new StatedMetadata
        {
            Place = get("place"),
            Coordinates = get("coordinates"),
            Languages = get("language")?.Split([' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Generation = get("generation") ?? (copyOf is not null ? "copy" : derived is not null ? "derived" : null),
            OriginalHeldAt = copyOf,
            DerivedFrom = derived,
            DerivedKind = get("kind"),
            SourceUrl = get("sourceUrl"),
            RetrievedAt = get("retrievedAt"),
            Device = get("device"),
            Consent = get("consent"),
            ConsentScope = get("consentScope"),
            WillingToTestify = willing,
            Confidentiality = get("confidentiality"),
        };
    }

    private static bool? Problem(List<string> problems, string problem)
    {
        problems.Add(problem);
        return null;
    }
}
