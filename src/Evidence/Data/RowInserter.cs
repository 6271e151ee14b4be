using System.Data.Common;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Evidence.Data;

/// <summary>
/// Inserts rows of one entity type on a context's current connection and transaction, without its change tracker: for the
/// rows a bulk ingest writes under the write lock (items, their stated metadata, custody events, subtree hashes), which are
/// only ever inserted, many per request. Through <c>SaveChanges</c> they cost about 70 µs a row on the one task that writes
/// every batch, most of a bulk ingest's time (docs/benchmarks.md).
/// <para>
/// Table, columns and the value bound for each column come from the EF Core model, through the same type mappings that
/// <c>SaveChanges</c> uses to make its parameters, so a row inserted here is stored exactly as EF Core would store it, on
/// SQLite and on PostgreSQL alike. Triggers and constraints apply as to any insert.
/// </para>
/// </summary>
internal static class RowInserter
{
    /// <summary>Inserts <paramref name="rows"/> in the transaction <paramref name="db"/> is enlisted in; throws as a failed insert does.</summary>
    public static async Task InsertAsync<T>(DbContext db, IReadOnlyList<T> rows, CancellationToken cancellationToken) where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
                          ?? throw new InvalidOperationException("These rows are inserted only inside the batch's transaction.");
        var table = db.Model.FindEntityType(typeof(T))!.GetTableMappings().Single();
        var columns = table.ColumnMappings.ToList();
        RefuseWhatSaveChangesWouldGenerate(table, columns, rows);
        var sql = db.GetService<ISqlGenerationHelper>();
        // SQLite is in this process: one row per statement, prepared once and run again for each row, costs a few microseconds
        // a row, while its parameters are looked up by name in a list, so that a statement of many rows binds in quadratic
        // time. PostgreSQL is a round trip away: many rows per statement, well under its bound of 65,535 parameters.
        var rowsPerStatement = db.Database.IsSqlite() ? 1 : Math.Min(100, 60_000 / columns.Count);
        var commands = new Dictionary<int, DbCommand>();
        try
        {
            for (var start = 0; start < rows.Count; start += rowsPerStatement)
            {
                var count = Math.Min(rowsPerStatement, rows.Count - start);
                if (!commands.TryGetValue(count, out var command))
                {
                    command = db.Database.GetDbConnection().CreateCommand();
                    command.Transaction = transaction;
                    command.CommandText = InsertText(sql, table, columns, count);
                    commands[count] = command;
                }
                // New parameters each time, made by the type mappings as SaveChanges makes its own; the statement stays prepared.
                command.Parameters.Clear();
                for (var r = 0; r < count; r++)
                {
                    for (var c = 0; c < columns.Count; c++)
                    {
                        var value = columns[c].Property.GetGetter().GetClrValueUsingContainingEntity(rows[start + r]);
                        command.Parameters.Add(columns[c].TypeMapping.CreateParameter(command, sql.GenerateParameterName(Name(r, c)), value,
                            columns[c].Column.IsNullable));
                    }
                }
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // As SaveChanges reports every failure of a save, so that a refused row reads the same (DatabaseFailures) whichever
            // path wrote it, and a bulk ingest still sends each file of a refused request again alone.
            throw new DbUpdateException($"The database refused a row of {table.Table.Name}: {e.Message}", e);
        }
        finally
        {
            foreach (var command in commands.Values)
            {
                await command.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Where SaveChanges would not send the row's own value, this would store something else: a key left unset (Guid.Empty for
    /// an Id EF Core would have generated), a column left to its database default, a computed column, a shadow property. Such a
    /// row is refused before anything is sent; the rows this inserts today set every value themselves.
    /// </summary>
    private static void RefuseWhatSaveChangesWouldGenerate<T>(ITableMapping table, List<IColumnMapping> columns, IReadOnlyList<T> rows) where T : class
    {
        foreach (var property in columns.Select(c => c.Property))
        {
            if (property.IsShadowProperty() || (property.ValueGenerated & ValueGenerated.OnUpdate) != 0)
            {
                throw new InvalidOperationException($"{table.Table.Name}.{property.Name} is not the row's own value; insert these rows through SaveChanges.");
            }
            if ((property.ValueGenerated & ValueGenerated.OnAdd) == 0)
            {
                continue;
            }
            var getter = property.GetGetter();
            for (var r = 0; r < rows.Count; r++)
            {
                if (Equals(getter.GetClrValueUsingContainingEntity(rows[r]), property.Sentinel))
                {
                    throw new InvalidOperationException($"Row {r} of {table.Table.Name} has no {property.Name}: SaveChanges would generate it, and this " +
                                                        "inserter generates nothing. Nothing was inserted.");
                }
            }
        }
    }

    private static string InsertText(ISqlGenerationHelper sql, ITableMapping table, List<IColumnMapping> columns, int rows)
    {
        var text = new StringBuilder("INSERT INTO ")
            .Append(sql.DelimitIdentifier(table.Table.Name, table.Table.Schema))
            .Append(" (")
            .AppendJoin(", ", columns.Select(c => sql.DelimitIdentifier(c.Column.Name)))
            .Append(") VALUES ");
        for (var r = 0; r < rows; r++)
        {
            text.Append(r == 0 ? "(" : ", (")
                .AppendJoin(", ", columns.Select((_, c) => sql.GenerateParameterNamePlaceholder(Name(r, c))))
                .Append(')');
        }
        return text.ToString();
    }

    private static string Name(int row, int column) => $"p{row}_{column}";
}
