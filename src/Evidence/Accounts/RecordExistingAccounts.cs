using Evidence.Access;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Evidence.Accounts;

/// <summary>
/// Once, on the first start after accounts became ledger events: records a <c>UserAdded</c> event (marked
/// <c>existing</c>) for every account the installation already had, so that verify can hold every account to the
/// ledger from then on. It runs only while the ledger has no account event at all; after that, an account row that no
/// event recorded is a finding, never adopted.
/// </summary>
[AllowedRoles(Role.Admin)]
internal sealed record RecordExistingAccounts : IRequest<int>
{
    /// <summary>The actor these events name: the upgrade itself, not a person.</summary>
    public static readonly Actor Upgrade = new("evidence-upgrade", Role.Admin);
}

internal sealed class RecordExistingAccountsHandler(AccountsDbContext accountsDb, EvidenceDbContext records, Ledger ledger, UnitOfWork unitOfWork,
    ILogger<RecordExistingAccountsHandler> log)
    : IRequestHandler<RecordExistingAccounts, int>
{
    private static readonly string[] AccountActions = ["UserAdded", "UserRoleChanged", "UserRemoved"];

    public async Task<int> Handle(RecordExistingAccounts request, CancellationToken cancellationToken)
    {
        if (!await accountsDb.Users.AnyAsync(cancellationToken) || await records.CustodyEvents.AnyAsync(e => AccountActions.Contains(e.Action), cancellationToken))
        {
            return 0;
        }
        // The Action column is a convenience beside the leaf that a database administrator can rename for one start, to have
        // rows they planted adopted as existing accounts. Adopt only when the signed leaves themselves hold no account event.
        if (!await LeavesHoldNoAccountEventAsync(cancellationToken))
        {
            log.LogError("Accounts were not recorded as existing: the custody ledger's signed leaves already hold account events, or could not be " +
                         "proven, though its Action column shows none. Run `evidence verify`.");
            return 0;
        }
        var existing = await accountsDb.Users.AsNoTracking().OrderBy(u => u.CreatedAtUtc).ToListAsync(cancellationToken);
        foreach (var user in existing)
        {
            unitOfWork.Record("UserAdded", null, null, [.. Projections.Accounts.Details("UserAdded", AccountRow.Of(user)), new("existing", "true")]);
        }
        return existing.Count;
    }

    private async Task<bool> LeavesHoldNoAccountEventAsync(CancellationToken cancellationToken)
    {
        var events = await records.CustodyEvents.AsNoTracking().OrderBy(e => e.Sequence).ToListAsync(cancellationToken);
        if (events.Count == 0)
        {
            return true;
        }
        if (await ledger.LatestCheckpointAsync(cancellationToken) is not { } checkpoint || checkpoint.Size != events.Count)
        {
            return false;
        }
        try
        {
            return !ledger.Proven(events, checkpoint).Any(e => AccountActions.Contains(e.Action));
        }
        catch (UnavailableException)
        {
            return false; // a leaf that is not the one signed: nothing is adopted over it
        }
    }
}
