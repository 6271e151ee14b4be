using System.Security.Cryptography;
using System.Text.Json;
using Evidence.Access;
using Evidence.Crypto;
using Evidence.Data;
using Evidence.Requests;
using Evidence.Text;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Cases;

/// <summary>
/// Opens a child's sealed identity. Only investigators and prosecutors may; every reveal is a custody event,
/// and so is every refusal (recorded by the authorization behavior before it refuses).
/// </summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor)]
public sealed record RevealVictimIdentity(string Code, string Purpose) : IRequest<VictimIdentity>, IValidatedRequest, IRecordsDenial
{
    public IEnumerable<string> Validate()
    {
        // Why someone looked is part of the record a court may ask for.
        if (Fields.Required("the purpose of the reveal", Purpose, 500) is { } problem)
        {
            yield return problem;
        }
    }

    public IEnumerable<KeyValuePair<string, string?>> DenialDetails() => [new("victim", Code)];
}

/// <summary>An opened identity under the code it was asked for, as `victim reveal --json` prints it.</summary>
public sealed record RevealedIdentity(string Code, string Name, string? BornOn, string? Documents, string? FamilyContacts)
{
    public static RevealedIdentity Of(string code, VictimIdentity identity) =>
        new(code, identity.Name, identity.BornOn, identity.Documents, identity.FamilyContacts);
}

internal sealed class RevealVictimIdentityHandler(EvidenceDbContext db, UnitOfWork unitOfWork, ProtectedFields protectedFields, CurrentActor actor, Custody.Ledger ledger)
    : IRequestHandler<RevealVictimIdentity, VictimIdentity>
{
    public async Task<VictimIdentity> Handle(RevealVictimIdentity request, CancellationToken cancellationToken)
    {
        var victim = await Visibility.Victims(db, actor.Value).AsNoTracking().SingleOrDefaultAsync(v => v.Code == request.Code, cancellationToken)
            ?? throw new NotFoundException($"There is no victim {request.Code}.");
        if (victim.ProtectedIdentity is null)
        {
            throw new NotFoundException($"No identity was recorded for {victim.Code}.");
        }
        await VictimAccess.RequireRecordedAsync(db, ledger, actor.Value, [victim], cancellationToken);
        var identity = Open(protectedFields, victim);
        unitOfWork.Record("IdentityRevealed", null, null, [new("victim", victim.Code), new("purpose", request.Purpose.Trim())]);
        return identity;
    }

    /// <summary>Opens a victim's sealed identity; the caller records the reveal.</summary>
    internal static VictimIdentity Open(ProtectedFields protectedFields, Domain.Victim victim)
    {
        try
        {
            return JsonSerializer.Deserialize<VictimIdentity>(protectedFields.Open(victim.Code, victim.ProtectedIdentity!))
                ?? throw new CryptographicException("empty identity");
        }
        catch (CryptographicException e)
        {
            throw new UnavailableException($"The sealed identity of {victim.Code} does not open with this installation's key: it was altered, moved from another record, or sealed elsewhere.", e);
        }
    }
}
