using System.Collections.Concurrent;

namespace Evidence.Tests.Fixtures;

/// <summary>
/// Which database the suite runs on. By default every Evidence home keeps its records in its own SQLite file; with
/// EVIDENCE_TEST_DB=postgres (./test.sh's second pass) every home gets a PostgreSQL database of its own instead, so the
/// same tests prove the same behaviour on both. Slices, web servers and the in-process command line on one home share
/// its database.
/// </summary>
public static class TestDatabase
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<PostgresDatabase>>> ByHome = new();

    static TestDatabase() =>
        // Homes only the command line used are never disposed by a fixture: their databases go when the run ends.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Task.WhenAll(ByHome.Keys.Select(ReleaseAsync)).Wait(TimeSpan.FromSeconds(20));

    public static bool OnPostgres => Environment.GetEnvironmentVariable("EVIDENCE_TEST_DB") == "postgres";

    /// <summary>The PostgreSQL URL for the home on the PostgreSQL pass, else null (the home's SQLite file).</summary>
    public static async Task<string?> ForHomeAsync(string home) =>
        OnPostgres ? (await ByHome.GetOrAdd(Key(home), _ => new(PostgresDatabase.CreateMigratedAsync)).Value).Url : null;

    /// <summary>Drops the home's database, if it has one.</summary>
    public static async Task ReleaseAsync(string home)
    {
        if (ByHome.TryRemove(Key(home), out var database))
        {
            await (await database.Value).DisposeAsync();
        }
    }

    private static string Key(string home) => Path.GetFullPath(home).TrimEnd('/');
}

/// <summary>A test of something only the SQLite file has (its bytes, its triggers' syntax, its lock): skipped on the PostgreSQL pass, which has its own tests of the same.</summary>
public sealed class SqliteFactAttribute : FactAttribute
{
    public SqliteFactAttribute()
    {
        if (TestDatabase.OnPostgres)
        {
            Skip = "SQLite-specific; the PostgreSQL pass covers the same in Postgres/PostgresTests";
        }
    }
}

/// <summary>As <see cref="SqliteFactAttribute"/>, for a theory.</summary>
public sealed class SqliteTheoryAttribute : TheoryAttribute
{
    public SqliteTheoryAttribute()
    {
        if (TestDatabase.OnPostgres)
        {
            Skip = "SQLite-specific; the PostgreSQL pass covers the same in Postgres/PostgresTests";
        }
    }
}
