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
    /// The number of each item: the one it already has, or a new one in the next batch. New numbers are added to
    /// the unit of work, so they exist only if the package that first carries them is recorded.
    /// </summary>
    internal static async Task<Dictionary<Guid, string>> AssignAsync(EvidenceDbContext db, IReadOnlyList<Guid> evidenceIds, Guid packageId, string prefix,
        DateTime now, CancellationToken cancellationToken)
    {
        var numbers = await db.RegistrationNumbers.AsNoTracking()
            .Where(r => evidenceIds.Contains(r.EvidenceId))
            .ToDictionaryAsync(r => r.EvidenceId, r => r.Ern, cancellationToken);
        var unnumbered = evidenceIds.Where(id => !numbers.ContainsKey(id)).ToList();
        if (unnumbered.Count == 0)
        {
            return numbers;
        }
        var batch = (await db.RegistrationNumbers.MaxAsync(r => (int?)r.Batch, cancellationToken) ?? 0) + 1;
        if (batch + (unnumbered.Count - 1) / ItemsPerBatch > 9999)
        {
            throw new InvalidRequestException($"The ERN prefix {prefix} has used all 9,999 batches; configure a new prefix (EVIDENCE_ERN_PREFIX).");
        }
        var item = 0;
        foreach (var id in unnumbered)
        {
            if (++item > ItemsPerBatch)
            {
                batch++;
                item = 1;
            }
            var ern = Format(prefix, batch, item);
            db.RegistrationNumbers.Add(new RegistrationNumber { EvidenceId = id, Ern = ern, Batch = batch, Item = item, PackageId = packageId, AssignedAtUtc = now });
            numbers[id] = ern;
        }
        return numbers;
    }
}
