using System.Globalization;
using System.Text.RegularExpressions;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Referrals;

/// <summary>
/// Evidence registration numbers in the ICC's style (COURT.md): <c>&lt;SITUATION&gt;-&lt;ORG&gt;-&lt;batch&gt;-&lt;item&gt;</c>.
/// An item is numbered the first time it is packaged; every package that first carries items opens the next
/// batch, numbered 0001 upwards, and a batch holds at most 9,999 items.
/// </summary>
public static partial class RegistrationNumbers
{
    public const int ItemsPerBatch = 9999;

    [GeneratedRegex("^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$")]
    private static partial Regex PrefixPattern();

    /// <summary>The prefix as given, or a clear error: two parts of capitals and digits, "UKR-EVD".</summary>
    public static string CheckPrefix(string prefix) => PrefixPattern().IsMatch(prefix)
        ? prefix
        : throw new InvalidRequestException($"The ERN prefix '{prefix}' must be a situation code and an organisation code, capitals and digits, as in UKR-EVD.");

    public static string Format(string prefix, int batch, int item) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}-{batch:D4}-{item:D4}");

    /// <summary>
    /// The letter of each kind of derived item in its suffix (e-Court style, UKR-EVD-0003-0012-T01). T and R are e-Court's;
    /// S, X and O are ours, chosen not to collide; D is a derived item whose kind was not stated (before kinds were recorded).
    /// </summary>
    public static char Letter(DerivedKind? kind) => kind switch
    {
        DerivedKind.Translation => 'T',
        DerivedKind.Redaction => 'R',
        DerivedKind.Summary => 'S',
        DerivedKind.Transcript => 'X',
        DerivedKind.Ocr => 'O',
        _ => 'D',
    };

    [GeneratedRegex("^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}-([0-9]{4})-([0-9]{4})((?:-[A-Z][0-9]{2})*)$")]
    private static partial Regex ErnPattern();

    /// <summary>The batch, item and suffix ("" or "T01", "X01-T01") of an ERN; null when it is not one.</summary>
    public static (int Batch, int Item, string Suffix)? Parse(string? ern) =>
        ern is not null && ErnPattern().Match(ern) is { Success: true } m
            ? (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), m.Groups[3].Value.TrimStart('-'))
            : null;

    /// <summary>
    /// The number of each item, in package order: the one it already has; for a derived item, the number of the item it was
    /// made from with the next suffix of its kind (numbering that item first if it has none, even when it is not in the
    /// package, so that a family keeps one number in every package); otherwise a new number in the next batch. New numbers
    /// are added to the unit of work, so they exist only if the package that gives them is recorded.
    /// </summary>
    /// <param name="db">The database.</param>
    /// <param name="evidenceIds">The package's items, in package order (an original before what was made from it).</param>
    /// <param name="statements">The statement in force of every item in <paramref name="evidenceIds"/> and <paramref name="outside"/> that has one.</param>
    /// <param name="outside">Items the package's derived items were made from (directly or through others) that the package does not carry.</param>
    /// <param name="packageId">The package being built.</param>
    /// <param name="prefix">The ERN prefix, "UKR-EVD".</param>
    /// <param name="now">When the numbers are given.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>Every number the package uses (its items' and their originals'), and the rows this package added.</returns>
    internal static async Task<(Dictionary<Guid, string> Erns, List<RegistrationNumber> Added)> AssignAsync(EvidenceDbContext db, IReadOnlyList<Guid> evidenceIds,
        IReadOnlyDictionary<Guid, ItemMetadata> statements, IReadOnlySet<Guid> outside, Guid packageId, string prefix, DateTime now, CancellationToken cancellationToken)
    {
        var known = evidenceIds.Concat(outside).ToList();
        var rows = await db.RegistrationNumbers.AsNoTracking().Where(r => known.Contains(r.EvidenceId)).ToDictionaryAsync(r => r.EvidenceId, cancellationToken);
        // The suffixes a family already uses, items outside this package included, so that a new translation is T02, never a second T01.
        var familyKeys = rows.Values.Select(r => r.Batch * 10000 + r.Item).Distinct().ToList();
        var suffixes = (await db.RegistrationNumbers.AsNoTracking().Where(r => familyKeys.Contains(r.Batch * 10000 + r.Item)).Select(r => new { r.Batch, r.Item, r.Suffix })
                .ToListAsync(cancellationToken))
            .GroupBy(r => (r.Batch, r.Item)).ToDictionary(g => g.Key, g => g.Select(r => r.Suffix).ToHashSet(StringComparer.Ordinal));
        var inPackage = evidenceIds.ToHashSet();
        var added = new List<RegistrationNumber>();
        int? batch = null;
        var item = 0;

        foreach (var id in evidenceIds)
        {
            await NumberAsync(id, []);
        }
        return (rows.ToDictionary(r => r.Key, r => r.Value.Ern), added);

        async Task NumberAsync(Guid id, HashSet<Guid> underway)
        {
            if (rows.ContainsKey(id))
            {
                return;
            }
            underway.Add(id);
            RegistrationNumber? row = null;
            if (Families.MadeFrom(statements, id) is { } from && (inPackage.Contains(from) || outside.Contains(from)) && !underway.Contains(from))
            {
                await NumberAsync(from, underway);
                row = Derived(id, rows[from], statements[id].DerivedKind);
            }
            row ??= await NextAsync(id);
            db.RegistrationNumbers.Add(row);
            rows[id] = row;
            added.Add(row);
            if (!suffixes.TryGetValue((row.Batch, row.Item), out var used))
            {
                suffixes[(row.Batch, row.Item)] = used = new HashSet<string>(StringComparer.Ordinal);
            }
            used.Add(row.Suffix);
        }

        // The next suffix of this kind under the source's number; null when the family has used 99 of them or the number
        // would outgrow its column, and the item is then numbered in its own right.
        RegistrationNumber? Derived(Guid id, RegistrationNumber source, DerivedKind? kind)
        {
            var stem = source.Suffix.Length == 0 ? "" : source.Suffix + "-";
            var letter = Letter(kind);
            var used = suffixes.GetValueOrDefault((source.Batch, source.Item)) ?? [];
            var next = 1 + used.Where(s => s.Length == stem.Length + 3 && s.StartsWith(stem + letter, StringComparison.Ordinal))
                .Select(s => int.Parse(s.AsSpan(stem.Length + 1), CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
            var suffix = string.Create(CultureInfo.InvariantCulture, $"{stem}{letter}{next:D2}");
            var ern = $"{source.Ern}-{letter}{next:D2}";
            return next > 99 || ern.Length > MaxLength
                ? null
                : new RegistrationNumber { EvidenceId = id, Ern = ern, Batch = source.Batch, Item = source.Item, Suffix = suffix, PackageId = packageId, AssignedAtUtc = now };
        }

        async Task<RegistrationNumber> NextAsync(Guid id)
        {
            batch ??= (await db.RegistrationNumbers.MaxAsync(r => (int?)r.Batch, cancellationToken) ?? 0) + 1;
            if (++item > ItemsPerBatch)
            {
                batch++;
                item = 1;
            }
            if (batch > 9999)
            {
                throw new InvalidRequestException($"The ERN prefix {prefix} has used all 9,999 batches; configure a new prefix (EVIDENCE_ERN_PREFIX).");
            }
            return new RegistrationNumber { EvidenceId = id, Ern = Format(prefix, batch.Value, item), Batch = batch.Value, Item = item, PackageId = packageId, AssignedAtUtc = now };
        }
    }

    /// <summary>The longest ERN the registration_numbers table holds.</summary>
    public const int MaxLength = 64;
}
