using System.Globalization;
using System.Text.Json;
using Evidence.Access;
using Evidence.Data;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Custody;

/// <summary>
/// The verifications run so far, newest first, read from their <c>Verified</c> custody events: who ran each, when, in
/// which role, and what it found. A page holds <see cref="PageSize"/> runs; the next page starts <see cref="Before"/> the
/// oldest event shown (the answer's <see cref="VerificationHistory.Older"/>), so a page costs the same at any depth of a
/// log of millions of events. The same roles as <see cref="VerifyCustody"/>: whoever may run it may read its record.
/// </summary>
[AllowedRoles(Role.Auditor, Role.Admin)]
public sealed record ListVerifications(long? Before = null, int PageSize = ListVerifications.DefaultPageSize) : IRequest<VerificationHistory>, IValidatedRequest
{
    public const int DefaultPageSize = 20;

    public IEnumerable<string> Validate()
    {
        IEnumerable<string?> problems =
        [
            PageSize is < 1 or > 200 ? "a page holds 1 to 200 verifications." : null,
            Before is < 0 ? "'before' is an event number, 0 or more." : null,
        ];
        return problems.OfType<string>();
    }
}

/// <summary>One page of runs; <see cref="Older"/> is the <c>before</c> of the next page, null on the last.</summary>
public sealed record VerificationHistory(IReadOnlyList<VerificationRun> Runs, long? Older);

/// <summary>
/// One run as its <c>Verified</c> event recorded it. A count the event does not carry is null; <see cref="FindingKinds"/>
/// is null for runs recorded before the kinds were (2026-12), and empty for a clean run.
/// </summary>
public sealed record VerificationRun(
    long Event,
    DateTime AtUtc,
    string Actor,
    string Role,
    int? Items,
    long? Events,
    int? Checkpoints,
    int? Timestamps,
    int? Findings,
    IReadOnlyList<FindingCount>? FindingKinds)
{
    public bool Clean => Findings == 0;
}

/// <summary>How many findings of one kind (<c>blob</c>, <c>event</c>, <c>record</c>, <c>checkpoint</c>, <c>timestamp</c>, <c>ledger</c>) a run had.</summary>
public sealed record FindingCount(string Kind, int Count);

internal sealed class ListVerificationsHandler(EvidenceDbContext db) : IRequestHandler<ListVerifications, VerificationHistory>
{
    public async Task<VerificationHistory> Handle(ListVerifications request, CancellationToken cancellationToken)
    {
        var verified = db.CustodyEvents.AsNoTracking().Where(e => e.Action == "Verified");
        if (request.Before is { } before)
        {
            verified = verified.Where(e => e.Sequence < before);
        }
        // One more than a page, to know whether there is an older page without counting the whole log.
        var rows = await verified.OrderByDescending(e => e.Sequence).Take(request.PageSize + 1)
            .Select(e => new { e.Sequence, e.OccurredAtUtc, e.Actor, e.Role, e.Details })
            .ToListAsync(cancellationToken);
        var runs = rows.Take(request.PageSize).Select(e =>
        {
            var details = Details(e.Details);
            return new VerificationRun(e.Sequence, DateTime.SpecifyKind(e.OccurredAtUtc, DateTimeKind.Utc), e.Actor, e.Role,
                (int?)Number(details, "items"), Number(details, "events"), (int?)Number(details, "checkpoints"), (int?)Number(details, "timestamps"),
                (int?)Number(details, "findings"), Kinds(details));
        }).ToList();
        return new VerificationHistory(runs, rows.Count > request.PageSize ? runs[^1].Event : null);
    }

    // The details are verified against the leaf by VerifyCustody; here they are only read, and a damaged one reads as absent.
    private static Dictionary<string, string> Details(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static long? Number(Dictionary<string, string> details, string key) =>
        details.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
            : null;

    /// <summary>The <c>findingKinds</c> detail (<c>blob:1 record:2</c>, see <see cref="VerifyCustodyHandler.FindingKinds"/>) read back.</summary>
    private static List<FindingCount>? Kinds(Dictionary<string, string> details)
    {
        if (!details.TryGetValue("findingKinds", out var text))
        {
            return null;
        }
        var kinds = new List<FindingCount>();
        foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = part.LastIndexOf(':');
            if (colon > 0 && int.TryParse(part[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                kinds.Add(new FindingCount(part[..colon], count));
            }
        }
        return kinds;
    }
}
