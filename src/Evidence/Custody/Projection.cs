using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Evidence.Data;
using Evidence.Domain;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Custody;

/// <summary>
/// How one table follows from the custody ledger: which events create and amend its rows, and which column each fact
/// of an event vouches for. One definition serves both ends, so they cannot drift apart: a handler takes the facts it
/// records from it (<c>Projection.Details</c>), and verify folds the events through it and compares the rows it rebuilds
/// with the table, both ways (<see cref="CompareAsync"/>).
/// <para>
/// A fact is either one of the leaf's own fields (actor, evidence id, sha256) or a key of its details. Structured values
/// (ids, kinds, dates, numbers, codes) travel as they are; free text (names, titles, notes, sources) travels as the
/// lower-case hex SHA-256 of its UTF-8 bytes, so that the ledger, which auditors read, carries no name of a child. An
/// absent value is recorded as the empty string. A detail an event does not carry at all was recorded before this fact
/// was bound (an older installation), and that one column of that row is not compared.
/// </para>
/// </summary>
internal interface IProjection
{
    string Table { get; }

    /// <summary>The actions whose events create or amend this table's rows.</summary>
    IEnumerable<string> Actions { get; }

    /// <summary>The columns an event vouches for.</summary>
    IEnumerable<string> Columns { get; }

    /// <summary>Folds one event into the rows it creates or amends; events come in ledger order.</summary>
    void Apply(ProjectedRows rows, CustodyEvent e, IReadOnlyDictionary<string, string> details);

    /// <summary>Compares the rebuilt rows with the table: missing rows, rows no event created, and every column that differs.</summary>
    Task CompareAsync(EvidenceDbContext db, ProjectedRows rows, List<Finding> findings, CancellationToken cancellationToken);
}

/// <summary>One column of <typeparamref name="TRow"/> and the fact that vouches for it.</summary>
/// <param name="Name">The column's name, as findings name it.</param>
/// <param name="Read">The column's value in the form the fact takes (formatted, or hashed for free text); null for none.</param>
/// <param name="Detail">The detail key the fact is recorded under, or null when the fact is one of the leaf's own fields.</param>
/// <param name="Leaf">For leaf facts: the field of the event (its actor, evidence id or sha256).</param>
internal sealed record Column<TRow>(string Name, Func<TRow, string?> Read, string? Detail, Func<CustodyEvent, IReadOnlyDictionary<string, string>, string?>? Leaf = null);

/// <summary>
/// An action that writes rows of a table: its key in the event, whether it creates rows, and the columns it vouches for.
/// With <c>FirstOnly</c>, only the first such event for a key creates the row and later ones repeat it (a registration
/// number is given once and kept). With <c>Removes</c>, the event deletes the row (an account removed): the row must then
/// be gone, and one that comes back is a row no event recorded.
/// </summary>
internal sealed record Writer<TRow>(string Action, Func<CustodyEvent, IReadOnlyDictionary<string, string>, string?> Key, bool Creates, IReadOnlyList<Column<TRow>> Columns,
    bool FirstOnly = false, bool Removes = false);

/// <summary>What the events say one row is: the event that created it and each column's value with the event that set it.</summary>
internal sealed class ProjectedRow
{
    public long? CreatedBy { get; set; }
    public string CreatingAction { get; set; } = "";
    public Dictionary<string, (string? Value, long Event)> Columns { get; } = new(StringComparer.Ordinal);
}

/// <summary>The rows of one table as rebuilt from the ledger, by key.</summary>
internal sealed class ProjectedRows : Dictionary<string, ProjectedRow>
{
    public ProjectedRows() : base(StringComparer.Ordinal)
    {
    }
}

internal sealed class Projection<TRow>(string table, Func<EvidenceDbContext, IQueryable<TRow>> rows, Func<TRow, string> key, params Writer<TRow>[] writers) : IProjection
    where TRow : class
{
    // A column's value known to be unset: no event that could set it has happened.
    private const long NoEvent = -1;

    // Each column once, with the amending action that sets it when no creating one does.
    private readonly List<(Column<TRow> Column, string? AmendedBy)> columns = writers.SelectMany(w => w.Columns.Select(c => (Column: c, Writer: w))).GroupBy(x => x.Column.Name)
        .Select(g => (g.First().Column, g.All(x => !x.Writer.Creates) ? g.First().Writer.Action : null)).ToList();

    public string Table => table;

    public IEnumerable<string> Actions => writers.Select(w => w.Action).Distinct();

    public IEnumerable<string> Columns => writers.SelectMany(w => w.Columns).Select(c => c.Name).Distinct();

    /// <summary>The details the <paramref name="action"/> event of <paramref name="row"/> carries (absent values as "").</summary>
    public IEnumerable<KeyValuePair<string, string?>> Details(string action, TRow row) =>
        Writer(action).Columns.Where(c => c.Detail is not null).Select(c => new KeyValuePair<string, string?>(c.Detail!, c.Read(row) ?? ""));

    private Writer<TRow> Writer(string action) =>
        writers.SingleOrDefault(w => w.Action == action) ?? throw new InvalidOperationException($"{table} has no {action} writer.");

    public void Apply(ProjectedRows projected, CustodyEvent e, IReadOnlyDictionary<string, string> details)
    {
        foreach (var writer in writers.Where(w => w.Action == e.Action))
        {
            if (writer.Key(e, details) is not { Length: > 0 } rowKey)
            {
                continue; // an event from before its key was recorded: it cannot be matched to a row
            }
            if (writer.Removes)
            {
                projected.Remove(rowKey);
                continue;
            }
            if (!projected.TryGetValue(rowKey, out var row))
            {
                row = new ProjectedRow();
                projected[rowKey] = row;
            }
            if (writer.FirstOnly && row.CreatedBy is not null)
            {
                continue;
            }
            if (writer.Creates && row.CreatedBy is null)
            {
                row.CreatedBy = e.Sequence;
                row.CreatingAction = e.Action;
            }
            foreach (var column in writer.Columns)
            {
                if (column.Leaf is { } leaf)
                {
                    row.Columns[column.Name] = (leaf(e, details) ?? "", e.Sequence);
                }
                else if (details.TryGetValue(column.Detail!, out var value))
                {
                    row.Columns[column.Name] = (value, e.Sequence);
                }
                else
                {
                    row.Columns[column.Name] = (null, e.Sequence); // recorded before this fact was bound: not compared
                }
            }
        }
    }

    public async Task CompareAsync(EvidenceDbContext db, ProjectedRows projected, List<Finding> findings, CancellationToken cancellationToken)
    {
        var stored = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in rows(db).AsNoTracking().AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            stored.Add(key(row));
            CompareRow(row, projected, findings);
        }
        foreach (var (rowKey, expected) in projected.Where(p => p.Value.CreatedBy is not null && !stored.Contains(p.Key)).OrderBy(p => p.Value.CreatedBy))
        {
            findings.Add(new Finding("record", $"{table} {rowKey}", $"the row that {expected.CreatingAction} event #{expected.CreatedBy} recorded", "no row: it was deleted"));
        }
    }

    /// <summary>
    /// The findings for some rows only, against the events given (which must include every event that writes them): what
    /// a referral package checks of the rows it is about to export, so that a forged row is refused, not signed.
    /// </summary>
    public List<Finding> Check(IEnumerable<TRow> rowsToCheck, IEnumerable<CustodyEvent> events)
    {
        var projected = new ProjectedRows();
        var actions = Actions.ToHashSet(StringComparer.Ordinal);
        foreach (var e in events.Where(e => actions.Contains(e.Action)).OrderBy(e => e.Sequence))
        {
            Apply(projected, e, JsonSerializer.Deserialize<Dictionary<string, string>>(e.Details) ?? []);
        }
        var findings = new List<Finding>();
        foreach (var row in rowsToCheck)
        {
            CompareRow(row, projected, findings);
        }
        return findings;
    }

    private void CompareRow(TRow row, ProjectedRows projected, List<Finding> findings)
    {
        var rowKey = key(row);
        var subject = $"{table} {rowKey}";
        if (!projected.TryGetValue(rowKey, out var expected) || expected.CreatedBy is null)
        {
            findings.Add(new Finding("record", subject, $"a row that a {string.Join(" or ", writers.Where(w => w.Creates).Select(w => w.Action))} event recorded",
                "a row no custody event recorded: it was added or re-keyed outside Evidence"));
            return;
        }
        foreach (var (column, amendedBy) in columns)
        {
            // A column no event has set yet is empty if only an amending event sets it (a tag not withdrawn has no
            // removal date); a column only another creating event sets does not belong to this row's kind of creation.
            if (!expected.Columns.TryGetValue(column.Name, out var set) && amendedBy is null)
            {
                continue;
            }
            var (value, at) = expected.Columns.TryGetValue(column.Name, out set) ? set : ("", NoEvent);
            if (value is null)
            {
                continue;
            }
            var actual = column.Read(row) ?? "";
            if (!string.Equals(actual, value, StringComparison.Ordinal))
            {
                var source = at == NoEvent ? $"no {amendedBy} event" : $"event #{at.ToString(CultureInfo.InvariantCulture)}";
                findings.Add(new Finding("record", $"{subject} {column.Name}", $"{Shown(value)} ({source})", Shown(actual)));
            }
        }
    }

    private static string Shown(string value) => value.Length == 0 ? "(none)" : Finding.Cut(value);
}

/// <summary>How facts are written in events.</summary>
internal static class Fact
{
    public static Column<TRow> Value<TRow>(string column, string detail, Func<TRow, string?> read) => new(column, read, detail);

    /// <summary>Free text, bound by its SHA-256 under <c>detail</c>.</summary>
    public static Column<TRow> Hashed<TRow>(string column, string detail, Func<TRow, string?> read) => new(column, row => Sha256(read(row)), detail);

    /// <summary>
    /// A fact from a small or guessable space (a place, a coordinate), bound by the SHA-256 of its row's salt, a line feed
    /// and the value, so that reading the log does not give the value back by trying candidates; without a salt (rows from
    /// before it), by its plain SHA-256.
    /// </summary>
    public static Column<TRow> Salted<TRow>(string column, string detail, Func<TRow, string?> read, Func<TRow, string?> salt) =>
        new(column, row => read(row) is { } value ? Sha256(salt(row) is { } s ? s + "\n" + value : value) : null, detail);

    public static Column<TRow> Actor<TRow>(string column, Func<TRow, string?> read) => new(column, read, null, (e, _) => e.Actor);

    public static Column<TRow> EvidenceId<TRow>(string column, Func<TRow, string?> read) => new(column, read, null, (e, _) => Id(e.EvidenceId));

    public static Column<TRow> Sha256Field<TRow>(string column, Func<TRow, string?> read) => new(column, read, null, (e, _) => e.Sha256);

    public static string? Id(Guid? id) => id?.ToString("D");

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string? Number(long? value) => value?.ToString(CultureInfo.InvariantCulture);

    public static string? Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Milliseconds, as the leaf's own time: what SQLite and PostgreSQL both keep exactly.</summary>
    public static string? Time(DateTime? utc) => utc?.ToString(CustodyLeaf.TimeFormat, CultureInfo.InvariantCulture);

    public static string? Sha256(string? text) => text is null ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static string? Sha256(byte[]? bytes) => bytes is null ? null : Convert.ToHexStringLower(SHA256.HashData(bytes));
}
