using Evidence.Access;
using Evidence.Requests;
using MediatR;

namespace Evidence.Ingest;

/// <summary>
/// Ingests several files in one unit of work: what a bulk `evidence ingest FOLDER` sends, a few dozen small files at a time.
/// Each file is still recorded whole or not at all. A file refused on its own (its fields, unreadable, empty, changed while
/// read) is answered with its own refusal and leaves nothing in the unit of work; the others are recorded, together, with
/// one <c>Ingested</c> event each. Only what fails the whole write (the database or the disk) refuses them all, and then
/// nothing of any of them is recorded.
/// <para>
/// Why it exists: each request pays the pipeline, a service scope, a savepoint, a save and a look-up for duplicates of its
/// own. For a 10 KiB file that is most of the cost; here the files of one request share them.
/// </para>
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record IngestEvidenceFiles(IReadOnlyList<IngestEvidence> Files) : IRequest<IReadOnlyList<IngestFileOutcome>>, IValidatedRequest
{
    /// <summary>A bound on one request, so that one unit of work stays a short transaction.</summary>
    public const int MaxFiles = 256;

    public IEnumerable<string> Validate()
    {
        if (Files is null || Files.Count == 0)
        {
            yield return "at least one file is required.";
        }
        else if (Files.Count > MaxFiles)
        {
            yield return $"at most {MaxFiles} files may be sent at once ({Files.Count} were).";
        }
    }
}

/// <summary>One file's answer: what was recorded for it, or why nothing was.</summary>
public sealed record IngestFileOutcome(IngestedEvidence? Ingested, EvidenceException? Refused);

internal sealed class IngestEvidenceFilesHandler(EvidenceIntake intake) : IRequestHandler<IngestEvidenceFiles, IReadOnlyList<IngestFileOutcome>>
{
    public async Task<IReadOnlyList<IngestFileOutcome>> Handle(IngestEvidenceFiles request, CancellationToken cancellationToken)
    {
        var oneFile = new IngestEvidenceHandler(intake);
        var outcomes = new List<IngestFileOutcome>(request.Files.Count);
        foreach (var file in request.Files)
        {
            try
            {
                // The checks the pipeline makes for a request of its own.
                if (file.Validate().ToList() is { Count: > 0 } problems)
                {
                    throw new InvalidRequestException($"{nameof(IngestEvidence)} was refused:", problems);
                }
                outcomes.Add(new IngestFileOutcome(await oneFile.Handle(file, cancellationToken), null));
            }
            catch (EvidenceException refused)
            {
                outcomes.Add(new IngestFileOutcome(null, refused));
            }
        }
        return outcomes;
    }
}
