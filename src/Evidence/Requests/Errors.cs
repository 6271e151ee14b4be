namespace Evidence.Requests;

/// <summary>
/// A request that Evidence refused or could not carry out, with a message meant for the person who sent it.
/// Every subclass means "nothing was recorded": the unit of work rolled back and staged blobs were discarded. The one
/// exception says so in its message: a PostgreSQL connection lost after COMMIT was sent, when the outcome is unknown.
/// The CLI maps all of them to exit code 2; the web app maps each to its HTTP status.
/// </summary>
public abstract class EvidenceException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The request itself is wrong: a missing file, an empty file, a malformed date, a blank collector.</summary>
public sealed class InvalidRequestException(string message, IReadOnlyList<string>? problems = null)
    : EvidenceException(problems is { Count: > 0 } ? message + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)) : message)
{
    public IReadOnlyList<string> Problems { get; } = problems ?? [];
}

/// <summary>Something the request names does not exist (or the caller may not know it exists).</summary>
public sealed class NotFoundException(string message) : EvidenceException(message);

/// <summary>The acting role may not send this request.</summary>
public sealed class ForbiddenException(string message) : EvidenceException(message);

/// <summary>
/// The database or the blob store could not be used (locked, stopped, full). The request can be retried as it is,
/// except on a damaged database file (<see cref="DatabaseDamaged"/>), which must be restored first.
/// </summary>
public sealed class UnavailableException(string message, Exception? inner = null) : EvidenceException(message, inner)
{
    /// <summary>
    /// The connection broke after COMMIT was sent: unlike every other refusal, the request may have been recorded, so it must
    /// not be sent again before it is looked up.
    /// </summary>
    public bool MayHaveBeenRecorded { get; init; }

    /// <summary>The database was locked, unreachable or broke off before anything was committed.</summary>
    public static UnavailableException DatabaseUnreachable(Exception e) =>
        new($"The database could not be used ({Innermost(e).Message}); nothing was recorded. Try again.", e);

    /// <summary>
    /// SQLite found the database file damaged (truncated, overwritten, not a database). Nothing can be read or recorded
    /// until it is restored; retrying does not help.
    /// </summary>
    public static UnavailableException DatabaseDamaged(Exception e, string? path = null) =>
        new($"The database file {(path is null ? "" : path + " ")}is damaged ({Innermost(e).Message.TrimEnd('.')}); nothing was read or recorded. " +
            "Stop every process that uses it, restore it from the last backup, then run `evidence verify` and compare its checkpoint with one kept outside the installation.", e);

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;
}
