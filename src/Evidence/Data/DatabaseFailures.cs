using Evidence.Requests;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Data;

/// <summary>
/// The one translation of a database failure into the error its reader sees. Every edge (the pipeline, start-up, the
/// web app's sign-in outside the pipeline) asks this, so that the same failure reads the same everywhere and always
/// says whether anything was recorded.
/// </summary>
public static class DatabaseFailures
{
    /// <summary>
    /// The clear error for <paramref name="e"/> when it is the database failing (damaged, locked, unreachable, refusing a
    /// change) before anything was committed; null when it is something else, which then travels as it is.
    /// </summary>
    public static UnavailableException? Describe(Exception e, string? databasePath = null) => e switch
    {
        EvidenceException => null,
        _ when Sqlite.IsDamaged(e) => UnavailableException.DatabaseDamaged(e, databasePath),
        _ when Sqlite.IsBusy(e) => new UnavailableException(
            "The evidence database is locked by another writer and the wait ran out; nothing was recorded. Try again.", e),
        _ when Postgres.IsUnavailable(e) => UnavailableException.DatabaseUnreachable(e),
        DbUpdateException => new UnavailableException($"The database refused the change ({e.InnerException?.Message ?? e.Message}); nothing was recorded.", e),
        _ => null,
    };
}
