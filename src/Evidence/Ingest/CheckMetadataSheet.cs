using Evidence.Access;
using Evidence.Requests;
using MediatR;

namespace Evidence.Ingest;

/// <summary>
/// Reads a metadata sheet for files about to be uploaded (the web upload), with the same rules as
/// <c>ingest FOLDER --metadata sheet.csv</c>: the page learns, before any file is sent, which row goes with which file
/// and which files are refused for their row. Nothing is recorded: each file's upload then carries its row, and is
/// checked again when it starts and when it ends.
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record CheckMetadataSheet(Stream Sheet, string SheetName, IReadOnlyList<string> FileNames) : IRequest<SheetCheck>, IValidatedRequest
{
    /// <summary>More rows than one upload page should carry; a bigger intake is a folder for the command line.</summary>
    public const int MaxFiles = 10_000;

    public IEnumerable<string> Validate()
    {
        if (FileNames.Count > MaxFiles)
        {
            yield return $"at most {MaxFiles} files can be checked against one sheet.";
        }
        if (FileNames.Any(n => string.IsNullOrWhiteSpace(n) || n.Length > IngestUpload.MaxFileNameLength))
        {
            yield return $"every file name must be 1 to {IngestUpload.MaxFileNameLength} characters.";
        }
    }
}

/// <summary>What the sheet says for each uploaded file it names, and the rows refused with their line numbers.</summary>
/// <param name="Rows">Rows that hold, each under the file name as the upload keeps it (the last segment of the name).</param>
/// <param name="Refused">Files whose row was refused: they must not be uploaded, with or without the page's values.</param>
/// <param name="Refusals">Each refused row in words, with its line number.</param>
public sealed record SheetCheck(IReadOnlyList<MetadataSheet.Row> Rows, IReadOnlyList<string> Refused, IReadOnlyList<string> Refusals);

internal sealed class CheckMetadataSheetHandler(TimeProvider clock) : IRequestHandler<CheckMetadataSheet, SheetCheck>
{
    public Task<SheetCheck> Handle(CheckMetadataSheet request, CancellationToken cancellationToken)
    {
        var names = request.FileNames.Select(IngestUpload.KeptName).ToList();
        var sheet = MetadataSheet.Read(request.Sheet, request.SheetName, names, clock.GetUtcNow());
        return Task.FromResult(new SheetCheck(
            names.Distinct(StringComparer.Ordinal).Select(n => sheet.For("", n) is { } row ? row with { File = n } : null).OfType<MetadataSheet.Row>().ToList(),
            names.Where(n => sheet.Refuses("", n)).ToList(),
            sheet.Refusals));
    }
}
